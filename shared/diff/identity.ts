/**
 * Keys and identity hashes of added and removed entries, for finding rename candidates: 53-bit
 * hashes of what a rename keeps (metadata and content, as the ignore options see them), computed
 * from numbers and bytes without building strings, since in a diff of two unrelated trees every
 * entry is one-sided. The inode key needs no decoding; a directory's key also covers its entries'
 * names and keys (childHash). Hashes only propose pairs; renames.ts decides each one exactly.
 */
import { kindOfMode, S_IFBLK, S_IFCHR, S_IFMT, type ImageNode, type Xattr } from '../model.ts';
import type { RawInode } from '../erofs/inode.ts';
import { dataInImage, viewDigest, viewKind, type ContentView, type Side } from './compare.ts';
import type { Ignore } from './options.ts';
import { displayBytes } from './text.ts';

const TWO_32 = 0x100000000;
const TWO_53 = 2 ** 53;

/** Two 32-bit multiply-xorshift lanes (the cyrb53 construction), finished to 53 bits. */
interface Lanes {
  h1: number;
  h2: number;
}

const lanes = (seed: number): Lanes => ({ h1: 0xdeadbeef ^ seed, h2: 0x41c6ce57 ^ seed });

function word(s: Lanes, x: number): void {
  s.h1 = Math.imul(s.h1 ^ x, 2654435761);
  s.h2 = Math.imul(s.h2 ^ x, 1597334677);
}

/** A non-negative integer below 2^53 (sizes, mtimes after offsetting, earlier hashes). */
function num(s: Lanes, n: number): void {
  word(s, n >>> 0);
  word(s, Math.floor(n / TWO_32));
}

function bytes(s: Lanes, b: Uint8Array | undefined): void {
  if (b === undefined) return word(s, 0xffffffff);
  word(s, b.length);
  for (let i = 0; i < b.length; i++) word(s, b[i]!);
}

function finish(s: Lanes): number {
  let h1 = Math.imul(s.h1 ^ (s.h1 >>> 16), 2246822507) ^ Math.imul(s.h2 ^ (s.h2 >>> 13), 3266489909);
  const h2 = Math.imul(s.h2 ^ (s.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 = h1 >>> 0;
  return (h2 & 0x1fffff) * TWO_32 + h1;
}

/** Hashes of xattrs, remembered per object: the reader hands out one object per shared xattr. */
export type XattrHashes = WeakMap<Xattr, number>;

function xattrHash(x: Xattr, memo: XattrHashes): number {
  let h = memo.get(x);
  if (h === undefined) {
    const s = lanes(1);
    bytes(s, x.name);
    bytes(s, x.value);
    memo.set(x, (h = finish(s)));
  }
  return h;
}

/**
 * Hash of everything a rename keeps except in-image data bytes and, for a directory, its entries
 * (see childHash). Xattrs are combined by addition, so their stored order does not matter.
 */
export function identityHash(side: Side, ignore: Ignore, memo: XattrHashes): number {
  const n = side.node;
  const v = side.view;
  const s = lanes(0);
  word(s, v.mode);
  num(s, v.rdev >>> 0);
  word(s, (v.whiteout ? 1 : 0) | (v.opaque ? 2 : 0));
  if (!ignore.ownership) {
    num(s, n.uid);
    num(s, n.gid);
  }
  if (!ignore.mtime) {
    num(s, Math.abs(n.mtime.sec));
    word(s, n.mtime.sec < 0 ? 1 : 0);
    word(s, n.mtime.nsec);
  }
  if (viewKind(v) !== 'dir') {
    num(s, v.size);
    num(s, n.nlink);
  }
  bytes(s, n.target);
  bytes(s, viewDigest(v));
  bytes(s, v.payload);
  let sum = 0;
  let count = 0;
  for (const x of v.xattrs) {
    if (ignore.xattr?.test(displayBytes(x.name))) continue;
    sum = (sum + xattrHash(x, memo)) % TWO_53;
    count++;
  }
  num(s, sum);
  word(s, count);
  return finish(s);
}

/**
 * The inode-level part of what compareMeta compares, as a key: the composefs view's mode, rdev
 * and size, the owner and mtime (unless ignored) and the link count; a directory's size and link
 * count follow from its entries and are left out, as a rename comparison leaves them out. Two
 * entries that compare equal always have equal keys, so an entry whose key the other image lacks
 * cannot be half of a rename. Arguments rather than an object: it runs for every one-sided entry.
 */
export function inodeKey(
  ignore: Ignore, mode: number, rdev: number, size: number, nlink: number, uid: number, gid: number, mtimeSec: number, mtimeNsec: number,
): number {
  const s = lanes(4);
  word(s, mode);
  num(s, rdev >>> 0);
  if (!ignore.ownership) {
    num(s, uid);
    num(s, gid);
  }
  if (!ignore.mtime) {
    num(s, Math.abs(mtimeSec));
    word(s, mtimeSec < 0 ? 1 : 0);
    word(s, mtimeNsec);
  }
  if (kindOfMode(mode) !== 'dir') {
    num(s, size);
    num(s, nlink);
  }
  return finish(s);
}

/** inodeKey of a decoded node. */
export const nodeKey = (ignore: Ignore, node: ImageNode, view: ContentView): number =>
  inodeKey(ignore, view.mode, view.rdev, view.size, node.nlink, node.uid, node.gid, node.mtime.sec, node.mtime.nsec);

/**
 * inodeKey of a non-directory from its raw inode and the file type of its composefs view (see
 * erofs-shortcut facts): the same key nodeKey gives once the node is decoded.
 */
export function rawKey(ignore: Ignore, ino: RawInode, viewType: number): number {
  // As composefsView reads it: an escaped whiteout is a char device 0:0 of size 0.
  const escaped = viewType !== (ino.mode & S_IFMT);
  const rdev = escaped || (viewType !== S_IFCHR && viewType !== S_IFBLK) ? 0 : ino.iu;
  return inodeKey(ignore, (ino.mode & ~S_IFMT) | viewType, rdev, escaped ? 0 : ino.size, ino.nlink, ino.uid, ino.gid, ino.mtimeSec, ino.mtimeNsec);
}

/** Folds one directory entry (its name and its key) into a running hash of a directory's entries. */
export function childHash(acc: number, name: Uint8Array, child: number): number {
  const s = lanes(2);
  num(s, acc);
  bytes(s, name);
  num(s, child);
  return finish(s);
}

/** Does this non-directory carry content that identifies it (rather than only metadata)? */
export function hasContent(side: Side): boolean {
  return Boolean(viewDigest(side.view) || side.view.payload || side.node.target?.length || dataInImage(side));
}

/** In-image data up to this size is hashed too, so small files with equal metadata do not all collide. */
export const HASHED_DATA_LIMIT = 4096;

/** Folds a file's in-image bytes into its identity hash. */
export function dataHash(hash: number, data: Uint8Array): number {
  const s = lanes(3);
  num(s, hash);
  bytes(s, data);
  return finish(s);
}
