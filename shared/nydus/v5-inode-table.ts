/**
 * RafsV5InodeTable: u32 per child index, the inode's offset in the bootstrap >> 3. Child index N
 * (1-based, like inode numbers) is entry N-1.
 */
import { DecodeError, hex, le32 } from '../bytes/cursor.ts';
import { RAFSV5_SUPERBLOCK_SIZE } from './rafs_fs.ts';

export interface RafsV5InodeTable {
  offset: number;
  entries: number;
  /** The bootstrap bytes holding the table. */
  bytes: Uint8Array;
}

/** Offset of the inode for child index `index`, checked as RafsV5InodeTable::get does. */
export function inodeOffset(t: RafsV5InodeTable, index: number, bootstrapSize: number): number {
  if (!Number.isInteger(index) || index < 1 || index > t.entries) {
    throw new DecodeError(`inode ${index} is not in the inode table (${t.entries} entries)`, t.offset, t.entries * 4, 'nydus.v5.inode-table.offset');
  }
  const at = t.offset + (index - 1) * 4;
  const v = le32(t.bytes, (index - 1) * 4);
  const off = v * 8;
  if (v <= RAFSV5_SUPERBLOCK_SIZE >> 3 || off >= bootstrapSize) {
    throw new DecodeError(`inode table entry ${index} at ${hex(at)} points to ${hex(off)}, outside the bootstrap's inode area`, at, 4, 'nydus.v5.inode-table.offset');
  }
  return off;
}
