/**
 * struct RafsV6SuperBlockExt (256 bytes at 1024 + 128, layout/v6.rs): what RAFS v6 adds to the
 * EROFS superblock: flags (compression, digest, ...), chunk size, and where the blob table, the
 * chunk table and the prefetch table lie in the bootstrap.
 */
import type { Cursor } from '../bytes/cursor.ts';

export interface RafsV6SuperBlockExt {
  offset: number;
  flags: number;
  blobTableOffset: number;
  blobTableSize: number;
  chunkSize: number;
  chunkTableOffset: number;
  chunkTableSize: number;
  prefetchTableOffset: number;
  prefetchTableSize: number;
  padding: number;
  fieldRanges: Record<string, [number, number]>;
}

export function decodeRafsV6SuperBlockExt(c: Cursor): RafsV6SuperBlockExt {
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const offset = c.offset;
  const ext: RafsV6SuperBlockExt = {
    offset,
    // s_flags is a u64 whose defined bits all sit in the low word.
    flags: field('s_flags', 8, () => {
      const lo = c.u32('RafsV6SuperBlockExt.s_flags');
      c.u32('RafsV6SuperBlockExt.s_flags');
      return lo;
    }),
    blobTableOffset: field('s_blob_table_offset', 8, () => c.u64('RafsV6SuperBlockExt.s_blob_table_offset')),
    blobTableSize: field('s_blob_table_size', 4, () => c.u32('RafsV6SuperBlockExt.s_blob_table_size')),
    chunkSize: field('s_chunk_size', 4, () => c.u32('RafsV6SuperBlockExt.s_chunk_size')),
    chunkTableOffset: field('s_chunk_table_offset', 8, () => c.u64('RafsV6SuperBlockExt.s_chunk_table_offset')),
    chunkTableSize: field('s_chunk_table_size', 8, () => c.u64('RafsV6SuperBlockExt.s_chunk_table_size')),
    prefetchTableOffset: field('s_prefetch_table_offset', 8, () => c.u64('RafsV6SuperBlockExt.s_prefetch_table_offset')),
    prefetchTableSize: field('s_prefetch_table_size', 4, () => c.u32('RafsV6SuperBlockExt.s_prefetch_table_size')),
    padding: field('s_padding', 4, () => c.u32('RafsV6SuperBlockExt.s_padding')),
    fieldRanges: ranges,
  };
  field('s_reserved', 200, () => c.skip(200, 'RafsV6SuperBlockExt.s_reserved'));
  return ext;
}
