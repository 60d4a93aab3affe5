/**
 * Writes a composefs image (the 32-byte composefs header, then EROFS) from a dump tree, taking
 * the same steps as libcomposefs's lcfs-writer-erofs.c (composefs 1.0.8) so that the bytes are
 * identical to mkcomposefs's:
 *
 *  1. the format version starts at the minimum and becomes 1 when a whiteout (char 0:0) exists
 *     and the maximum allows it (lcfs_write_update_version);
 *  2. the tree is rewritten for overlayfs (rewrite_tree_for_erofs): user trusted.overlay.* xattrs
 *     are escaped to trusted.overlay.overlay.*, external files get trusted.overlay.metacopy (4-byte
 *     header + fs-verity digest) and trusted.overlay.redirect ("/" + payload), whiteouts become
 *     regular files marked as escaped whiteouts (parents marked too, and in version 1 made
 *     opaque "x"), every directory gets "." and "..", the root is made opaque "y" and receives
 *     the 256 hidden whiteouts 00..ff;
 *  3. inodes are numbered breadth-first with children in name order (lcfs_compute_tree), which
 *     also recomputes directory link counts, sorts xattrs by name and finds the oldest mtime;
 *  4. key/value pairs used by more than one inode go to the shared xattr area (compute_erofs_shared_xattrs);
 *  5. each inode is laid out compact when it can be, with its tail (dirents, symlink target,
 *     inline data, or the null chunk table of an external file) inline and never straddling a
 *     block (compute_erofs_inodes);
 *  6. then header, superblock, inodes, shared xattrs and data blocks are written in that order.
 *
 * Pure: the result is a Uint8Array; nothing here touches the filesystem.
 */
import {
  EROFS_CHUNK_FORMAT_BLKBITS_MASK,
  EROFS_DIRENT_SIZE,
  EROFS_FEATURE_COMPAT_MTIME,
  EROFS_FEATURE_COMPAT_XATTR_FILTER,
  EROFS_FT_BLKDEV,
  EROFS_FT_CHRDEV,
  EROFS_FT_DIR,
  EROFS_FT_FIFO,
  EROFS_FT_REG_FILE,
  EROFS_FT_SOCK,
  EROFS_FT_SYMLINK,
  EROFS_FT_UNKNOWN,
  EROFS_I_DATALAYOUT_BIT,
  EROFS_I_VERSION_BIT,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_COMPACT_SIZE,
  EROFS_INODE_EXTENDED_SIZE,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_ISLOTBITS,
  EROFS_NULL_ADDR,
  EROFS_SB_SIZE,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
  EROFS_XATTR_ENTRY_SIZE,
  EROFS_XATTR_IBODY_HEADER_SIZE,
  EROFS_XATTR_INDEX_POSIX_ACL_ACCESS,
  EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT,
  EROFS_XATTR_INDEX_SECURITY,
  EROFS_XATTR_INDEX_TRUSTED,
  EROFS_XATTR_INDEX_USER,
  EROFS_XATTR_LONG_PREFIX,
} from '../erofs/erofs_fs.ts';
import { expectedNameFilter } from '../erofs/xattr.ts';
import { LCFS_EROFS_FLAGS_HAS_ACL, LCFS_EROFS_HEADER_SIZE, LCFS_EROFS_MAGIC, LCFS_EROFS_VERSION } from './header.ts';
import {
  encodeMetacopy,
  OVERLAY_XATTR_ESCAPE_PREFIX,
  OVERLAY_XATTR_ESCAPED_OPAQUE,
  OVERLAY_XATTR_ESCAPED_WHITEOUT,
  OVERLAY_XATTR_ESCAPED_WHITEOUTS,
  OVERLAY_XATTR_METACOPY,
  OVERLAY_XATTR_OPAQUE,
  OVERLAY_XATTR_PREFIX,
  OVERLAY_XATTR_REDIRECT,
  OVERLAY_XATTR_USERXATTR_OPAQUE,
  OVERLAY_XATTR_USERXATTR_WHITEOUT,
  OVERLAY_XATTR_USERXATTR_WHITEOUTS,
  startsWith,
} from './overlay.ts';
import {
  LCFS_DIGEST_SIZE,
  LCFS_INLINE_CONTENT_MAX,
  PATH_MAX,
  XATTR_NAME_MAX,
  XATTR_VALUE_MAX,
  badName,
  findByName,
  isValidMode,
  newEntry,
  type DumpEntry,
} from './dumpfile.ts';
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  bytesEqual,
  compareBytes,
  concatBytes,
  stringToBytes,
} from '../model.ts';
import { align, newOut, put, roundUp, skip, u16, u32, u64, u8, type Out } from './writer-out.ts';

/** composefs writes 4 KiB blocks only. */
export const EROFS_BLKSIZ_BITS = 12;
export const EROFS_BLKSIZ = 1 << EROFS_BLKSIZ_BITS;
const EROFS_SLOTSIZE = 1 << EROFS_ISLOTBITS;
/** Highest composefs format version this writer (and mkcomposefs 1.0.8) knows. */
export const LCFS_VERSION_MAX = 1;
/** mkcomposefs's defaults for --min-version / --max-version. */
export const LCFS_DEFAULT_VERSION_MIN = 0;
export const LCFS_DEFAULT_VERSION_MAX = 1;

export interface WriteOptions {
  minVersion?: number;
  maxVersion?: number;
}

export class WriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriteError';
  }
}

interface WXattr {
  key: Uint8Array;
  value: Uint8Array;
  /** Byte offset in the shared xattr area, or -1 when stored in the inode. */
  sharedOffset: number;
  /** The EROFS form, fixed once the tree is rewritten: name index, stored suffix, entry size. */
  index: number;
  suffix: Uint8Array;
  entrySize: number;
  /** How often this key/value pair occurs in the image, and where it sits if shared. */
  use?: PairUse;
}

interface PairUse {
  x: WXattr;
  count: number;
  offset: number;
}

/** The writer's working copy of one inode: struct lcfs_node_s plus its EROFS layout. */
interface WNode extends Omit<DumpEntry, 'xattrs' | 'children' | 'linkTo'> {
  xattrs: WXattr[];
  children: WNode[];
  linkTo?: WNode;
  inodeNum: number;
  nid: number;
  compact: boolean;
  nBlocks: number;
  tailSize: number;
  ipad: number;
  isize: number;
  nShared: number;
  xattrSize: number;
}

const B = stringToBytes;
const type = (n: WNode) => n.mode & S_IFMT;

const EMPTY = new Uint8Array(0);
const newXattr = (key: Uint8Array, value: Uint8Array): WXattr => ({ key, value, sharedOffset: -1, index: 0, suffix: EMPTY, entrySize: 0 });

/** Every WNode is made here, with one fixed shape, so the hot loops over 10^5 nodes stay monomorphic. */
function makeNode(e: Omit<DumpEntry, 'xattrs' | 'children' | 'linkTo'>, xattrs: WXattr[]): WNode {
  return {
    name: e.name,
    mode: e.mode,
    nlink: e.nlink,
    uid: e.uid,
    gid: e.gid,
    rdev: e.rdev,
    size: e.size,
    mtime: { sec: e.mtime.sec, nsec: e.mtime.nsec },
    payload: e.payload,
    content: e.content,
    digest: e.digest,
    line: e.line,
    xattrs,
    children: [],
    linkTo: undefined,
    inodeNum: 0,
    nid: 0,
    compact: false,
    nBlocks: 0,
    tailSize: 0,
    ipad: 0,
    isize: 0,
    nShared: 0,
    xattrSize: 0,
  };
}

const newNode = (mode: number, name: Uint8Array): WNode => makeNode(newEntry(mode, name), []);

/**
 * What mkcomposefs would refuse, checked on trees built by code (the parser already enforces it
 * for dumps): children must be valid names in strictly increasing order, and every field must fit.
 */
export function checkEntry(e: DumpEntry, digestSizes: readonly number[] = [LCFS_DIGEST_SIZE]): void {
  const name = () => JSON.stringify(new TextDecoder().decode(e.name));
  const fail = (why: string) => {
    throw new WriteError(`${name()}: ${why}`);
  };
  if (e.linkTo) return;
  const t = e.mode & S_IFMT;
  if (!isValidMode(e.mode)) fail(`invalid mode ${e.mode.toString(8)}`);
  if (t !== S_IFDIR && e.children.length > 0) fail('only directories have children');
  for (let i = 0; i < e.children.length; i++) {
    const c = e.children[i]!;
    const bad = badName(c.name);
    if (bad) throw new WriteError(`${name()}: ${bad}`);
    if (i > 0 && compareBytes(e.children[i - 1]!.name, c.name) >= 0) fail('children must be sorted by name and unique');
  }
  if (t === S_IFLNK && (!e.payload || e.payload.length === 0 || e.payload.length >= PATH_MAX)) {
    fail(`a symlink target must be 1..${PATH_MAX - 1} bytes`);
  }
  if (e.payload && e.payload.length >= PATH_MAX) fail(`payload longer than ${PATH_MAX - 1} bytes`);
  if (e.content && (e.content.length > LCFS_INLINE_CONTENT_MAX || BigInt(e.content.length) !== e.size)) {
    fail(`inline content must match the size and be at most ${LCFS_INLINE_CONTENT_MAX} bytes`);
  }
  if (e.digest && !digestSizes.includes(e.digest.length)) fail(`a digest must be ${digestSizes.join(' or ')} bytes`);
  for (const x of e.xattrs) {
    if (x.name.length === 0 || x.name.length > XATTR_NAME_MAX || x.name.indexOf(0) >= 0) fail(`bad xattr name`);
    if (x.value.length > XATTR_VALUE_MAX) fail(`xattr value longer than ${XATTR_VALUE_MAX} bytes`);
  }
}

/** Deep copy of the dump tree (lcfs_clone_root): the caller's tree is never modified. */
function cloneTree(root: DumpEntry): WNode {
  const map = new Map<DumpEntry, WNode>();
  const links: [WNode, DumpEntry][] = [];
  const clone = (e: DumpEntry): WNode => {
    checkEntry(e);
    const n = makeNode(e, e.xattrs.map((x) => newXattr(x.name, x.value)));
    if (e.linkTo) links.push([n, e.linkTo]);
    map.set(e, n);
    return n;
  };
  // Iterative, so that depth is bounded by memory rather than the call stack.
  const out = clone(root);
  const stack: [DumpEntry, WNode][] = [[root, out]];
  while (stack.length > 0) {
    const [e, n] = stack.pop()!;
    for (const c of e.children) {
      const cn = clone(c);
      n.children.push(cn);
      stack.push([c, cn]);
    }
  }
  for (const [n, target] of links) {
    const t = map.get(target);
    if (!t) throw new WriteError(`hardlink ${new TextDecoder().decode(n.name)} points outside the tree`);
    n.linkTo = t;
  }
  return out;
}

const follow = (n: WNode): WNode => n.linkTo ?? n;

/** lcfs_node_add_child: children stay in strcmp order; "." and ".." take their sorted place too. */
function addChild(dir: WNode, child: WNode): void {
  const i = findByName(dir.children, child.name);
  if (i >= 0) throw new WriteError('duplicate name in directory');
  dir.children.splice(-i - 1, 0, child);
}

function linkNode(name: string, target: WNode): WNode {
  const n = newNode(0, B(name));
  n.linkTo = target;
  return n;
}

/** lcfs_node_set_xattr: replaces a value of the same name. */
function setXattr(n: WNode, key: string | Uint8Array, value: Uint8Array): void {
  const k = typeof key === 'string' ? B(key) : key;
  const i = n.xattrs.findIndex((x) => bytesEqual(x.key, k));
  if (i >= 0) n.xattrs.splice(i, 1);
  n.xattrs.push(newXattr(k, value));
}

const PREFIX = B(OVERLAY_XATTR_PREFIX);
const ESCAPE_PREFIX = B(OVERLAY_XATTR_ESCAPE_PREFIX);
const METACOPY = B(OVERLAY_XATTR_METACOPY);
const REDIRECT = B(OVERLAY_XATTR_REDIRECT);
const SLASH = B('/');
const X = B('x');
const SELINUX = B('security.selinux');

/** add_overlayfs_xattrs: the overlayfs bookkeeping one inode needs. */
function addOverlayXattrs(n: WNode, parent: WNode, version: number): void {
  const t = type(n);
  // A user's own trusted.overlay.X must not be read by overlayfs: store it as trusted.overlay.overlay.X.
  for (const x of n.xattrs) {
    if (startsWith(x.key, PREFIX)) x.key = concatBytes(ESCAPE_PREFIX, x.key.subarray(PREFIX.length));
  }
  if (t === S_IFREG && n.size > 0n && !n.content) {
    setXattr(n, METACOPY, n.digest ? encodeMetacopy(n.digest) : EMPTY);
    if (n.payload && n.payload.length > 0) {
      // maybe_join_path("/", payload): a payload that starts with '/' keeps it, giving "//...".
      setXattr(n, REDIRECT, concatBytes(SLASH, n.payload));
    }
  }
  if (t === S_IFCHR && n.rdev === 0n) {
    // A whiteout in the image would hide the lower layer's file; store it as a regular file that
    // overlayfs turns back into a whiteout.
    n.size = 0n;
    n.mode = S_IFREG | (n.mode & ~S_IFMT);
    setXattr(n, OVERLAY_XATTR_ESCAPED_WHITEOUT, EMPTY);
    setXattr(n, OVERLAY_XATTR_USERXATTR_WHITEOUT, EMPTY);
    setXattr(parent, OVERLAY_XATTR_ESCAPED_WHITEOUTS, EMPTY);
    setXattr(parent, OVERLAY_XATTR_USERXATTR_WHITEOUTS, EMPTY);
    if (version >= 1) {
      setXattr(parent, OVERLAY_XATTR_ESCAPED_OPAQUE, X);
      setXattr(parent, OVERLAY_XATTR_USERXATTR_OPAQUE, X);
    }
  }
}

/**
 * rewrite_tree_node_for_erofs over the whole tree. Every node is handled after its parent, which
 * is all the order that matters (a whiteout marks its already-escaped parent); an explicit queue
 * keeps arbitrarily deep trees off the call stack.
 */
function rewriteTree(root: WNode, version: number): void {
  const queue: [WNode, WNode][] = [[root, root]];
  for (let i = 0; i < queue.length; i++) {
    const [n, parent] = queue[i]!;
    addOverlayXattrs(n, parent, version);
    if (type(n) !== S_IFDIR) continue;
    addChild(n, linkNode('.', n));
    addChild(n, linkNode('..', parent));
    for (const child of n.children) if (!child.linkTo) queue.push([child, n]);
  }
}

const HEXCHARS = '0123456789abcdef';

/** add_overlay_whiteouts: 256 char 0:0 entries in the root hide everything in the object store's lower layer. */
function addRootWhiteouts(root: WNode): void {
  const selinux = root.xattrs.find((x) => bytesEqual(x.key, SELINUX));
  for (let i = 0; i < 256; i++) {
    const name = B(HEXCHARS[i >> 4]! + HEXCHARS[i & 15]!);
    if (findByName(root.children, name) >= 0) continue;
    const w = newNode(S_IFCHR | 0o644, name);
    w.uid = root.uid;
    w.gid = root.gid;
    w.mtime = { ...root.mtime };
    if (selinux) setXattr(w, selinux.key, selinux.value);
    addChild(root, w);
  }
}

interface Tree {
  /** Inodes in breadth-first order; index = inode number. */
  nodes: WNode[];
  minMtimeSec: bigint;
  minMtimeNsec: number;
  hasAcl: boolean;
}

const ACL_ACCESS = B('system.posix_acl_access');
const ACL_DEFAULT = B('system.posix_acl_default');

/** lcfs_compute_tree: breadth-first inode order, directory nlink, canonical xattr order. */
function computeTree(root: WNode): Tree {
  const nodes: WNode[] = [root];
  let minSec = root.mtime.sec;
  let minNsec = root.mtime.nsec;
  let hasAcl = false;
  for (let index = 0; index < nodes.length; index++) {
    const n = nodes[index]!;
    if (type(n) === S_IFDIR) {
      n.nlink = 2 + n.children.filter((c) => type(c) === S_IFDIR).length;
    }
    n.xattrs.sort((a, b) => compareBytes(a.key, b.key));
    for (const x of n.xattrs) prepareXattr(x);
    if (n.mtime.sec < minSec || (n.mtime.sec === minSec && n.mtime.nsec < minNsec)) {
      minSec = n.mtime.sec;
      minNsec = n.mtime.nsec;
    }
    n.inodeNum = index;
    if (n.xattrs.some((x) => bytesEqual(x.key, ACL_ACCESS) || bytesEqual(x.key, ACL_DEFAULT))) hasAcl = true;
    for (const c of n.children) if (!c.linkTo) nodes.push(c);
  }
  return { nodes, minMtimeSec: minSec, minMtimeNsec: minNsec, hasAcl };
}

/** xattr_erofs_entry_index: the EROFS name index and the suffix stored after it. */
const NAME_INDEXES: [Uint8Array, number][] = [
  [B('user.'), EROFS_XATTR_INDEX_USER],
  [ACL_ACCESS, EROFS_XATTR_INDEX_POSIX_ACL_ACCESS],
  [ACL_DEFAULT, EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT],
  [B('trusted.'), EROFS_XATTR_INDEX_TRUSTED],
  [B('security.'), EROFS_XATTR_INDEX_SECURITY],
];

function prepareXattr(x: WXattr): void {
  x.index = 0;
  x.suffix = x.key;
  for (const [prefix, index] of NAME_INDEXES) {
    if (startsWith(x.key, prefix)) {
      x.index = index;
      x.suffix = x.key.subarray(prefix.length);
      break;
    }
  }
  x.entrySize = roundUp(EROFS_XATTR_ENTRY_SIZE + x.suffix.length + x.value.length, 4);
}

/** Bytes as a latin1 string, one char per byte: an exact map key. */
export function latin1(b: Uint8Array): string {
  if (b.length <= 4096) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

interface SharedXattrs {
  list: WXattr[];
  size: number;
}

/** compute_erofs_shared_xattrs: every key/value pair used by two or more inodes is stored once. */
function computeSharedXattrs(nodes: WNode[]): SharedXattrs {
  const byName = new Map<string, Map<string, PairUse>>();
  const uses: PairUse[] = [];
  for (const n of nodes) {
    for (const x of n.xattrs) {
      const name = latin1(x.key);
      let values = byName.get(name);
      if (!values) byName.set(name, (values = new Map()));
      const value = latin1(x.value);
      let e = values.get(value);
      if (e) e.count++;
      else {
        values.set(value, (e = { x, count: 1, offset: -1 }));
        uses.push(e);
      }
      x.use = e;
    }
  }
  // libcomposefs's "canonical order" comparator is reversed: names descending, then longer values
  // first, then values descending.
  // Only the order among shared pairs matters (it fixes their offsets), so sort just those.
  const sorted = uses.filter((e) => e.count > 1).sort(
    (a, b) =>
      compareBytes(b.x.key, a.x.key) || b.x.value.length - a.x.value.length || compareBytes(b.x.value, a.x.value),
  );
  const list: WXattr[] = [];
  let offset = 0;
  for (const e of sorted) {
    e.offset = offset;
    list.push(e.x);
    offset += e.x.entrySize;
  }
  for (const n of nodes) {
    let nShared = 0;
    for (const x of n.xattrs) {
      const e = x.use!;
      // An inode can reference at most 128 shared xattrs (h_shared_count is a u8 below LONG_PREFIX).
      if (e.offset >= 0 && nShared < EROFS_XATTR_LONG_PREFIX) {
        x.sharedOffset = e.offset;
        nShared++;
      } else {
        x.sharedOffset = -1;
      }
    }
  }
  return { list, size: offset };
}

/** xattr_erofs_inode_size: the ibody header, shared ids and inline entries of one inode. */
function computeXattrSize(n: WNode): void {
  let nShared = 0;
  let unshared = 0;
  for (const x of n.xattrs) {
    if (x.sharedOffset >= 0) nShared++;
    else unshared += x.entrySize;
  }
  n.nShared = nShared;
  n.xattrSize = nShared === 0 && unshared === 0 ? 0 : roundUp(EROFS_XATTR_IBODY_HEADER_SIZE + nShared * 4 + unshared, 4);
}

/** Directory entries in 4 KiB blocks; the last partial block is the tail (unless over half a block). */
function dirBlocks(n: WNode): { nBlocks: number; tail: number } {
  let nBlocks = 0;
  let block = 0;
  for (const c of n.children) {
    const len = EROFS_DIRENT_SIZE + c.name.length;
    if (block + len > EROFS_BLKSIZ) {
      nBlocks++;
      block = 0;
    }
    block += len;
  }
  // As a heuristic, libcomposefs never inlines more than half a block.
  if (block > EROFS_BLKSIZ / 2) return { nBlocks: nBlocks + 1, tail: 0 };
  return { nBlocks, tail: block };
}

const bitLength = (v: bigint) => (v === 0n ? 0 : v.toString(2).length);

/** compute_erofs_chunk_bitsize: as few chunks as possible, each at least a block, at most 2^43 bytes. */
export function chunkBits(size: bigint): number {
  // ilog2(size - 1) + 1, i.e. the bit length of size - 1.
  let bits = bitLength(size - 1n);
  if (bits < EROFS_BLKSIZ_BITS) bits = EROFS_BLKSIZ_BITS;
  if (bits - EROFS_BLKSIZ_BITS > EROFS_CHUNK_FORMAT_BLKBITS_MASK) bits = EROFS_CHUNK_FORMAT_BLKBITS_MASK + EROFS_BLKSIZ_BITS;
  return bits;
}

export function chunkCount(size: bigint): number {
  const chunk = 1n << BigInt(chunkBits(size));
  return Number((size + chunk - 1n) / chunk);
}

/** One null chunk per chunk, and the table must fit the inode's block. */
const LCFS_MAX_NONINLINE_CHUNKS = EROFS_BLKSIZ / 4;

/** A regular file whose data is a backing object: not empty and not inline. */
export const isExternal = (n: Pick<DumpEntry, 'mode' | 'size' | 'content'>): boolean => (n.mode & S_IFMT) === S_IFREG && n.size > 0n && !n.content;

/** compute_erofs_inode_size: data blocks and inline tail before placement. */
function computeInodeSize(n: WNode): void {
  const t = type(n);
  n.nBlocks = 0;
  n.tailSize = 0;
  if (t === S_IFDIR) {
    const d = dirBlocks(n);
    n.nBlocks = d.nBlocks;
    n.tailSize = d.tail;
  } else if (t === S_IFLNK) {
    n.tailSize = n.payload!.length;
  } else if (t === S_IFREG && n.size > 0n) {
    if (n.content) {
      const size = n.content.length;
      n.nBlocks = Math.floor(size / EROFS_BLKSIZ);
      n.tailSize = size % EROFS_BLKSIZ;
      if (n.tailSize > EROFS_BLKSIZ / 2) {
        n.nBlocks++;
        n.tailSize = 0;
      }
    } else {
      const count = chunkCount(n.size);
      if (count > LCFS_MAX_NONINLINE_CHUNKS) throw new WriteError(`file of ${n.size} bytes needs ${count} chunks, more than ${LCFS_MAX_NONINLINE_CHUNKS}`);
      n.tailSize = count * 4;
    }
  }
}

function fitsCompact(n: WNode, tree: Tree): boolean {
  if (n.mtime.sec !== tree.minMtimeSec || n.mtime.nsec !== tree.minMtimeNsec) return false;
  if (n.nlink > 0xffff || n.uid > 0xffff || n.gid > 0xffff) return false;
  const size = type(n) === S_IFDIR ? BigInt(n.nBlocks * EROFS_BLKSIZ + n.tailSize) : n.size;
  return size <= 0xffffffffn;
}

/**
 * compute_erofs_inode_padding_for_tail: padding before the inode so that its inline tail does
 * not cross a block boundary; a tail that cannot fit moves to a data block instead.
 */
function paddingForTail(n: WNode, pos: number, inodeSize: number, xattrSize: number): number {
  const nonTail = inodeSize + xattrSize;
  const total = nonTail + n.tailSize;
  if (type(n) === S_IFLNK) {
    // The kernel wants a symlink's inode and target in one block; a target that cannot share a
    // block with its inode goes to a data block of its own.
    const posBlock = Math.floor(pos / EROFS_BLKSIZ);
    const endBlock = Math.floor((pos + total - 1) / EROFS_BLKSIZ);
    if (Math.floor(total / EROFS_BLKSIZ) > 0) {
      n.nBlocks++;
      n.tailSize = 0;
    }
    return posBlock !== endBlock ? roundUp(pos, EROFS_BLKSIZ) - pos : 0;
  }
  let remainder = EROFS_BLKSIZ - ((pos + nonTail) % EROFS_BLKSIZ);
  if (remainder < n.tailSize) {
    const extraPad = roundUp(remainder, EROFS_SLOTSIZE);
    remainder = EROFS_BLKSIZ - ((pos + nonTail + extraPad) % EROFS_BLKSIZ);
    if (n.tailSize <= remainder) return extraPad;
    n.nBlocks++;
    n.tailSize = 0;
    return roundUp(pos, EROFS_BLKSIZ) - pos;
  }
  return 0;
}

interface Layout {
  inodesEnd: number;
  nDataBlocks: number;
}

/** compute_erofs_inodes: place every inode after the superblock; nid = offset / 32. */
function computeInodes(tree: Tree): Layout {
  let pos = EROFS_SUPER_OFFSET + EROFS_SB_SIZE;
  const metaStart = pos - (pos % EROFS_BLKSIZ);
  let nDataBlocks = 0;
  for (const n of tree.nodes) {
    computeInodeSize(n);
    n.compact = fitsCompact(n, tree);
    const inodeSize = n.compact ? EROFS_INODE_COMPACT_SIZE : EROFS_INODE_EXTENDED_SIZE;
    computeXattrSize(n);
    const xattrSize = n.xattrSize;
    const start = roundUp(pos, EROFS_SLOTSIZE);
    const extra = paddingForTail(n, start, inodeSize, xattrSize);
    n.ipad = start - pos + extra;
    pos = start + extra;
    n.isize = inodeSize + xattrSize + n.tailSize;
    nDataBlocks += n.nBlocks;
    n.nid = (pos - metaStart) / EROFS_SLOTSIZE;
    pos += n.isize;
  }
  return { inodesEnd: roundUp(pos, EROFS_SLOTSIZE), nDataBlocks };
}

/** The dirent file type of an inode mode. */
export function fileType(n: { mode: number }): number {
  switch (n.mode & S_IFMT) {
    case S_IFLNK: return EROFS_FT_SYMLINK;
    case S_IFDIR: return EROFS_FT_DIR;
    case S_IFREG: return EROFS_FT_REG_FILE;
    case S_IFBLK: return EROFS_FT_BLKDEV;
    case S_IFCHR: return EROFS_FT_CHRDEV;
    case S_IFSOCK: return EROFS_FT_SOCK;
    case S_IFIFO: return EROFS_FT_FIFO;
    default: return EROFS_FT_UNKNOWN;
  }
}

/** One struct erofs_xattr_entry with its suffix and value, padded to 4 bytes. */
export function writeXattrEntry(o: Out, x: Pick<WXattr, 'index' | 'suffix' | 'value'>): void {
  u8(o, x.suffix.length);
  u8(o, x.index);
  u16(o, x.value.length);
  put(o, x.suffix);
  put(o, x.value);
  align(o, 4);
}

/** Dirents of children [first, first + count): the headers, then the names back to back. */
function writeDirentChunk(o: Out, n: WNode, first: number, count: number, alignment: number): void {
  let nameoff = count * EROFS_DIRENT_SIZE;
  for (let i = first; i < first + count; i++) {
    const child = n.children[i]!;
    const target = follow(child);
    u64(o, BigInt(target.nid));
    u16(o, nameoff);
    u8(o, fileType(target));
    u8(o, 0);
    nameoff += child.name.length;
  }
  for (let i = first; i < first + count; i++) put(o, n.children[i]!.name);
  align(o, alignment);
}

/** write_erofs_dentries: the full blocks (in the data area) or the inline tail (after the inode). */
function writeDirents(o: Out, n: WNode, blocks: boolean, tail: boolean): void {
  let blockSize = 0;
  let written = 0;
  let first = 0;
  n.children.forEach((c, i) => {
    const len = EROFS_DIRENT_SIZE + c.name.length;
    if (blockSize + len > EROFS_BLKSIZ) {
      if (blocks) writeDirentChunk(o, n, first, i - first, EROFS_BLKSIZ);
      written++;
      blockSize = 0;
      first = i;
    }
    blockSize += len;
  });
  if (written < n.nBlocks) {
    if (blocks) writeDirentChunk(o, n, first, n.children.length - first, EROFS_BLKSIZ);
    blockSize = 0;
    first = n.children.length;
  }
  if (tail && blockSize > 0) writeDirentChunk(o, n, first, n.children.length - first, 1);
}

interface WriteState {
  tree: Tree;
  layout: Layout;
  /** Next free data block, in bytes (current_end). */
  dataEnd: number;
}

function writeInode(o: Out, n: WNode, s: WriteState): void {
  skip(o, n.ipad);
  const start = o.pos;
  const t = type(n);
  const { nShared, xattrSize } = n;
  const icount = xattrSize === 0 ? 0 : (xattrSize - EROFS_XATTR_IBODY_HEADER_SIZE) / 4 + 1;
  if (icount > 0xffff) throw new WriteError('too many xattrs for one inode');

  let layout = n.tailSize > 0 ? EROFS_INODE_FLAT_INLINE : EROFS_INODE_FLAT_PLAIN;
  let size = 0n;
  let chunks = 0;
  let chunkFormat = 0;
  if (t === S_IFDIR) {
    size = BigInt(n.nBlocks * EROFS_BLKSIZ + n.tailSize);
  } else if (t === S_IFREG) {
    size = n.size;
    if (isExternal(n)) {
      layout = EROFS_INODE_CHUNK_BASED;
      chunks = chunkCount(n.size);
      chunkFormat = chunkBits(n.size) - EROFS_BLKSIZ_BITS;
    }
  } else if (t === S_IFLNK) {
    size = n.nBlocks === 0 ? BigInt(n.tailSize) : n.size;
  }

  // i_u: the first data block, the device number, or the chunk format.
  let iu = 0;
  if (t === S_IFCHR || t === S_IFBLK) {
    iu = Number(BigInt.asUintN(32, n.rdev));
  } else if ((t === S_IFDIR || t === S_IFREG || t === S_IFLNK) && n.nBlocks > 0) {
    iu = s.dataEnd / EROFS_BLKSIZ;
    s.dataEnd += EROFS_BLKSIZ * n.nBlocks;
  }
  // chunk_info shares i_u with raw_blkaddr: its format overwrites the low 16 bits.
  if (layout === EROFS_INODE_CHUNK_BASED) iu = ((iu & 0xffff0000) | chunkFormat) >>> 0;

  const format = (layout << EROFS_I_DATALAYOUT_BIT) | ((n.compact ? 0 : 1) << EROFS_I_VERSION_BIT);
  if (n.compact) {
    u16(o, format);
    u16(o, icount);
    u16(o, n.mode);
    u16(o, n.nlink);
    u32(o, Number(size));
    skip(o, 4); // i_reserved
    u32(o, iu);
    u32(o, n.inodeNum);
    u16(o, n.uid);
    u16(o, n.gid);
    skip(o, 4); // i_reserved2
  } else {
    u16(o, format);
    u16(o, icount);
    u16(o, n.mode);
    skip(o, 2); // i_reserved
    u64(o, size);
    u32(o, iu);
    u32(o, n.inodeNum);
    u32(o, n.uid);
    u32(o, n.gid);
    u64(o, n.mtime.sec);
    u32(o, n.mtime.nsec);
    u32(o, n.nlink);
    skip(o, 16); // i_reserved2
  }

  if (xattrSize > 0) {
    u32(o, expectedNameFilter(n.xattrs.map((x) => ({ nameIndex: x.index, suffix: x.suffix }))));
    u8(o, nShared);
    skip(o, 7);
    // Shared xattr ids count 4-byte units from the start of the block holding the shared area.
    const base = s.layout.inodesEnd % EROFS_BLKSIZ;
    for (const x of n.xattrs) if (x.sharedOffset >= 0) u32(o, (base + x.sharedOffset) / 4);
    for (const x of n.xattrs) if (x.sharedOffset < 0) writeXattrEntry(o, x);
  }

  if (t === S_IFDIR) {
    writeDirents(o, n, false, true);
  } else if (t === S_IFLNK) {
    if (n.nBlocks === 0) put(o, n.payload!);
  } else if (t === S_IFREG && n.tailSize > 0) {
    if (n.content) put(o, n.content.subarray(n.content.length - n.tailSize));
    else for (let i = 0; i < chunks; i++) u32(o, EROFS_NULL_ADDR);
  }
  if (o.pos - start !== n.isize) throw new WriteError(`internal: inode ${n.inodeNum} wrote ${o.pos - start} bytes, planned ${n.isize}`);
}

/** write_erofs_file_content: data that did not fit inline (small files' blocks, long symlinks, big chunk tables). */
function writeFileBlocks(o: Out, n: WNode): void {
  if (n.nBlocks === 0) return;
  const t = type(n);
  if (t === S_IFREG && !n.content) {
    for (let i = 0; i < LCFS_MAX_NONINLINE_CHUNKS; i++) u32(o, EROFS_NULL_ADDR);
  } else if (t === S_IFREG) {
    put(o, n.content!.subarray(0, Math.min(n.content!.length, n.nBlocks * EROFS_BLKSIZ)));
  } else if (t === S_IFLNK) {
    put(o, n.payload!.subarray(0, Math.min(n.payload!.length, n.nBlocks * EROFS_BLKSIZ)));
  } else {
    return;
  }
  align(o, EROFS_BLKSIZ);
}

/** The version the image will be written with (lcfs_write_update_version). */
export function effectiveVersion(root: DumpEntry, options: WriteOptions = {}): number {
  let version = options.minVersion ?? LCFS_DEFAULT_VERSION_MIN;
  let max = options.maxVersion ?? LCFS_DEFAULT_VERSION_MAX;
  if (version < 0 || max < 0 || version > LCFS_VERSION_MAX || max > LCFS_VERSION_MAX) {
    throw new WriteError(`composefs format version must be 0..${LCFS_VERSION_MAX}`);
  }
  if (max < version) max = version;
  // Version 1 changed how whiteouts are marked, so it is needed as soon as one exists.
  if (version < 1 && max >= 1) {
    const stack = [root];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (e.linkTo) continue;
      if ((e.mode & S_IFMT) === S_IFCHR && e.rdev === 0n) {
        version = 1;
        break;
      }
      // Not push(...children): spreading a 200,000-entry directory overflows the call stack.
      for (const c of e.children) stack.push(c);
    }
  }
  return version;
}

/** Builds the composefs image of a dump tree. Throws WriteError on trees mkcomposefs would refuse. */
export function writeComposefs(rootEntry: DumpEntry, options: WriteOptions = {}): Uint8Array {
  if ((rootEntry.mode & S_IFMT) !== S_IFDIR) throw new WriteError('root must be a directory');
  const version = effectiveVersion(rootEntry, options);

  const root = cloneTree(rootEntry);
  rewriteTree(root, version);
  setXattr(root, OVERLAY_XATTR_OPAQUE, B('y'));
  addRootWhiteouts(root);

  const tree = computeTree(root);
  const shared = computeSharedXattrs(tree.nodes);
  const layout = computeInodes(tree);
  if (root.nid > 0xffff) throw new WriteError('root inode beyond the 16-bit root_nid');

  const dataStart = roundUp(layout.inodesEnd + shared.size, EROFS_BLKSIZ);
  const total = dataStart + layout.nDataBlocks * EROFS_BLKSIZ;
  const bytes = new Uint8Array(total);
  const o = newOut(bytes);

  // struct lcfs_erofs_header_s
  u32(o, LCFS_EROFS_MAGIC);
  u32(o, LCFS_EROFS_VERSION);
  u32(o, tree.hasAcl ? LCFS_EROFS_FLAGS_HAS_ACL : 0);
  u32(o, version);
  o.pos = LCFS_EROFS_HEADER_SIZE;

  // struct erofs_super_block
  o.pos = EROFS_SUPER_OFFSET;
  u32(o, EROFS_SUPER_MAGIC_V1);
  u32(o, 0); // checksum
  u32(o, EROFS_FEATURE_COMPAT_MTIME | EROFS_FEATURE_COMPAT_XATTR_FILTER);
  u8(o, EROFS_BLKSIZ_BITS);
  u8(o, 0); // sb_extslots
  u16(o, root.nid);
  u64(o, BigInt(tree.nodes.length)); // inos
  u64(o, tree.minMtimeSec); // build_time: compact inodes take their mtime from here
  u32(o, tree.minMtimeNsec);
  u32(o, dataStart / EROFS_BLKSIZ + layout.nDataBlocks); // blocks
  u32(o, Math.floor((EROFS_SUPER_OFFSET + EROFS_SB_SIZE) / EROFS_BLKSIZ)); // meta_blkaddr
  u32(o, Math.floor(layout.inodesEnd / EROFS_BLKSIZ)); // xattr_blkaddr
  o.pos = EROFS_SUPER_OFFSET + EROFS_SB_SIZE;

  const state: WriteState = { tree, layout, dataEnd: dataStart };
  for (const n of tree.nodes) writeInode(o, n, state);
  align(o, EROFS_SLOTSIZE);
  for (const x of shared.list) writeXattrEntry(o, x);
  align(o, EROFS_BLKSIZ);
  for (const n of tree.nodes) {
    if (type(n) === S_IFDIR) writeDirents(o, n, true, false);
    else writeFileBlocks(o, n);
  }
  if (o.pos !== total || state.dataEnd !== total) {
    throw new WriteError(`internal: wrote ${o.pos} bytes, data end ${state.dataEnd}, planned ${total}`);
  }
  return bytes;
}
