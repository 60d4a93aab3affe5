/**
 * struct RafsV5SuperBlock (8192 bytes at 0, layout/v5.rs): magic "RAFS" (the bytes "SFAR"),
 * version, chunk ("block") size, flags, and where the inode table, the prefetch table, the blob
 * table and the extended blob table lie.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { RAFSV5_SUPER_MAGIC } from './rafs_fs.ts';

export interface RafsV5SuperBlock {
  magic: number;
  fsVersion: number;
  sbSize: number;
  blockSize: number;
  flags: number;
  flagsHigh: number;
  inodesCount: number;
  inodeTableOffset: number;
  prefetchTableOffset: number;
  blobTableOffset: number;
  inodeTableEntries: number;
  prefetchTableEntries: number;
  blobTableSize: number;
  extendedBlobTableEntries: number;
  extendedBlobTableOffset: number;
  fieldRanges: Record<string, [number, number]>;
}

export function decodeRafsV5SuperBlock(c: Cursor): RafsV5SuperBlock {
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const magic = field('s_magic', 4, () => c.u32('RafsV5SuperBlock.s_magic'));
  if (magic !== RAFSV5_SUPER_MAGIC) {
    throw new DecodeError(`not a RAFS v5 bootstrap: magic ${hex(magic)}, expected ${hex(RAFSV5_SUPER_MAGIC)} ("SFAR")`, 0, 4, 'nydus.v5.superblock.version');
  }
  return {
    magic,
    fsVersion: field('s_fs_version', 4, () => c.u32('RafsV5SuperBlock.s_fs_version')),
    sbSize: field('s_sb_size', 4, () => c.u32('RafsV5SuperBlock.s_sb_size')),
    blockSize: field('s_block_size', 4, () => c.u32('RafsV5SuperBlock.s_block_size')),
    flags: field('s_flags', 8, () => c.u32('RafsV5SuperBlock.s_flags')),
    flagsHigh: c.u32('RafsV5SuperBlock.s_flags'),
    inodesCount: field('s_inodes_count', 8, () => c.u64('RafsV5SuperBlock.s_inodes_count')),
    inodeTableOffset: field('s_inode_table_offset', 8, () => c.u64('RafsV5SuperBlock.s_inode_table_offset')),
    prefetchTableOffset: field('s_prefetch_table_offset', 8, () => c.u64('RafsV5SuperBlock.s_prefetch_table_offset')),
    blobTableOffset: field('s_blob_table_offset', 8, () => c.u64('RafsV5SuperBlock.s_blob_table_offset')),
    inodeTableEntries: field('s_inode_table_entries', 4, () => c.u32('RafsV5SuperBlock.s_inode_table_entries')),
    prefetchTableEntries: field('s_prefetch_table_entries', 4, () => c.u32('RafsV5SuperBlock.s_prefetch_table_entries')),
    blobTableSize: field('s_blob_table_size', 4, () => c.u32('RafsV5SuperBlock.s_blob_table_size')),
    extendedBlobTableEntries: field('s_extended_blob_table_entries', 4, () => c.u32('RafsV5SuperBlock.s_extended_blob_table_entries')),
    extendedBlobTableOffset: field('s_extended_blob_table_offset', 8, () => c.u64('RafsV5SuperBlock.s_extended_blob_table_offset')),
    fieldRanges: ranges,
  };
}
