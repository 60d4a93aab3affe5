/**
 * The layout map: which structure owns every byte of an image. Format-independent: each format's
 * builder (erofs.ts, legacy.ts, oci.ts) adds the structures it finds; `finishLayout` sorts them,
 * merges structures several owners share (a shared xattr, a hardlinked inode, a deduplicated
 * pcluster), and classifies every byte no structure claims as padding (zero) or unaccounted content
 * (non-zero: data nothing points at). Two different structures claiming a byte are an overlap.
 */

/** A field of the image, by absolute range: the bytes whose value placed or sized a structure. */
export interface FieldRef {
  name: string;
  offset: number;
  length: number;
}

export interface LayoutStructure {
  offset: number;
  length: number;
  /** Stable kind name ("erofs.inode.compact", "erofs.dirent-block", "tar.header"); fields.ts decodes by kind. */
  kind: string;
  /** What it is, for people: "inode 36", "shared xattr 12", "member #3 header". */
  name: string;
  /** Paths of the nodes it belongs to (the first MAX_PATHS_KEPT met, sorted); empty for image-wide structures. */
  paths: string[];
  /** Owners beyond those in `paths` (a shared xattr can belong to every file of an image). */
  morePaths?: number;
  /** The pointer that put it here (a dirent's nid, i_u, a shared xattr id). */
  placedBy?: FieldRef;
  /** The field that gave its length (i_xattr_icount, i_size). */
  sizedBy?: FieldRef;
}

export type GapKind = 'padding' | 'unaccounted';

export interface LayoutGap {
  kind: GapKind;
  offset: number;
  length: number;
}

/** Two structures claiming the same bytes; a and b index `structures` (a starts first). */
export interface LayoutOverlap {
  offset: number;
  length: number;
  a: number;
  b: number;
}

/** Something a builder could not decode: the map is incomplete around it. */
export interface LayoutProblem {
  offset: number;
  length: number;
  message: string;
}

export interface LayoutTotals {
  /** Bytes claimed, by structure kind (a byte two structures claim counts for both). */
  byKind: Record<string, number>;
  padding: number;
  unaccounted: number;
  overlapping: number;
}

export interface LayoutMap {
  format: string;
  size: number;
  /** By offset, then longer first, then kind. */
  structures: LayoutStructure[];
  gaps: LayoutGap[];
  overlaps: LayoutOverlap[];
  problems: LayoutProblem[];
  totals: LayoutTotals;
  /** The structure budget was reached: later structures are missing (and their bytes look unclaimed). */
  truncated: boolean;
  /** Offsets in the map are offsets in this space (an OCI layer's decompressed tar stream). */
  space?: string;
}

/**
 * Most structures one map holds: the 201k-inode bench image has 919k, and this many cost about a
 * gigabyte. A map that reaches it says so (`truncated`) instead of growing further.
 */
export const MAX_STRUCTURES = 4_000_000;
/** Owning paths kept per structure; the rest are counted. */
export const MAX_PATHS_KEPT = 32;
/** Most overlaps recorded: past this a map is too damaged for a list to help. */
export const MAX_OVERLAPS = 10_000;

/** Collects structures while a format's builder walks the image. */
export class LayoutBuilder {
  /** By offset: most offsets start one structure, a few (shared places, overlaps) several. */
  private readonly byOffset = new Map<number, LayoutStructure | LayoutStructure[]>();
  private count = 0;
  readonly problems: LayoutProblem[] = [];
  truncated = false;

  constructor(
    readonly format: string,
    readonly size: number,
    private readonly maxStructures = MAX_STRUCTURES,
  ) {}

  /**
   * Adds a structure, or adds `path` to the one already recorded at the same place with the same
   * kind. Ranges are clamped to the image: what lies past the end is not bytes of it. Takes
   * ownership of `s` (pass a fresh object literal).
   */
  add(s: Omit<LayoutStructure, 'paths'>, path?: string): LayoutStructure | undefined {
    const offset = Math.max(0, s.offset);
    const length = Math.min(s.offset + s.length, this.size) - offset;
    if (!(length > 0) || !Number.isSafeInteger(offset)) return undefined;
    const here = this.byOffset.get(offset);
    let out = here === undefined ? undefined : Array.isArray(here) ? here.find((x) => x.kind === s.kind && x.length === length) : here.kind === s.kind && here.length === length ? here : undefined;
    if (!out) {
      if (this.count >= this.maxStructures) {
        this.truncated = true;
        return undefined;
      }
      // The caller's fresh object becomes the structure: one allocation per structure, not two.
      out = s as LayoutStructure;
      out.offset = offset;
      out.length = length;
      out.paths = [];
      this.count++;
      if (here === undefined) this.byOffset.set(offset, out);
      else if (Array.isArray(here)) here.push(out);
      else this.byOffset.set(offset, [here, out]);
    }
    if (path !== undefined) {
      if (out.paths.length < MAX_PATHS_KEPT) {
        if (!out.paths.includes(path)) out.paths.push(path);
      } else if (!out.paths.includes(path)) {
        out.morePaths = (out.morePaths ?? 0) + 1;
      }
    }
    return out;
  }

  problem(offset: number, length: number, message: string): void {
    if (this.problems.length < MAX_OVERLAPS) this.problems.push({ offset, length, message });
  }

  structures(): LayoutStructure[] {
    const out: LayoutStructure[] = [];
    for (const v of this.byOffset.values()) {
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    for (const s of out) if (s.paths.length > 1) s.paths.sort();
    return out.sort(compareStructures);
  }
}

const compareStructures = (a: LayoutStructure, b: LayoutStructure): number =>
  a.offset - b.offset || b.length - a.length || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);

/** Builders and the check yield to the event loop once this many milliseconds of work went by. */
export const SLICE_MS = 8;

/** A pacer: `tick()` returns a promise to await when a time slice is used up, else undefined. */
export function pacer(sliceMs = SLICE_MS): { tick(): Promise<void> | undefined } {
  let last = Date.now();
  let n = 0;
  return {
    tick() {
      // Reading the clock costs more than the work between most ticks.
      if (++n % 64 !== 0) return undefined;
      const now = Date.now();
      if (now - last < sliceMs) return undefined;
      return new Promise((resolve) => setTimeout(() => {
        last = Date.now();
        resolve();
      }, 0));
    },
  };
}

/** Reads image bytes for gap classification (async: a reader may need to load them). */
export type BytesAt = (offset: number, length: number) => Promise<Uint8Array>;

/** Gaps are read in pieces of this size, so classifying a huge gap never holds it whole. */
const GAP_READ = 1 << 20;

/**
 * Sorts, finds overlaps and classifies the unclaimed bytes. Within a gap, zero runs are padding and
 * the span from the first to the last non-zero byte of each stretch of non-zero content is
 * unaccounted (zero runs shorter than 16 bytes inside it do not split it).
 */
export async function finishLayout(b: LayoutBuilder, bytesAt: BytesAt, space?: string): Promise<LayoutMap> {
  const structures = b.structures();
  const overlaps: LayoutOverlap[] = [];
  const gaps: LayoutGap[] = [];
  const byKind: Record<string, number> = {};
  let covered = 0; // first byte not yet claimed
  let reach = -1; // index of the structure reaching furthest so far
  let overlapping = 0;
  const pace = pacer();
  for (let i = 0; i < structures.length; i++) {
    const paused = pace.tick();
    if (paused) await paused;
    const s = structures[i]!;
    byKind[s.kind] = (byKind[s.kind] ?? 0) + s.length;
    const end = s.offset + s.length;
    if (s.offset > covered) await classifyGap(gaps, bytesAt, covered, s.offset);
    if (reach >= 0) {
      const r = structures[reach]!;
      const rEnd = r.offset + r.length;
      if (s.offset < rEnd) {
        const length = Math.min(rEnd, end) - s.offset;
        overlapping += length;
        if (overlaps.length < MAX_OVERLAPS) overlaps.push({ offset: s.offset, length, a: reach, b: i });
      }
    }
    if (reach < 0 || end > structures[reach]!.offset + structures[reach]!.length) reach = i;
    covered = Math.max(covered, end);
  }
  if (covered < b.size) await classifyGap(gaps, bytesAt, covered, b.size);
  let padding = 0;
  let unaccounted = 0;
  for (const g of gaps) {
    if (g.kind === 'padding') padding += g.length;
    else unaccounted += g.length;
  }
  const map: LayoutMap = {
    format: b.format,
    size: b.size,
    structures,
    gaps,
    overlaps,
    problems: b.problems,
    totals: { byKind, padding, unaccounted, overlapping },
    truncated: b.truncated,
  };
  if (space) map.space = space;
  return map;
}

/** Zero bytes inside non-zero content shorter than this belong to the content. */
const MIN_ZERO_RUN = 16;

async function classifyGap(gaps: LayoutGap[], bytesAt: BytesAt, from: number, to: number): Promise<void> {
  const push = (kind: GapKind, offset: number, end: number) => {
    if (end <= offset) return;
    const last = gaps[gaps.length - 1];
    if (last && last.kind === kind && last.offset + last.length === offset) last.length += end - offset;
    else gaps.push({ kind, offset, length: end - offset });
  };
  let contentStart = -1; // start of the current non-zero stretch
  let lastNonZero = -1;
  let zeroStart = from;
  for (let at = from; at < to; at += GAP_READ) {
    const n = Math.min(GAP_READ, to - at);
    const bytes = await bytesAt(at, n);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) continue;
      const pos = at + i;
      if (contentStart >= 0 && pos - lastNonZero - 1 >= MIN_ZERO_RUN) {
        push('unaccounted', contentStart, lastNonZero + 1);
        contentStart = -1;
        zeroStart = lastNonZero + 1;
      }
      if (contentStart < 0) {
        push('padding', zeroStart, pos);
        contentStart = pos;
      }
      lastNonZero = pos;
    }
  }
  if (contentStart >= 0) {
    push('unaccounted', contentStart, lastNonZero + 1);
    push('padding', lastNonZero + 1, to);
  } else {
    push('padding', zeroStart, to);
  }
}

/** The structures whose bytes include `offset` (binary search; overlaps give several). */
export function structuresAt(map: LayoutMap, offset: number): LayoutStructure[] {
  const s = map.structures;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]!.offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  const out: LayoutStructure[] = [];
  // Walk back over structures starting at or before `offset`; a giant one may reach far.
  for (let i = lo - 1; i >= 0 && out.length < 8; i--) {
    const x = s[i]!;
    if (x.offset + x.length > offset) out.push(x);
    if (lo - i > 4096) break;
  }
  return out.reverse();
}
