/**
 * Field-by-field comparison of one path's node in two images. The metadata part is synchronous
 * and cheap when nothing differs (scalar compares, xattrs compared in stored order before any
 * sorting), because it runs once for every path the two images share; only files whose bytes
 * live inside the image need the asynchronous data comparison.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { ChangeNodeKind, FieldChange } from '../api.ts';
import { bytesEqual, compareBytes, kindOfMode, S_IFCHR, S_IFMT, toHex, type DataSpan, type ImageNode, type ImageReader, type Xattr } from '../model.ts';
import type { ComposefsView } from '../composefs/overlay.ts';
import { imageDataLayout } from '../composefs/data.ts';
import type { Ignore } from './options.ts';
import { displayBytes } from './text.ts';
import { formatTimestamp } from '../time.ts';

/**
 * The composefs reading of a node, what `composefs-info` shows instead of the overlay bookkeeping
 * (an escaped whiteout is a char device 0:0 there, so type, mode, size and rdev come from here).
 * Pre-1.0 images keep the digest in trusted.overlay.verity (legacyDigest): it identifies content
 * all the same, so it compares as the digest.
 */
export type ContentView = Pick<ComposefsView, 'mode' | 'size' | 'rdev' | 'payload' | 'digest' | 'legacyDigest' | 'xattrs' | 'whiteout' | 'opaque'>;

export type ViewFn = (node: ImageNode) => ContentView;

/** One side of a comparison. */
export interface Side {
  reader: ImageReader;
  node: ImageNode;
  view: ContentView;
}

export interface CompareContext {
  ignore: Ignore;
  /** Directory sizes are byte counts of the on-disk dirents: comparable only within one format. */
  sameFormat: boolean;
}

/** A field change; a side where the value is absent has no key at all (clean JSON, structured clone). */
export function fieldChange(field: string, before: string | undefined, after: string | undefined): FieldChange {
  const f: FieldChange = { field };
  if (before !== undefined) f.before = before;
  if (after !== undefined) f.after = after;
  return f;
}

export const viewKind = (v: ContentView): ChangeNodeKind => (v.whiteout ? 'whiteout' : kindOfMode(v.mode));

/** viewKind from a raw inode and the file type of its composefs view (see erofs-shortcut facts). */
export function rawViewKind(mode: number, rdev: number, viewType: number): ChangeNodeKind {
  const escaped = viewType !== (mode & S_IFMT);
  return viewType === S_IFCHR && (escaped || rdev === 0) ? 'whiteout' : kindOfMode((mode & ~S_IFMT) | viewType);
}
export const viewDigest = (v: ContentView): Uint8Array | undefined => v.digest ?? v.legacyDigest;

export const formatMode = (mode: number): string => mode.toString(8);
export const formatMtime = formatTimestamp;

/** The first bytes of in-image data shown verbatim; longer data is shown by its sha256. */
export const DATA_SHOWN_VERBATIM = 64;
const READ_PIECE = 1 << 20;

/**
 * Does the file keep (some of) its bytes inside the image, where readData can reach them? A
 * composefs file with a backing object does not: it is compared by its object and digest, never
 * by block addresses overlayfs never reads (see composefs/data.ts).
 */
export const dataInImage = (side: Side): boolean => imageDataLayout(side.reader.format, side.node, side.view) !== undefined;

/** Is the redirect the one composefs derives from the digest ("ab/cdef...")? Then it says nothing new. */
function isDigestPath(payload: Uint8Array, digest: Uint8Array | undefined): boolean {
  if (!digest || payload.length !== digest.length * 2 + 1) return false;
  const h = toHex(digest);
  return displayBytes(payload) === `${h.slice(0, 2)}/${h.slice(2)}`;
}

const optBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && bytesEqual(a, b));

const show = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : displayBytes(b));

/** Xattrs that take part in the comparison, sorted by name. */
export function visibleXattrs(xattrs: Xattr[], ignore: Ignore): Xattr[] {
  const kept = ignore.xattr ? xattrs.filter((x) => !ignore.xattr!.test(displayBytes(x.name))) : xattrs.slice();
  return kept.sort((x, y) => compareBytes(x.name, y.name));
}

function sameXattrsInOrder(a: Xattr[], b: Xattr[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!bytesEqual(a[i]!.name, b[i]!.name) || !bytesEqual(a[i]!.value, b[i]!.value)) return false;
  }
  return true;
}

function xattrChanges(a: Xattr[], b: Xattr[], ignore: Ignore, out: FieldChange[]): void {
  if (sameXattrsInOrder(a, b)) return;
  const xa = visibleXattrs(a, ignore);
  const xb = visibleXattrs(b, ignore);
  let i = 0;
  let j = 0;
  while (i < xa.length || j < xb.length) {
    const c = i >= xa.length ? 1 : j >= xb.length ? -1 : compareBytes(xa[i]!.name, xb[j]!.name);
    if (c < 0) {
      out.push(fieldChange(`xattr:${displayBytes(xa[i]!.name)}`, displayBytes(xa[i]!.value), undefined));
      i++;
    } else if (c > 0) {
      out.push(fieldChange(`xattr:${displayBytes(xb[j]!.name)}`, undefined, displayBytes(xb[j]!.value)));
      j++;
    } else {
      if (!bytesEqual(xa[i]!.value, xb[j]!.value)) {
        out.push(fieldChange(`xattr:${displayBytes(xa[i]!.name)}`, displayBytes(xa[i]!.value), displayBytes(xb[j]!.value)));
      }
      i++;
      j++;
    }
  }
}

/**
 * Every difference that the decoded node and its composefs view show, except in-image file data
 * (see compareData), in a fixed field order.
 */
export function compareMeta(a: Side, b: Side, ctx: CompareContext): FieldChange[] {
  const na = a.node;
  const nb = b.node;
  const va = a.view;
  const vb = b.view;
  const out: FieldChange[] = [];
  const num = (field: string, x: number, y: number, fmt: (v: number) => string = String) => {
    if (x !== y) out.push({ field, before: fmt(x), after: fmt(y) });
  };
  const ka = viewKind(va);
  const kb = viewKind(vb);
  if (ka !== kb) out.push({ field: 'type', before: ka, after: kb });
  num('mode', va.mode, vb.mode, formatMode);
  if (!ctx.ignore.ownership) {
    num('uid', na.uid, nb.uid);
    num('gid', na.gid, nb.gid);
  }
  if (ka !== 'dir' || kb !== 'dir' || ctx.sameFormat) num('size', va.size, vb.size);
  if (!ctx.ignore.mtime && (na.mtime.sec !== nb.mtime.sec || na.mtime.nsec !== nb.mtime.nsec)) {
    out.push({ field: 'mtime', before: formatMtime(na.mtime.sec, na.mtime.nsec), after: formatMtime(nb.mtime.sec, nb.mtime.nsec) });
  }
  num('nlink', na.nlink, nb.nlink);
  num('rdev', va.rdev, vb.rdev);
  if (!optBytes(na.target, nb.target)) out.push(fieldChange('target', show(na.target), show(nb.target)));
  if (va.whiteout !== vb.whiteout) out.push({ field: 'whiteout', before: String(va.whiteout), after: String(vb.whiteout) });
  if (va.opaque !== vb.opaque) out.push({ field: 'opaque', before: String(va.opaque), after: String(vb.opaque) });
  const da = viewDigest(va);
  const db = viewDigest(vb);
  if (!optBytes(da, db)) out.push(fieldChange('digest', da && toHex(da), db && toHex(db)));
  if (!optBytes(va.payload, vb.payload)) {
    const derived =
      (va.payload === undefined || isDigestPath(va.payload, da)) &&
      (vb.payload === undefined || isDigestPath(vb.payload, db)) &&
      !optBytes(da, db);
    if (!derived) out.push(fieldChange('redirect', show(va.payload), show(vb.payload)));
  }
  xattrChanges(va.xattrs, vb.xattrs, ctx.ignore, out);
  // A size that changed alone follows from entries added, removed or renamed inside, reported on their own.
  if (ctx.ignore.dirSizeOnly && ka === 'dir' && kb === 'dir' && out.length === 1 && out[0]!.field === 'size') out.length = 0;
  return out;
}

/** Where to read one file's in-image bytes, and which of them are holes. */
interface DataRef {
  reader: ImageReader;
  id: number;
  size: number;
  spans: DataSpan[];
}

async function dataRef(side: Side): Promise<DataRef> {
  const { reader, node } = side;
  const spans = reader.dataMap ? await reader.dataMap(node.id) : [{ fileOffset: 0, length: node.size, hole: false }];
  return { reader, id: node.id, size: node.size, spans };
}

const hasHoles = (ref: DataRef): boolean => ref.spans.some((s) => s.hole);

/** The data spans cut into pieces of at most READ_PIECE bytes, so a large file never needs one huge buffer. */
async function* dataPieces(ref: DataRef): AsyncGenerator<{ fileOffset: number; bytes: Uint8Array }> {
  for (const s of ref.spans) {
    if (s.hole) continue;
    for (let off = s.fileOffset; off < s.fileOffset + s.length; off += READ_PIECE) {
      const n = Math.min(READ_PIECE, s.fileOffset + s.length - off);
      yield { fileOffset: off, bytes: await ref.reader.readData(ref.id, off, n) };
    }
  }
}

const u64le = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};

/**
 * The sha256 of a file's bytes; for a file with holes (whose zeros could be terabytes) the
 * sha256 of its data pieces alone, each preceded by its file offset and length (u64 LE), shown as
 * `sparse-sha256:`.
 */
async function sha256OfData(ref: DataRef): Promise<string> {
  const h = sha256.create();
  const sparse = hasHoles(ref);
  for await (const p of dataPieces(ref)) {
    if (sparse) h.update(u64le(p.fileOffset)).update(u64le(p.bytes.length));
    h.update(p.bytes);
  }
  return `${sparse ? 'sparse-sha256' : 'sha256'}:${toHex(h.digest())}`;
}

/** Text standing for a file's in-image bytes: the bytes themselves when short, else their sha256. */
async function describeData(ref: DataRef): Promise<string> {
  if (ref.size <= DATA_SHOWN_VERBATIM) return displayBytes(await ref.reader.readData(ref.id, 0, ref.size));
  return sha256OfData(ref);
}

const isZero = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
};

/** Is the byte at `at` in a hole of `spans`, and where does that span end? (spans cover the file, in order) */
function spanAt(spans: DataSpan[], from: number, at: number): number {
  let i = from;
  while (i < spans.length - 1 && spans[i]!.fileOffset + spans[i]!.length <= at) i++;
  return i;
}

/** Equal bytes, compared run by run: where both sides are holes nothing is read at all. */
async function sameData(a: DataRef, b: DataRef): Promise<boolean> {
  if (a.size !== b.size) return false;
  let ia = 0;
  let ib = 0;
  for (let off = 0; off < a.size; ) {
    ia = spanAt(a.spans, ia, off);
    ib = spanAt(b.spans, ib, off);
    const sa = a.spans[ia]!;
    const sb = b.spans[ib]!;
    const end = Math.min(sa.fileOffset + sa.length, sb.fileOffset + sb.length, off + (sa.hole && sb.hole ? Infinity : READ_PIECE));
    if (!(end > off)) throw new Error(`data map of inode ${a.id} or ${b.id} does not cover the file`);
    const n = end - off;
    if (!(sa.hole && sb.hole)) {
      const [x, y] = await Promise.all([sa.hole ? undefined : a.reader.readData(a.id, off, n), sb.hole ? undefined : b.reader.readData(b.id, off, n)]);
      if (x && y ? !bytesEqual(x, y) : !isZero((x ?? y)!)) return false;
    }
    off = end;
  }
  return true;
}

/** The `data` change of a file whose bytes (on either side) live inside the image, if they differ. */
export async function compareData(a: Side, b: Side): Promise<FieldChange | undefined> {
  const [ra, rb] = await Promise.all([dataInImage(a) ? dataRef(a) : undefined, dataInImage(b) ? dataRef(b) : undefined]);
  if (!ra && !rb) return undefined;
  if (ra && rb && (await sameData(ra, rb))) return undefined;
  const [before, after] = await Promise.all([ra && describeData(ra), rb && describeData(rb)]);
  return fieldChange('data', before, after);
}
