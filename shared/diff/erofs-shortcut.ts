/**
 * An exact shortcut for diffing two EROFS (composefs) images: a node is proved unchanged from its
 * raw bytes, without building its ImageNode, when everything its decoded form depends on is
 * byte-identical.
 *
 * What a decoded EROFS node depends on: its inode (mode, nlink, size, owner, mtime, rdev, data
 * layout), its inline xattr area (including the ids of shared xattrs), the shared xattr entries
 * those ids name, the superblock fields that change how inodes decode (block size, build time for
 * compact mtimes, incompatible features), and its data: an inline tail, a chunk map, or blocks.
 * The inode and everything that follows it in the metadata area form one contiguous span, so the
 * test is one byte comparison plus one per shared xattr id (cached).
 *
 * Excluded from the comparison, because the diff never looks at them: i_ino (mkcomposefs numbers
 * inodes in walk order, so one added file renumbers every later inode) and, for directories, the
 * block address of the dirents (the entries themselves are diffed name by name).
 * Anything else (data in blocks, compressed layouts, long xattr prefixes, bytes that do not
 * decode) is not shortcut: the caller decodes and compares the node normally, so errors are
 * reported by the reader as usual.
 */
import { Cursor } from '../bytes/cursor.ts';
import { kindOfMode, S_IFCHR, S_IFMT, S_IFREG, stringToBytes, type ImageNode, type ImageReader, type NodeKind } from '../model.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import { decodeInode, inodeOffset, type RawInode } from '../erofs/inode.ts';
import { chunkLayout, type ChunkLayout } from '../erofs/chunk.ts';
import {
  EROFS_FEATURE_INCOMPAT_48BIT,
  EROFS_FEATURE_INCOMPAT_METABOX,
  EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_EXTENDED_SIZE,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_XATTR_ENTRY_SIZE,
  XATTR_PREFIXES,
} from '../erofs/erofs_fs.ts';
import { OVERLAY_XATTR_ESCAPED_WHITEOUT } from '../composefs/overlay.ts';
import { onSide } from './errors.ts';

/** Byte ranges inside the inode core ignored by the comparison (same place in compact and extended inodes). */
const I_U = [16, 20] as const;
const I_INO = [20, 24] as const;
/** struct erofs_xattr_ibody_header: h_name_filter (4), h_shared_count (1), reserved (7), ids. */
const IBODY_SHARED_COUNT = 4;
const IBODY_SHARED_IDS = 12;
/** Features whose decoding this shortcut does not model. */
const UNMODELLED = EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES | EROFS_FEATURE_INCOMPAT_48BIT | EROFS_FEATURE_INCOMPAT_METABOX;
/** Most bytes one probe loads on a cold cache; a longer span is left to the normal comparison. */
const LOAD_LIMIT = 64 << 10;

export interface Unchanged {
  kind: NodeKind;
  nlink: number;
}

/** examine() could not decide from cached bytes alone. */
export const NEEDS_READ = Symbol('needs-read');

/** B's decoded inode, when the nodes differ only in inode fields that map one to one onto ImageNode fields. */
export interface CoreOnly {
  coreOnly: RawInode;
  /** A's decoded inode. */
  a: RawInode;
  /**
   * For a non-directory, the file type bits of both nodes' composefs view (a regular file carrying
   * the escaped-whiteout xattr reads as a char device), when the raw xattr entries show them and
   * every one of them decodes; then the pair's change follows from the two inodes alone.
   */
  viewType?: number;
}

/**
 * What the raw bytes say about a pair of nodes: unchanged (kind and link count), different only in
 * their inode's mode permission bits, owner, mtime or link count (then B's node is A's node with
 * B's values for those), undefined when they must be decoded and compared, or NEEDS_READ when
 * bytes needed are not cached yet.
 */
export type Verdict = Unchanged | CoreOnly | undefined | typeof NEEDS_READ;

export interface Shortcut {
  /** Synchronous, from cached bytes only. */
  examine(idA: number, idB: number): Verdict;
  /** examine() after reading what it needs; never NEEDS_READ. */
  examineLoaded(idA: number, idB: number): Promise<Exclude<Verdict, typeof NEEDS_READ>>;
  /** True when directories `idA` and `idB` list byte-identical entries (same names, same nids). */
  sameEntries(idA: number, idB: number): Promise<boolean>;
  /**
   * A non-directory's inode and the file type of its composefs view, read from raw bytes without
   * decoding the node, when everything its decoding needs is cached and would decode (the same
   * checks as for a CoreOnly pair); undefined otherwise, and then the node is decoded.
   */
  facts(side: 'a' | 'b', id: number): { ino: RawInode; viewType: number } | undefined;
  /**
   * The bytes readData(node.id, 0, node.size) would return for a file whose data is wholly inline,
   * straight from the cache (a view, not a copy); undefined when not inline or not cached.
   */
  inlineData(side: 'a' | 'b', node: ImageNode): Uint8Array | undefined;
}

/** Byte equality from `from` on, without allocating: per-node spans are a few hundred bytes. */
function equalFrom(x: Uint8Array, y: Uint8Array, from: number): boolean {
  if (x.length !== y.length) return false;
  for (let i = from; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Byte equality of whole blocks, four bytes at a time where both views are aligned (blocks nearly always are). */
function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  let i = 0;
  if (x.length >= 256 && x.byteOffset % 4 === 0 && y.byteOffset % 4 === 0) {
    const n = x.length >> 2;
    const wx = new Uint32Array(x.buffer, x.byteOffset, n);
    const wy = new Uint32Array(y.buffer, y.byteOffset, n);
    for (; i < n; i++) if (wx[i] !== wy[i]) return false;
    i = n << 2;
  }
  for (; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Equal except in the inode fields the diff ignores. */
function sameSpan(x: Uint8Array, y: Uint8Array, dir: boolean): boolean {
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      if (i >= I_INO[0] && i < I_INO[1]) continue;
      if (dir && i >= I_U[0] && i < I_U[1]) continue;
      return false;
    }
  }
  return true;
}

const le32 = (b: Uint8Array, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;

const ESCAPED_WHITEOUT = stringToBytes(OVERLAY_XATTR_ESCAPED_WHITEOUT);

/**
 * Whether the xattr entry at `p` (struct erofs_xattr_entry: e_name_len, e_name_index,
 * e_value_size, name suffix) is named trusted.overlay.overlay.whiteout; undefined for a name
 * index the reader cannot expand (it reports those when decoding the node).
 */
function isEscapedWhiteout(b: Uint8Array, p: number): boolean | undefined {
  const index = b[p + 1]!;
  const prefix = index === 0 ? '' : XATTR_PREFIXES[index];
  if (prefix === undefined) return undefined;
  const nameLen = b[p]!;
  if (prefix.length + nameLen !== ESCAPED_WHITEOUT.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) !== ESCAPED_WHITEOUT[i]) return false;
  for (let i = 0; i < nameLen; i++) if (b[p + EROFS_XATTR_ENTRY_SIZE + i] !== ESCAPED_WHITEOUT[prefix.length + i]) return false;
  return true;
}

const isErofs = (r: ImageReader): r is ErofsReader =>
  (r.format === 'composefs' || r.format === 'erofs') &&
  typeof (r as Partial<ErofsReader>).rawInode === 'function' &&
  typeof (r as Partial<ErofsReader>).source?.peek === 'function';

export async function erofsShortcut(a: ImageReader, b: ImageReader): Promise<Shortcut | undefined> {
  if (!isErofs(a) || !isErofs(b)) return undefined;
  const sa = a.sb;
  const sb = b.sb;
  if (
    sa.blkszbits !== sb.blkszbits ||
    sa.buildTime !== sb.buildTime ||
    sa.buildTimeNsec !== sb.buildTimeNsec ||
    sa.featureIncompat !== sb.featureIncompat ||
    sa.featureIncompat & UNMODELLED
  ) {
    return undefined;
  }
  // A full walk touches every metadata block; one sequential read beats thousands of small ones.
  const [loadedA, loadedB] = await Promise.all([onSide('a', () => a.prefetchAll()), onSide('b', () => b.prefetchAll())]);
  // A preloaded image is one buffer: inodes are decoded in place rather than through a view each.
  const wholeA = loadedA ? a.source.peek(0, a.size) : undefined;
  const wholeB = loadedB ? b.source.peek(0, b.size) : undefined;
  const blockSize = a.blockSize;
  const sharedSame = new Map<number, boolean>();

  /*
   * Whole-block equality at equal offsets, decided once per block: when an image was patched with
   * few changes, most nodes sit at the same offset in blocks that did not change, and one lookup
   * replaces a byte comparison per node.
   */
  const SAME = 1;
  const DIFFERENT = 2;
  const blockState = new Uint8Array(Math.ceil(Math.min(a.size, b.size) / blockSize));
  /** Blocks not in the cache count as "not known to be the same": the caller compares bytes. */
  const sameBlocks = (offset: number, length: number): boolean => {
    const last = Math.floor((offset + length - 1) / blockSize);
    if (last >= blockState.length) return false;
    for (let k = Math.floor(offset / blockSize); k <= last; k++) {
      if (blockState[k] === 0) {
        const at = k * blockSize;
        const n = Math.min(blockSize, a.size - at, b.size - at);
        const x = a.source.peek(at, n);
        const y = b.source.peek(at, n);
        if (!x || !y) return false;
        blockState[k] = equalBytes(x, y) ? SAME : DIFFERENT;
      }
      if (blockState[k] !== SAME) return false;
    }
    return true;
  };

  /** The inode decoded by the reader's own decoder from cached bytes; undefined if it does not decode. */
  const inodeNow = (r: ErofsReader, nid: number): RawInode | undefined | typeof NEEDS_READ => {
    const off = inodeOffset(r.sb, nid);
    if (!Number.isSafeInteger(off) || off < 0 || off >= r.size) return undefined;
    const whole = r === a ? wholeA : wholeB;
    const bytes = whole ?? r.source.peek(off, Math.min(EROFS_INODE_EXTENDED_SIZE, r.size - off));
    if (!bytes) return NEEDS_READ;
    try {
      return decodeInode(whole ? new Cursor(whole, 0, off) : new Cursor(bytes, off), nid, r.sb);
    } catch {
      return undefined;
    }
  };

  /** A chunk format the decoder would reject is left to the decoder to report. */
  const layoutOf = (ino: RawInode): ChunkLayout | undefined => {
    try {
      return chunkLayout(ino, sa.blkszbits);
    } catch {
      return undefined;
    }
  };

  /** Length of the span from the inode's start that holds all it decodes from, or undefined. */
  const spanLength = (ino: RawInode, kind: NodeKind, layout: ChunkLayout | undefined): number | undefined => {
    const base = ino.inodeSize + ino.xattrSize;
    if (kind === 'dir') return base;
    if (kind === 'chardev' || kind === 'blockdev' || kind === 'fifo' || kind === 'socket') {
      return ino.datalayout === EROFS_INODE_FLAT_PLAIN || ino.datalayout === EROFS_INODE_FLAT_INLINE ? base : undefined;
    }
    if (kind !== 'file' && kind !== 'symlink') return undefined;
    if (ino.size === 0 && ino.datalayout !== EROFS_INODE_CHUNK_BASED) return base;
    if (ino.datalayout === EROFS_INODE_FLAT_INLINE && ino.size <= blockSize) return base + ino.size;
    if (layout && kind === 'file') return layout.offset - ino.offset + layout.count * layout.entrySize;
    return undefined;
  };

  /** Every chunk a hole: the file's data lives only behind its redirect, not in the image. */
  const allChunksNull = (ino: RawInode, layout: ChunkLayout, span: Uint8Array): boolean => {
    const first = layout.offset - ino.offset;
    const addrAt = layout.indexes ? 4 : 0;
    for (let i = 0; i < layout.count; i++) {
      const p = first + i * layout.entrySize + addrAt;
      if ((span[p]! & span[p + 1]! & span[p + 2]! & span[p + 3]!) !== 0xff) return false;
    }
    return true;
  };

  const sharedOffset = (r: ErofsReader, id: number): number => r.sb.xattrBlkaddr * blockSize + id * 4;
  const sharedEntryNow = (r: ErofsReader, id: number): Uint8Array | undefined => {
    const off = sharedOffset(r, id);
    const head = r.source.peek(off, EROFS_XATTR_ENTRY_SIZE);
    return head && r.source.peek(off, EROFS_XATTR_ENTRY_SIZE + head[0]! + (head[2]! | (head[3]! << 8)));
  };

  /** How many shared xattr ids an inode's span names, or -1 when they do not fit its xattr area. */
  const sharedCount = (ino: RawInode, span: Uint8Array): number => {
    const n = span[ino.inodeSize + IBODY_SHARED_COUNT]!;
    return n > 0 && IBODY_SHARED_IDS + 4 * n > ino.xattrSize ? -1 : n;
  };
  const sharedId = (ino: RawInode, span: Uint8Array, k: number): number => le32(span, ino.inodeSize + IBODY_SHARED_IDS + 4 * k);

  /** Whether every shared xattr the inode names is the same entry in both images (cached per id). */
  const sameShared = (ino: RawInode, span: Uint8Array): boolean | typeof NEEDS_READ => {
    const count = sharedCount(ino, span);
    if (count < 0) return false; // malformed header: let the decoder report it
    for (let k = 0; k < count; k++) {
      const id = sharedId(ino, span, k);
      let same = sharedSame.get(id);
      if (same === undefined) {
        const x = sharedEntryNow(a, id);
        const y = sharedEntryNow(b, id);
        if (!x || !y) return NEEDS_READ;
        sharedSame.set(id, (same = equalBytes(x, y)));
      }
      if (!same) return false;
    }
    return true;
  };

  /** Shared xattrs and chunk holes, the parts of a span that byte equality alone does not settle. */
  const restSame = (ia: RawInode, layout: ChunkLayout | undefined, x: Uint8Array): boolean | typeof NEEDS_READ => {
    if (layout && !allChunksNull(ia, layout, x)) return false;
    return ia.xattrSize ? sameShared(ia, x) : true;
  };

  /** Per image and shared xattr id: is it the escaped whiteout (null when its name does not expand)? */
  const sharedWhiteoutA = new Map<number, boolean | null>();
  const sharedWhiteoutB = new Map<number, boolean | null>();

  /**
   * The file type of a non-directory's composefs view, from its raw xattr entries, as
   * composefsView decides it: a regular file with an escaped-whiteout xattr is a char device.
   * Undefined when some entry would not decode (as decodeInlineEntries and xattrFullName read
   * them), so that the node is decoded and the reader reports the problem. `span` holds the
   * inode and its xattr area.
   */
  const viewTypeNow = (r: ErofsReader, ino: RawInode, span: Uint8Array): number | undefined => {
    const type = ino.mode & S_IFMT;
    if (ino.xattrSize === 0) return type;
    const count = sharedCount(ino, span);
    if (count < 0) return undefined;
    let whiteout = false;
    const end = ino.inodeSize + ino.xattrSize;
    for (let p = ino.inodeSize + IBODY_SHARED_IDS + 4 * count; end - p >= EROFS_XATTR_ENTRY_SIZE; ) {
      const raw = EROFS_XATTR_ENTRY_SIZE + span[p]! + (span[p + 2]! | (span[p + 3]! << 8));
      if (p + raw > end) return undefined;
      const named = isEscapedWhiteout(span, p);
      if (named === undefined) return undefined;
      whiteout ||= named;
      p = Math.min(end, p + ((raw + 3) & ~3));
    }
    const cache = r === a ? sharedWhiteoutA : sharedWhiteoutB;
    for (let k = 0; k < count; k++) {
      const id = sharedId(ino, span, k);
      let named = cache.get(id);
      if (named === undefined) {
        const entry = sharedEntryNow(r, id);
        if (!entry) return undefined;
        cache.set(id, (named = isEscapedWhiteout(entry, 0) ?? null));
      }
      if (named === null) return undefined;
      whiteout ||= named;
    }
    return whiteout && type === S_IFREG ? S_IFCHR : type;
  };

  /** A non-directory's inode and the bytes its decoding needs, when all are cached and in bounds. */
  const spanNow = (r: ErofsReader, id: number): { ino: RawInode; kind: NodeKind; layout?: ChunkLayout; span: Uint8Array } | undefined => {
    const ino = inodeNow(r, id);
    if (ino === undefined || ino === NEEDS_READ) return undefined;
    const kind = kindOfMode(ino.mode);
    const layout = ino.datalayout === EROFS_INODE_CHUNK_BASED ? layoutOf(ino) : undefined;
    const len = spanLength(ino, kind, layout);
    if (len === undefined || ino.offset + len > r.size) return undefined;
    const span = r.source.peek(ino.offset, len);
    return span && { ino, kind, layout, span };
  };

  const examine = (idA: number, idB: number): Verdict => {
    const ia = inodeNow(a, idA);
    if (ia === undefined || ia === NEEDS_READ) return ia;
    const kind = kindOfMode(ia.mode);
    const layout = ia.datalayout === EROFS_INODE_CHUNK_BASED ? layoutOf(ia) : undefined;
    const len = spanLength(ia, kind, layout);
    if (len === undefined) return undefined;
    // Equal bytes decode equally, so B's inode need not be decoded, only located. Chunk maps are
    // aligned to their entry size, which divides the 32-byte inode slot, so they sit at the same
    // place relative to both inodes.
    const ob = inodeOffset(sb, idB);
    if (!Number.isSafeInteger(ob) || ob < 0 || ia.offset + len > a.size || ob + len > b.size) return undefined;
    const x = a.source.peek(ia.offset, len);
    if (!x) return NEEDS_READ;
    let core: RawInode | undefined;
    if (ob !== ia.offset || !sameBlocks(ob, len)) {
      const y = b.source.peek(ob, len);
      if (!y) return NEEDS_READ;
      if (!sameSpan(x, y, kind === 'dir')) {
        // Everything after the inode core the same: then only B's core fields can differ.
        if (!equalFrom(x, y, ia.inodeSize)) return undefined;
        const ib = inodeNow(b, idB);
        if (ib === undefined || ib === NEEDS_READ) return ib;
        if (ia.format !== ib.format || ia.xattrIcount !== ib.xattrIcount || ia.size !== ib.size) return undefined;
        if ((ia.mode & S_IFMT) !== (ib.mode & S_IFMT) || (kind !== 'dir' && ia.iu !== ib.iu)) return undefined;
        core = ib;
      }
    }
    const rest = restSame(ia, layout, x);
    if (rest !== true) return rest === false ? undefined : rest;
    if (!core) return { kind, nlink: ia.nlink };
    return kind === 'dir' ? { coreOnly: core, a: ia } : { coreOnly: core, a: ia, viewType: viewTypeNow(a, ia, x) };
  };

  /** Loads what examine() needs into the readers' caches: the inode spans and the shared xattr entries. */
  const load = async (idA: number, idB: number): Promise<void> => {
    const ia = await onSide('a', () => a.rawInode(idA));
    // Inline tail or chunk map (at most 8 bytes per block, plus alignment), capped.
    const span = ia.inodeSize + ia.xattrSize + Math.min(blockSize + 8 * Math.ceil(ia.size / blockSize), LOAD_LIMIT);
    const ob = inodeOffset(sb, idB);
    await onSide('a', () => a.source.read(ia.offset, Math.min(span, a.size - ia.offset)));
    if (ob < b.size) await onSide('b', () => b.source.read(ob, Math.min(span, b.size - ob)));
    const area = ia.xattrSize ? a.source.peek(ia.offset, ia.inodeSize + ia.xattrSize) : undefined;
    const count = area ? sharedCount(ia, area) : 0;
    for (let k = 0; k < count; k++) {
      const id = sharedId(ia, area!, k);
      for (const [r, side] of [[a, 'a'], [b, 'b']] as const) {
        const off = sharedOffset(r, id);
        if (off + EROFS_XATTR_ENTRY_SIZE > r.size) continue;
        const head = await onSide(side, () => r.source.read(off, EROFS_XATTR_ENTRY_SIZE));
        const need = EROFS_XATTR_ENTRY_SIZE + head[0]! + (head[2]! | (head[3]! << 8));
        if (off + need <= r.size) await onSide(side, () => r.source.read(off, need));
      }
    }
  };

  return {
    examine,

    facts(side, id) {
      const r = side === 'a' ? a : b;
      const at = spanNow(r, id);
      // Directories are decoded: there are few, and their data needs checks this does not make.
      if (!at || at.kind === 'dir') return undefined;
      const viewType = viewTypeNow(r, at.ino, at.span);
      return viewType === undefined ? undefined : { ino: at.ino, viewType };
    },

    inlineData(side, node) {
      const d = node.data;
      if (d.kind !== 'inline' || d.length !== node.size) return undefined;
      return (side === 'a' ? a : b).source.peek(d.offset, d.length);
    },

    async examineLoaded(idA, idB) {
      const first = examine(idA, idB);
      if (first !== NEEDS_READ) return first;
      await load(idA, idB);
      const second = examine(idA, idB);
      // Still not cached (a cache smaller than one inode's span): compare the decoded nodes instead.
      return second === NEEDS_READ ? undefined : second;
    },

    async sameEntries(idA, idB) {
      const ea = await onSide('a', async () => a.extents(await a.rawInode(idA)));
      const eb = await onSide('b', async () => b.extents(await b.rawInode(idB)));
      if (ea.length !== eb.length) return false;
      for (let i = 0; i < ea.length; i++) {
        const x = ea[i]!;
        const y = eb[i]!;
        if (x.offset === null || x.offset !== y.offset || x.length !== y.length || x.fileOffset !== y.fileOffset) return false;
        if (!sameBlocks(x.offset, x.length)) return false;
      }
      return true;
    },
  };
}
