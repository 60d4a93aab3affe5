/**
 * struct RafsV5Inode (128 bytes, layout/v5.rs) and what follows it: the name (i_name_size bytes,
 * padded to 8), the symlink target (i_symlink_size, padded to 8), the xattr table when
 * RafsV5InodeFlags::XATTR is set (RafsV5XAttrsTable: u64 size, then pairs, padded to 8), and for a
 * regular file i_child_count chunk records (RafsV5ChunkInfo).
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { decodeChunkInfos, type RafsChunkInfo } from './chunk-info.ts';
import { RAFS_CHUNK_INFO_SIZE, RAFSV5_INODE_SIZE, RAFSV5_INODE_XATTR, rafsv5Align } from './rafs_fs.ts';

export interface RafsV5XattrPair {
  offset: number;
  name: Uint8Array;
  value: Uint8Array;
}

export interface RafsV5Inode {
  offset: number;
  digest: Uint8Array;
  parent: number;
  ino: number;
  uid: number;
  gid: number;
  projid: number;
  mode: number;
  size: number;
  blocks: number;
  flags: number;
  nlink: number;
  childIndex: number;
  childCount: number;
  nameSize: number;
  symlinkSize: number;
  rdev: number;
  mtimeNsec: number;
  mtime: number;
  name: Uint8Array;
  symlink?: Uint8Array;
  xattrTable?: { offset: number; size: number };
  xattrs: RafsV5XattrPair[];
  /** Regular files only: the chunk records (i_child_count of them). */
  chunks: RafsChunkInfo[];
  /** Bytes from the inode to the end of its chunk records. */
  length: number;
}

export const INODE_FIELD = {
  i_digest: [0, 32], i_parent: [32, 8], i_ino: [40, 8], i_uid: [48, 4], i_gid: [52, 4], i_projid: [56, 4], i_mode: [60, 4],
  i_size: [64, 8], i_blocks: [72, 8], i_flags: [80, 8], i_nlink: [88, 4], i_child_index: [92, 4], i_child_count: [96, 4],
  i_name_size: [100, 2], i_symlink_size: [102, 2], i_rdev: [104, 4], i_mtime_nsec: [108, 4], i_mtime: [112, 8],
} as const satisfies Record<string, readonly [number, number]>;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** RafsV5XAttrsTable: `size` bytes of pairs, each a u32 length then "name\0value". */
export function decodeRafsV5Xattrs(c: Cursor, size: number): RafsV5XattrPair[] {
  const end = c.pos + size;
  const out: RafsV5XattrPair[] = [];
  while (c.pos < end) {
    const offset = c.offset;
    const pairSize = c.u32('RafsV5XAttrsTable.pair_size');
    if (pairSize > end - c.pos) throw new DecodeError(`xattr pair at ${hex(offset)} claims ${pairSize} bytes, past its table's end`, offset, 4, 'nydus.v5.xattr');
    const pair = c.take(pairSize, 'RafsV5XAttrsTable.pair');
    const nul = pair.indexOf(0);
    if (nul <= 0) throw new DecodeError(`xattr pair at ${hex(offset)} has no "name\\0" part`, offset, 4 + pairSize, 'nydus.v5.xattr');
    out.push({ offset, name: pair.subarray(0, nul), value: pair.subarray(nul + 1) });
  }
  return out;
}

/**
 * The inode layout. 'v5' is RafsV5Inode as layout/v5.rs defines it. 'pre-v5' is what early Nydus
 * builders wrote under the same version number (Nydus's own nydusd_daemon_test_bootstrap): no
 * uid, gid, rdev or mtime, i_mode at 52, i_size at 56, i_nlink (u64) at 64, i_blocks at 72,
 * i_flags at 80, child index/count at 88/92, and name and symlink sizes at 96/98 counted with their
 * padding to 8. No source of that layout was found; it is read from the bytes of that bootstrap
 * and only used when the root inode makes sense in it and not in the v5 layout.
 */
export type RafsV5InodeLayout = 'v5' | 'pre-v5';

/** Trailing NUL padding is not part of a pre-v5 name or target (their sizes include it). */
const unpad = (b: Uint8Array): Uint8Array => {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return b.subarray(0, n);
};

function decodeFixedPreV5(c: Cursor, offset: number): RafsV5Inode {
  const digest = c.take(32, 'RafsV5Inode.i_digest');
  const parent = c.u64('RafsV5Inode.i_parent');
  const ino = c.u64('RafsV5Inode.i_ino');
  const projid = c.u32('RafsV5Inode.i_projid');
  const mode = c.u32('RafsV5Inode.i_mode');
  const size = c.u64('RafsV5Inode.i_size');
  const nlink = c.u64('RafsV5Inode.i_nlink');
  const blocks = c.u64('RafsV5Inode.i_blocks');
  const flags = c.u32('RafsV5Inode.i_flags');
  c.u32('RafsV5Inode.i_flags');
  const childIndex = c.u32('RafsV5Inode.i_child_index');
  const childCount = c.u32('RafsV5Inode.i_child_count');
  const nameSize = c.u16('RafsV5Inode.i_name_size');
  const symlinkSize = c.u16('RafsV5Inode.i_symlink_size');
  c.skip(28, 'RafsV5Inode.reserved');
  return {
    offset, digest, parent, ino, uid: 0, gid: 0, projid, mode, size, blocks, flags, nlink, childIndex, childCount, nameSize, symlinkSize,
    rdev: 0, mtimeNsec: 0, mtime: 0, name: new Uint8Array(0), xattrs: [], chunks: [], length: 0,
  };
}

function decodeFixedV5(c: Cursor, offset: number): RafsV5Inode {
  const ino: RafsV5Inode = {
    offset,
    digest: c.take(32, 'RafsV5Inode.i_digest'),
    parent: c.u64('RafsV5Inode.i_parent'),
    ino: c.u64('RafsV5Inode.i_ino'),
    uid: c.u32('RafsV5Inode.i_uid'),
    gid: c.u32('RafsV5Inode.i_gid'),
    projid: c.u32('RafsV5Inode.i_projid'),
    mode: c.u32('RafsV5Inode.i_mode'),
    size: c.u64('RafsV5Inode.i_size'),
    blocks: c.u64('RafsV5Inode.i_blocks'),
    flags: (() => {
      const lo = c.u32('RafsV5Inode.i_flags');
      c.u32('RafsV5Inode.i_flags');
      return lo;
    })(),
    nlink: c.u32('RafsV5Inode.i_nlink'),
    childIndex: c.u32('RafsV5Inode.i_child_index'),
    childCount: c.u32('RafsV5Inode.i_child_count'),
    nameSize: c.u16('RafsV5Inode.i_name_size'),
    symlinkSize: c.u16('RafsV5Inode.i_symlink_size'),
    rdev: c.u32('RafsV5Inode.i_rdev'),
    mtimeNsec: c.u32('RafsV5Inode.i_mtime_nsec'),
    mtime: c.u64('RafsV5Inode.i_mtime'),
    name: new Uint8Array(0),
    xattrs: [],
    chunks: [],
    length: 0,
  };
  c.skip(8, 'RafsV5Inode.i_reserved');
  return ino;
}

/** Decodes the inode at the cursor and everything stored after it. */
export function decodeRafsV5Inode(c: Cursor, layout: RafsV5InodeLayout = 'v5'): RafsV5Inode {
  const offset = c.offset;
  const start = c.pos;
  const ino = layout === 'v5' ? decodeFixedV5(c, offset) : decodeFixedPreV5(c, offset);
  ino.name = c.take(ino.nameSize, 'RafsV5Inode.name');
  if (layout === 'pre-v5') ino.name = unpad(ino.name);
  c.skip(rafsv5Align(ino.nameSize) - ino.nameSize, 'RafsV5Inode.name padding');
  if (ino.symlinkSize) {
    ino.symlink = c.take(ino.symlinkSize, 'RafsV5Inode.symlink');
    if (layout === 'pre-v5') ino.symlink = unpad(ino.symlink);
    c.skip(rafsv5Align(ino.symlinkSize) - ino.symlinkSize, 'RafsV5Inode.symlink padding');
  }
  if (ino.flags & RAFSV5_INODE_XATTR) {
    const tableOffset = c.offset;
    const size = c.u64('RafsV5XAttrsTable.size');
    if (size > c.remaining) throw new DecodeError(`xattr table at ${hex(tableOffset)} claims ${size} bytes, past the bootstrap's end`, tableOffset, 8, 'nydus.v5.xattr');
    ino.xattrTable = { offset: tableOffset, size };
    ino.xattrs = decodeRafsV5Xattrs(c.slice(c.pos, size, 'RafsV5XAttrsTable'), size);
    c.skip(rafsv5Align(size), 'RafsV5XAttrsTable pairs');
  }
  if ((ino.mode & S_IFMT) === S_IFREG && ino.childCount) {
    if (ino.childCount * RAFS_CHUNK_INFO_SIZE > c.remaining) {
      throw new DecodeError(`inode ${ino.ino} at ${hex(offset)}: ${ino.childCount} chunk records run past the bootstrap's end`, offset + INODE_FIELD.i_child_count[0], 4, 'nydus.v5.inode');
    }
    ino.chunks = decodeChunkInfos(c, ino.childCount);
  }
  ino.length = c.pos - start;
  return ino;
}

export { RAFSV5_INODE_SIZE };
