/**
 * struct cfs_inode_data: the fixed 96-byte inode record. The inode table follows the superblock
 * directly; inode numbers are indexes into it and inode 0 is the root (CFS_ROOT_INO).
 */
import { Cursor } from '../bytes/cursor.ts';
import type { Timestamp } from '../model.ts';
import { readVdataRef, type VdataRef } from './vdata.ts';

export const CFS_INODE_SIZE = 96;
export const CFS_ROOT_INO = 0;

/** Byte offset of each field inside the record, named as in cfs.h. */
export const CFS_INODE_FIELD = {
  st_mode: 0,
  st_nlink: 4,
  st_uid: 8,
  st_gid: 12,
  st_rdev: 16,
  st_size: 20,
  st_mtim_sec: 28,
  st_mtim_nsec: 36,
  st_ctim_sec: 40,
  st_ctim_nsec: 48,
  variable_data: 52,
  xattrs: 64,
  digest: 76,
  unused: 88,
} as const;

export interface LegacyInode {
  /** Index in the inode table (the on-disk inode number). */
  index: number;
  /** Absolute offset of the record. */
  offset: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  /** st_size exactly (u64); `size` is the same as a JS number. */
  sizeBig: bigint;
  size: number;
  mtime: Timestamp;
  ctime: Timestamp;
  /** Dirents for directories, backing path for regular files, target for symlinks. */
  variableData: VdataRef;
  xattrs: VdataRef;
  /** Expected fs-verity digest of the backing file. */
  digest: VdataRef;
}

/** Absolute offset of inode `index`, given where the inode table starts. */
export const inodeOffset = (tableOffset: number, index: number): number => tableOffset + index * CFS_INODE_SIZE;

/** Decodes one record from exactly CFS_INODE_SIZE bytes located at absolute offset `offset`. */
export function decodeInode(bytes: Uint8Array, offset: number, index: number): LegacyInode {
  const c = new Cursor(bytes, offset);
  const mode = c.u32('st_mode');
  const nlink = c.u32('st_nlink');
  const uid = c.u32('st_uid');
  const gid = c.u32('st_gid');
  const rdev = c.u32('st_rdev');
  const sizeBig = c.u64big('st_size');
  const mtimeSec = c.i64('st_mtim_sec');
  const mtimeNsec = c.u32('st_mtim_nsec');
  const ctimeSec = c.i64('st_ctim_sec');
  const ctimeNsec = c.u32('st_ctim_nsec');
  const variableData = readVdataRef(c, 'variable_data');
  const xattrs = readVdataRef(c, 'xattrs');
  const digest = readVdataRef(c, 'digest');
  c.skip(8, 'unused');
  return {
    index,
    offset,
    mode,
    nlink,
    uid,
    gid,
    rdev,
    sizeBig,
    size: Number(sizeBig),
    mtime: { sec: mtimeSec, nsec: mtimeNsec },
    ctime: { sec: ctimeSec, nsec: ctimeNsec },
    variableData,
    xattrs,
    digest,
  };
}
