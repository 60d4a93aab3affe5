/**
 * Writes a composefs image in format 2: the layout of composefs-rs's EROFS writer for
 * FormatVersion::V2 (crates/composefs/src/erofs/writer.rs), byte for byte, so that the fs-verity
 * digest of what we write is the one cfsctl and bootc pin for the same tree. Where it differs from
 * libcomposefs's layout (writer.ts):
 *
 *  - every inode is extended (64 bytes); i_ino is the inode's nid; mtime_nsec and the superblock's
 *    build time are 0; the header has no flags and composefs_version 2;
 *  - inodes are numbered depth-first: a directory, then each entry in name order, a subdirectory's
 *    whole subtree before the next entry; a hard-linked file gets its inode where it is first met;
 *  - there is no whiteout table and no opaque root: a whiteout (char 0:0) is stored as it is;
 *  - an inode's xattrs keep their order (metacopy, redirect, then the tree's own by name, a user
 *    trusted.overlay.X escaped to trusted.overlay.overlay.X); a key/value pair used by two or more
 *    inodes is shared, the shared area sorted by (name index, suffix, value) and referenced by
 *    absolute byte offset / 4, with xattr_blkaddr 0; lustre.* has its own name index;
 *  - a file whose data is elsewhere is chunk-based with chunk format 31 (a single chunk) and one
 *    null chunk index inline (see leafShape for the one deliberate difference);
 *  - a file's data is inline whole; an inline tail that would run past the block its metadata
 *    ends in moves the inode forward (pad_inline_tail_v2's rule, reproduced exactly).
 *
 * Pure: the result is a Uint8Array; nothing here touches the filesystem.
 */
import {
  EROFS_CHUNK_FORMAT_BLKBITS_MASK,
  EROFS_DIRENT_SIZE,
  EROFS_FEATURE_COMPAT_MTIME,
  EROFS_FEATURE_COMPAT_XATTR_FILTER,
  EROFS_FT_DIR,
  EROFS_I_DATALAYOUT_BIT,
  EROFS_I_VERSION_BIT,
  EROFS_INODE_CHUNK_BASED,
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
  EROFS_XATTR_INDEX_LUSTRE,
  EROFS_XATTR_INDEX_POSIX_ACL_ACCESS,
  EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT,
  EROFS_XATTR_INDEX_SECURITY,
  EROFS_XATTR_INDEX_TRUSTED,
  EROFS_XATTR_INDEX_USER,
} from '../erofs/erofs_fs.ts';
import { expectedNameFilter } from '../erofs/xattr.ts';
import { LCFS_EROFS_MAGIC, LCFS_EROFS_VERSION } from './header.ts';
import { encodeMetacopy, OVERLAY_XATTR_ESCAPE_PREFIX, OVERLAY_XATTR_METACOPY, OVERLAY_XATTR_PREFIX, OVERLAY_XATTR_REDIRECT, startsWith } from './overlay.ts';
import { LCFS_DIGEST_SIZE, type DumpEntry } from './dumpfile.ts';
import { objectPath } from './writer-tree.ts';
import { checkEntry, EROFS_BLKSIZ, fileType, isExternal, latin1, writeXattrEntry, WriteError } from './writer.ts';
import { FS_VERITY_MAX_DIGEST_SIZE } from '../verity/descriptor.ts';
import { newOut, put, roundUp, skip, u16, u32, u64, u8, type Out } from './writer-out.ts';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, compareBytes, concatBytes, stringToBytes } from '../model.ts';

/** The composefs_version this layout writes (composefs-rs's COMPOSEFS_VERSION). */
export const COMPOSEFS_VERSION_V2 = 2;
const EROFS_SLOTSIZE = 1 << EROFS_ISLOTBITS;
/** A directory's entries stay inline only up to half a block. */
const DIRENT_TAIL_MAX = EROFS_BLKSIZ / 2;
/** composefs-rs's chunk format for external files: chunkbits = 12 + 31, so one chunk holds any file. */
const V2_CHUNK_FORMAT = EROFS_CHUNK_FORMAT_BLKBITS_MASK;
/** One chunk index holding EROFS_NULL_ADDR: a chunk with no data in the image. */
const NULL_CHUNK_INDEX = Uint8Array.of(EROFS_NULL_ADDR & 0xff, (EROFS_NULL_ADDR >>> 8) & 0xff, (EROFS_NULL_ADDR >>> 16) & 0xff, EROFS_NULL_ADDR >>> 24);

const B = stringToBytes;
const type = (e: DumpEntry) => e.mode & S_IFMT;
const follow = (e: DumpEntry) => e.linkTo ?? e;

/** XATTR_PREFIXES, tried from the highest index down, so the longest known prefix wins. */
const PREFIXES: [number, Uint8Array][] = [
  [EROFS_XATTR_INDEX_SECURITY, B('security.')],
  [EROFS_XATTR_INDEX_LUSTRE, B('lustre.')],
  [EROFS_XATTR_INDEX_TRUSTED, B('trusted.')],
  [EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, B('system.posix_acl_default')],
  [EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, B('system.posix_acl_access')],
  [EROFS_XATTR_INDEX_USER, B('user.')],
];

interface V2Xattr {
  index: number;
  suffix: Uint8Array;
  value: Uint8Array;
  entrySize: number;
  /** (index, suffix, value) as one exact string, for counting uses. */
  key: string;
}

interface V2Dirent {
  name: Uint8Array;
  inode: number;
  fileType: number;
}

interface V2Inode {
  entry: DumpEntry;
  nlink: number;
  layout: number;
  size: bigint;
  /** i_u for everything but directories, whose block address is known only after placement. */
  iu: number;
  /** What follows the xattrs in the inode: a symlink target, inline data or a null chunk index. */
  inline: Uint8Array;
  dirBlocks: V2Dirent[][];
  dirTail: V2Dirent[];
  xattrs: V2Xattr[];
  /** Filter bits over every xattr of the inode, shared ones included. */
  filter: number;
  shared: number[];
  xattrSize: number;
  offset: number;
  blockStart: number;
}

function makeXattr(name: Uint8Array, value: Uint8Array): V2Xattr {
  const [index, prefix] = PREFIXES.find(([, p]) => startsWith(name, p)) ?? [0, new Uint8Array(0)];
  const suffix = name.subarray(prefix.length);
  return { index, suffix, value, entrySize: roundUp(EROFS_XATTR_ENTRY_SIZE + suffix.length + value.length, 4), key: `${index}\0${latin1(suffix)}\0${latin1(value)}` };
}

/** push_inode's xattrs: overlayfs's own first, then the tree's, sorted by name, escaped. */
function inodeXattrs(e: DumpEntry): V2Xattr[] {
  const out: V2Xattr[] = [];
  if (isExternal(e)) {
    out.push(makeXattr(B(OVERLAY_XATTR_METACOPY), e.digest ? encodeMetacopy(e.digest) : new Uint8Array(0)));
    const backing = e.payload && e.payload.length > 0 ? e.payload : e.digest ? B(objectPath(e.digest)) : undefined;
    if (backing) out.push(makeXattr(B(OVERLAY_XATTR_REDIRECT), concatBytes(B('/'), backing)));
  }
  const own = [...e.xattrs].sort((a, b) => compareBytes(a.name, b.name));
  const prefix = B(OVERLAY_XATTR_PREFIX);
  for (const x of own) {
    const name = startsWith(x.name, prefix) ? concatBytes(B(OVERLAY_XATTR_ESCAPE_PREFIX), x.name.subarray(prefix.length)) : x.name;
    out.push(makeXattr(name, x.value));
  }
  return out;
}

/** Layout, size, i_u and inline bytes of a non-directory (Leaf::inode_meta). */
function leafShape(e: DumpEntry): Pick<V2Inode, 'layout' | 'size' | 'iu' | 'inline'> {
  const none = new Uint8Array(0);
  const t = type(e);
  if (t === S_IFLNK) return { layout: EROFS_INODE_FLAT_INLINE, size: BigInt(e.payload!.length), iu: 0, inline: e.payload! };
  if (t === S_IFCHR || t === S_IFBLK) {
    if (e.rdev > 0xffffffffn) throw new WriteError(`device number ${e.rdev} does not fit EROFS's 32 bits`);
    return { layout: EROFS_INODE_FLAT_PLAIN, size: 0n, iu: Number(e.rdev), inline: none };
  }
  if (t !== S_IFREG || e.size === 0n) return { layout: EROFS_INODE_FLAT_PLAIN, size: 0n, iu: 0, inline: none };
  if (e.content) return { layout: EROFS_INODE_FLAT_INLINE, size: e.size, iu: 0, inline: e.content };
  // composefs-rs writes the null chunk index only for files with a digest, leaving the kernel to
  // read the next inode's first bytes as the chunk index of the others. We always write it: such
  // files (a backing path without a digest, or no backing file at all) are the one place where our
  // bytes differ from composefs-rs's, in favour of a sound image.
  return { layout: EROFS_INODE_CHUNK_BASED, size: e.size, iu: V2_CHUNK_FORMAT, inline: NULL_CHUNK_INDEX };
}

function newInode(entry: DumpEntry, nlink: number): V2Inode {
  const isDir = type(entry) === S_IFDIR;
  const shape = isDir ? { layout: EROFS_INODE_FLAT_PLAIN, size: 0n, iu: 0, inline: new Uint8Array(0) } : leafShape(entry);
  const xattrs = inodeXattrs(entry);
  const filter = xattrs.length === 0 ? 0 : expectedNameFilter(xattrs.map((x) => ({ nameIndex: x.index, suffix: x.suffix })));
  return { entry, nlink, ...shape, dirBlocks: [], dirTail: [], xattrs, filter, shared: [], xattrSize: 0, offset: 0, blockStart: 0 };
}

/** How many names each non-directory has in the tree: its link count. */
function countLinks(root: DumpEntry): Map<DumpEntry, number> {
  const links = new Map<DumpEntry, number>();
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const c of dir.children) {
      if (type(follow(c)) === S_IFDIR && !c.linkTo) stack.push(c);
      else links.set(follow(c), (links.get(follow(c)) ?? 0) + 1);
    }
  }
  return links;
}

/** Directory::from_entries: full blocks of dirents, then a tail of at most half a block. */
function splitDirents(n: V2Inode, entries: V2Dirent[]): void {
  entries.sort((a, b) => compareBytes(a.name, b.name));
  let current: V2Dirent[] = [];
  let bytes = 0;
  for (const d of entries) {
    const len = EROFS_DIRENT_SIZE + d.name.length;
    if (bytes + len > EROFS_BLKSIZ) {
      n.dirBlocks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += len;
  }
  if (bytes > DIRENT_TAIL_MAX) {
    n.dirBlocks.push(current);
    current = [];
    bytes = 0;
  }
  n.dirTail = current;
  n.size = BigInt(n.dirBlocks.length * EROFS_BLKSIZ + bytes);
  n.layout = current.length === 0 ? EROFS_INODE_FLAT_PLAIN : EROFS_INODE_FLAT_INLINE;
}

interface OpenDir {
  entry: DumpEntry;
  inode: number;
  next: number;
  dirents: V2Dirent[];
}

/** collect_dir: inodes in depth-first pre-order, each directory's dirents with their targets. */
function collectInodes(root: DumpEntry): V2Inode[] {
  const links = countLinks(root);
  const inodes: V2Inode[] = [];
  const seen = new Map<DumpEntry, number>();
  const openDir = (entry: DumpEntry, parent: number): OpenDir => {
    const inode = inodes.length;
    inodes.push(newInode(entry, 0));
    const dot = (name: string, target: number): V2Dirent => ({ name: B(name), inode: target, fileType: EROFS_FT_DIR });
    return { entry, inode, next: 0, dirents: [dot('.', inode), dot('..', parent < 0 ? inode : parent)] };
  };
  const stack: OpenDir[] = [openDir(root, -1)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.entry.children.length) {
      stack.pop();
      const n = inodes[top.inode]!;
      n.nlink = top.dirents.filter((d) => d.fileType === EROFS_FT_DIR).length;
      splitDirents(n, top.dirents);
      continue;
    }
    const child = top.entry.children[top.next++]!;
    const target = follow(child);
    if (type(target) === S_IFDIR) {
      const sub = openDir(child, top.inode);
      top.dirents.push({ name: child.name, inode: sub.inode, fileType: EROFS_FT_DIR });
      stack.push(sub);
      continue;
    }
    let inode = seen.get(target);
    if (inode === undefined) {
      inode = inodes.length;
      inodes.push(newInode(target, links.get(target) ?? 1));
      seen.set(target, inode);
    }
    top.dirents.push({ name: child.name, inode, fileType: fileType(target) });
  }
  return inodes;
}

/** share_xattrs for format 2: pairs used more than once, ascending, indexed in that order. */
function shareXattrs(inodes: V2Inode[]): V2Xattr[] {
  const uses = new Map<string, { x: V2Xattr; count: number }>();
  for (const n of inodes) {
    for (const x of n.xattrs) {
      const u = uses.get(x.key);
      if (u) u.count++;
      else uses.set(x.key, { x, count: 1 });
    }
  }
  const shared = [...uses.values()]
    .filter((u) => u.count > 1)
    .map((u) => u.x)
    .sort((a, b) => a.index - b.index || compareBytes(a.suffix, b.suffix) || compareBytes(a.value, b.value));
  const indexOf = new Map(shared.map((x, i) => [x.key, i]));
  for (const n of inodes) {
    const local: V2Xattr[] = [];
    for (const x of n.xattrs) {
      const i = indexOf.get(x.key);
      if (i === undefined) local.push(x);
      else n.shared.push(i);
    }
    if (n.shared.length > 0xff) throw new WriteError(`an inode references ${n.shared.length} shared xattrs, more than 255`);
    n.xattrs = local;
    n.xattrSize = n.filter === 0 && local.length === 0 ? 0 : EROFS_XATTR_IBODY_HEADER_SIZE + 4 * n.shared.length + local.reduce((s, x) => s + x.entrySize, 0);
  }
  return shared;
}

const direntBytes = (list: V2Dirent[]) => list.reduce((s, d) => s + EROFS_DIRENT_SIZE + d.name.length, 0);
const inlineLength = (n: V2Inode) => (type(n.entry) === S_IFDIR ? direntBytes(n.dirTail) : n.inline.length);

/**
 * pad_inline_tail_v2: when the last metadata byte and the end of the inline data fall in different
 * blocks, skip to just past the metadata's block end, then to a slot boundary.
 */
function placeForTail(pos: number, n: V2Inode): number {
  if (n.layout !== EROFS_INODE_FLAT_INLINE) return pos;
  const inlineStart = pos + EROFS_INODE_EXTENDED_SIZE + n.xattrSize;
  const endOfMetadata = inlineStart - 1;
  const inlineEnd = inlineStart + Number(n.size % BigInt(EROFS_BLKSIZ));
  if (Math.floor(endOfMetadata / EROFS_BLKSIZ) === Math.floor(inlineEnd / EROFS_BLKSIZ)) return pos;
  return roundUp(pos + EROFS_BLKSIZ - (endOfMetadata % EROFS_BLKSIZ), EROFS_SLOTSIZE);
}

interface Placement {
  inodesEnd: number;
  sharedOffsets: number[];
  end: number;
}

/** The first pass of write_erofs: where every inode, shared xattr and directory block goes. */
function place(inodes: V2Inode[], shared: V2Xattr[]): Placement {
  let pos = EROFS_SUPER_OFFSET + EROFS_SB_SIZE;
  for (const n of inodes) {
    pos = placeForTail(roundUp(pos, EROFS_SLOTSIZE), n);
    n.offset = pos;
    const inlineAt = pos + EROFS_INODE_EXTENDED_SIZE + n.xattrSize;
    const len = inlineLength(n);
    if (len > 0 && Math.floor(inlineAt / EROFS_BLKSIZ) !== Math.floor((inlineAt + len - 1) / EROFS_BLKSIZ)) {
      throw new WriteError(`${len} bytes of inline data cannot stay in one block: format 2 keeps a file's data inline whole`);
    }
    pos = roundUp(inlineAt + len, EROFS_SLOTSIZE);
  }
  const inodesEnd = pos;
  const sharedOffsets = shared.map((x) => {
    const at = pos;
    pos += x.entrySize;
    return at;
  });
  pos = roundUp(pos, EROFS_BLKSIZ);
  for (const n of inodes) {
    n.blockStart = pos;
    pos += n.dirBlocks.length * EROFS_BLKSIZ;
  }
  return { inodesEnd, sharedOffsets, end: pos };
}

const nid = (n: V2Inode) => n.offset / EROFS_SLOTSIZE;

function writeDirents(o: Out, inodes: V2Inode[], list: V2Dirent[]): void {
  let nameoff = list.length * EROFS_DIRENT_SIZE;
  for (const d of list) {
    u64(o, BigInt(nid(inodes[d.inode]!)));
    u16(o, nameoff);
    u8(o, d.fileType);
    u8(o, 0);
    nameoff += d.name.length;
  }
  for (const d of list) put(o, d.name);
}

function directoryIu(n: V2Inode): number {
  const blkaddr = n.blockStart / EROFS_BLKSIZ;
  return n.dirTail.length === 0 || n.dirBlocks.length > 0 ? blkaddr : 0;
}

/** struct erofs_inode_extended, its xattr body and its inline part. */
function writeInode(o: Out, inodes: V2Inode[], n: V2Inode, placement: Placement): void {
  o.pos = n.offset;
  const e = n.entry;
  const isDir = type(e) === S_IFDIR;
  const icount = n.xattrSize === 0 ? 0 : (n.xattrSize - EROFS_XATTR_IBODY_HEADER_SIZE) / 4 + 1;
  u16(o, (n.layout << EROFS_I_DATALAYOUT_BIT) | (1 << EROFS_I_VERSION_BIT));
  u16(o, icount);
  u16(o, e.mode);
  skip(o, 2); // i_nb
  u64(o, n.size);
  u32(o, isDir ? directoryIu(n) : n.iu);
  u32(o, nid(n)); // i_ino
  u32(o, e.uid);
  u32(o, e.gid);
  u64(o, e.mtime.sec);
  u32(o, 0); // format 2 keeps whole seconds only
  u32(o, n.nlink);
  skip(o, 16);
  if (n.xattrSize > 0) {
    u32(o, n.filter);
    u8(o, n.shared.length);
    skip(o, 7);
    for (const i of n.shared) u32(o, placement.sharedOffsets[i]! / 4);
    for (const x of n.xattrs) writeXattrEntry(o, x);
  }
  if (isDir) writeDirents(o, inodes, n.dirTail);
  else put(o, n.inline);
}

function writeHeaderAndSuperblock(o: Out, inodes: V2Inode[], end: number): void {
  u32(o, LCFS_EROFS_MAGIC);
  u32(o, LCFS_EROFS_VERSION);
  u32(o, 0); // flags: format 2 never sets HAS_ACL
  u32(o, COMPOSEFS_VERSION_V2);
  o.pos = EROFS_SUPER_OFFSET;
  u32(o, EROFS_SUPER_MAGIC_V1);
  u32(o, 0); // checksum
  u32(o, EROFS_FEATURE_COMPAT_MTIME | EROFS_FEATURE_COMPAT_XATTR_FILTER);
  u8(o, Math.log2(EROFS_BLKSIZ));
  u8(o, 0); // sb_extslots
  u16(o, nid(inodes[0]!));
  u64(o, BigInt(inodes.length));
  u64(o, 0n); // build_time
  u32(o, 0); // build_time_nsec
  u32(o, end / EROFS_BLKSIZ);
  // meta_blkaddr, xattr_blkaddr and the rest stay 0.
}

function checkTree(root: DumpEntry): void {
  const stack = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    checkEntry(e, [LCFS_DIGEST_SIZE, FS_VERITY_MAX_DIGEST_SIZE]);
    for (const c of e.children) stack.push(c);
  }
}

/** Builds the format 2 image of a dump tree. Throws WriteError on trees it cannot represent. */
export function writeComposefsV2(root: DumpEntry): Uint8Array {
  if (type(root) !== S_IFDIR) throw new WriteError('root must be a directory');
  checkTree(root);
  const inodes = collectInodes(root);
  const shared = shareXattrs(inodes);
  const placement = place(inodes, shared);
  if (nid(inodes[0]!) > 0xffff) throw new WriteError('root inode beyond the 16-bit root_nid');
  const o = newOut(new Uint8Array(placement.end));
  writeHeaderAndSuperblock(o, inodes, placement.end);
  for (const n of inodes) writeInode(o, inodes, n, placement);
  o.pos = placement.inodesEnd;
  for (const x of shared) writeXattrEntry(o, x);
  for (const n of inodes) {
    o.pos = n.blockStart;
    for (const block of n.dirBlocks) {
      writeDirents(o, inodes, block);
      o.pos = roundUp(o.pos, EROFS_BLKSIZ);
    }
  }
  return o.bytes;
}
