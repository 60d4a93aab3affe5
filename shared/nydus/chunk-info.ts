/**
 * struct RafsV5ChunkInfo (80 bytes, layout/v5.rs): one data chunk of a file. RAFS v5 stores these
 * after each regular file's inode; RAFS v6 keeps them in the chunk table the extended superblock
 * points at, keyed by (blob index, chunk index, uncompressed block address).
 */
import type { Cursor } from '../bytes/cursor.ts';
import { BLOB_CHUNK_COMPRESSED, RAFS_CHUNK_INFO_SIZE } from './rafs_fs.ts';

export interface RafsChunkInfo {
  /** Absolute offset of the record in the bootstrap. */
  offset: number;
  /** Digest of the uncompressed chunk (sha256 or blake3, as the superblock/blob says). */
  blockId: Uint8Array;
  blobIndex: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  compressedOffset: number;
  uncompressedOffset: number;
  fileOffset: number;
  /** Index of the chunk within its blob. */
  index: number;
  reserved: number;
}

export const CHUNK_INFO_FIELD = {
  block_id: [0, 32],
  blob_index: [32, 4],
  flags: [36, 4],
  compressed_size: [40, 4],
  uncompressed_size: [44, 4],
  compressed_offset: [48, 8],
  uncompressed_offset: [56, 8],
  file_offset: [64, 8],
  index: [72, 4],
  reserved: [76, 4],
} as const satisfies Record<string, readonly [number, number]>;

export function decodeChunkInfo(c: Cursor): RafsChunkInfo {
  const offset = c.offset;
  return {
    offset,
    blockId: c.take(32, 'RafsV5ChunkInfo.block_id'),
    blobIndex: c.u32('RafsV5ChunkInfo.blob_index'),
    flags: c.u32('RafsV5ChunkInfo.flags'),
    compressedSize: c.u32('RafsV5ChunkInfo.compressed_size'),
    uncompressedSize: c.u32('RafsV5ChunkInfo.uncompressed_size'),
    compressedOffset: c.u64('RafsV5ChunkInfo.compressed_offset'),
    uncompressedOffset: c.u64('RafsV5ChunkInfo.uncompressed_offset'),
    fileOffset: c.u64('RafsV5ChunkInfo.file_offset'),
    index: c.u32('RafsV5ChunkInfo.index'),
    reserved: c.u32('RafsV5ChunkInfo.reserved'),
  };
}

export function decodeChunkInfos(c: Cursor, count: number): RafsChunkInfo[] {
  const out: RafsChunkInfo[] = [];
  for (let i = 0; i < count; i++) out.push(decodeChunkInfo(c));
  return out;
}

export const isCompressed = (ch: RafsChunkInfo): boolean => (ch.flags & BLOB_CHUNK_COMPRESSED) !== 0;

/** The byte range of one field of a chunk record, for findings. */
export const chunkField = (ch: RafsChunkInfo, name: keyof typeof CHUNK_INFO_FIELD): [number, number] => [
  ch.offset + CHUNK_INFO_FIELD[name][0],
  CHUNK_INFO_FIELD[name][1],
];

export { RAFS_CHUNK_INFO_SIZE };
