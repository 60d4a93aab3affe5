/** struct erofs_inode_compact (32 bytes) and struct erofs_inode_extended (64 bytes). */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  DATALAYOUT_NAMES,
  EROFS_I_ALL_BITS,
  EROFS_I_DATALAYOUT_BIT,
  EROFS_I_DATALAYOUT_BITS,
  EROFS_INODE_COMPACT_SIZE,
  EROFS_INODE_DATALAYOUT_MAX,
  EROFS_INODE_EXTENDED_SIZE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_I_NLINK_1_BIT,
  EROFS_XATTR_IBODY_HEADER_SIZE,
} from './erofs_fs.ts';
import type { Superblock } from './superblock.ts';

export interface RawInode {
  nid: number;
  /** Absolute offset of the inode in the image. */
  offset: number;
  extended: boolean;
  format: number;
  datalayout: number;
  xattrIcount: number;
  mode: number;
  nlink: number;
  size: number;
  /** The 4-byte union: raw_blkaddr / rdev / compressed_blocks / chunk_info. */
  iu: number;
  /**
   * Starting block of flat data: startblk_lo (i_u) with, in the 48-bit layout, startblk_hi from
   * i_nb; null for a FLAT_PLAIN inode whose address is EROFS_NULL_ADDR (all holes).
   */
  startBlk: number | null;
  ino: number;
  uid: number;
  gid: number;
  mtimeSec: number;
  mtimeNsec: number;
  /** 32 or 64. */
  inodeSize: number;
  /** Size of the inline xattr area that follows the inode. */
  xattrSize: number;
}

export const xattrIbodySize = (icount: number): number =>
  icount === 0 ? 0 : EROFS_XATTR_IBODY_HEADER_SIZE + (icount - 1) * 4;

export const inodeOffset = (sb: Superblock, nid: number): number => sb.metaBlkaddr * 2 ** sb.blkszbits + nid * 32;

export const datalayoutName = (layout: number): string => DATALAYOUT_NAMES[layout] ?? `UNKNOWN(${layout})`;

/**
 * Decodes an inode. The cursor must hold at least 64 bytes from the inode's start when the inode
 * may be extended (or end of image, which then fails with the range named).
 */
export function decodeInode(c: Cursor, nid: number, sb: Superblock): RawInode {
  const offset = c.offset;
  const format = c.u16('inode.i_format');
  if (format >> EROFS_I_ALL_BITS) {
    throw new DecodeError(
      `inode ${nid} at ${hex(offset)}: i_format ${hex(format)} has unknown bits set`,
      offset,
      2,
      'erofs.inode.format',
    );
  }
  const extended = (format & 1) === 1;
  // Bit 4: non-directory compact inodes have nlink 1 and i_nb holds startblk_hi (48-bit layout);
  // directories omit their "." dirent.
  const nlink1 = (format >> EROFS_I_NLINK_1_BIT) & 1;
  const datalayout = (format >> EROFS_I_DATALAYOUT_BIT) & ((1 << EROFS_I_DATALAYOUT_BITS) - 1);
  if (datalayout >= EROFS_INODE_DATALAYOUT_MAX) {
    throw new DecodeError(
      `inode ${nid} at ${hex(offset)}: unknown data layout ${datalayout}`,
      offset,
      2,
      'erofs.inode.layout',
    );
  }
  const xattrIcount = c.u16('inode.i_xattr_icount');
  const mode = c.u16('inode.i_mode');
  if (!extended) {
    const nb = c.u16('inode.i_nb');
    const size = c.u32('inode.i_size');
    const mtimeRel = c.u32('inode.i_mtime');
    const iu = c.u32('inode.i_u');
    const isDir = (mode & 0o170000) === 0o040000;
    const wide = nlink1 === 1 && !isDir;
    const nlink = wide ? 1 : nb;
    const ino = c.u32('inode.i_ino');
    const uid = c.u16('inode.i_uid');
    const gid = c.u16('inode.i_gid');
    c.skip(4, 'inode.i_reserved');
    return {
      nid, offset, extended, format, datalayout, xattrIcount, mode, nlink, size, iu, ino, uid, gid,
      startBlk: startBlock(datalayout, iu, wide ? nb : 0, wide),
      // Compact inodes carry mtime relative to the superblock's build time (0 in older images).
      mtimeSec: sb.buildTime + mtimeRel,
      mtimeNsec: sb.buildTimeNsec,
      inodeSize: EROFS_INODE_COMPACT_SIZE,
      xattrSize: xattrIbodySize(xattrIcount),
    };
  }
  const startHi = c.u16('inode.i_nb');
  const size = c.u64('inode.i_size');
  if (size > Number.MAX_SAFE_INTEGER) {
    throw new DecodeError(`inode ${nid}: i_size beyond 2^53 is not supported`, offset + 8, 8, 'erofs.inode.size');
  }
  const iu = c.u32('inode.i_u');
  const ino = c.u32('inode.i_ino');
  const uid = c.u32('inode.i_uid');
  const gid = c.u32('inode.i_gid');
  const mtimeSec = c.i64('inode.i_mtime');
  const mtimeNsec = c.u32('inode.i_mtime_nsec');
  const nlink = c.u32('inode.i_nlink');
  c.skip(16, 'inode.i_reserved2');
  return {
    nid, offset, extended, format, datalayout, xattrIcount, mode, nlink, size, iu, ino, uid, gid,
    startBlk: startBlock(datalayout, iu, startHi, true),
    mtimeSec, mtimeNsec,
    inodeSize: EROFS_INODE_EXTENDED_SIZE,
    xattrSize: xattrIbodySize(xattrIcount),
  };
}

/** 32- or 48-bit start block; an all-ones FLAT_PLAIN address means the whole file is a hole. */
function startBlock(datalayout: number, lo: number, hi: number, wide: boolean): number | null {
  if (datalayout === EROFS_INODE_FLAT_PLAIN && lo === 0xffffffff && (!wide || hi === 0xffff)) return null;
  return hi * 2 ** 32 + lo;
}

/** Decodes a dev_t as the kernel's new_decode_dev does (32-bit encoding). */
export function decodeDev(dev: number): { major: number; minor: number } {
  return { major: (dev & 0xfff00) >>> 8, minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}
