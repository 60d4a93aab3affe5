/**
 * RafsV5BlobTable: entries of [u32 readahead_offset][u32 readahead_size][blob id], separated by a
 * NUL (none after the last); and RafsV5ExtBlobTable: 64-byte RafsV5ExtBlobEntry records (chunk
 * count, uncompressed and compressed size) by blob index.
 */
import type { Cursor } from '../bytes/cursor.ts';
import { RAFSV5_EXT_BLOB_ENTRY_SIZE } from './rafs_fs.ts';

export interface RafsV5BlobEntry {
  offset: number;
  readaheadOffset: number;
  readaheadSize: number;
  blobId: string;
}

export interface RafsV5ExtBlobEntry {
  offset: number;
  chunkCount: number;
  uncompressedSize: number;
  compressedSize: number;
}

export function decodeRafsV5BlobTable(c: Cursor, size: number): RafsV5BlobEntry[] {
  const end = c.pos + size;
  const out: RafsV5BlobEntry[] = [];
  while (end - c.pos > 8) {
    const offset = c.offset;
    const readaheadOffset = c.u32('RafsV5BlobTable.readahead_offset');
    const readaheadSize = c.u32('RafsV5BlobTable.readahead_size');
    let n = 0;
    while (c.pos + n < end && c.bytes[c.pos + n] !== 0) n++;
    const id = c.take(n, 'RafsV5BlobTable.blob_id');
    if (c.pos < end) c.skip(1, 'RafsV5BlobTable separator');
    out.push({ offset, readaheadOffset, readaheadSize, blobId: String.fromCharCode(...id) });
  }
  return out;
}

export function decodeRafsV5ExtBlobTable(c: Cursor, entries: number): RafsV5ExtBlobEntry[] {
  const out: RafsV5ExtBlobEntry[] = [];
  for (let i = 0; i < entries; i++) {
    const offset = c.offset;
    const chunkCount = c.u32('RafsV5ExtBlobEntry.chunk_count');
    c.skip(4, 'RafsV5ExtBlobEntry.reserved1');
    const uncompressedSize = c.u64('RafsV5ExtBlobEntry.uncompressed_size');
    const compressedSize = c.u64('RafsV5ExtBlobEntry.compressed_size');
    c.skip(RAFSV5_EXT_BLOB_ENTRY_SIZE - 24, 'RafsV5ExtBlobEntry.reserved2');
    out.push({ offset, chunkCount, uncompressedSize, compressedSize });
  }
  return out;
}
