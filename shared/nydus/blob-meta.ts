/**
 * storage/src/meta: what a data blob says about itself. The compression context header
 * (BlobCompressionContextHeader, 4096 bytes, magic 0xb10bb10b at both ends) and the chunk
 * compression info array it locates (BlobChunkInfoV1Ondisk, 16 bytes; BlobChunkInfoV2Ondisk,
 * 24 bytes): compressed and uncompressed offset and size of every chunk in the blob.
 */
import type { Cursor } from '../bytes/cursor.ts';

export const BLOB_CCT_MAGIC = 0xb10bb10b;
export const BLOB_CCT_HEADER_SIZE = 0x1000;
export const BLOB_CHUNK_INFO_V1_SIZE = 16;
export const BLOB_CHUNK_INFO_V2_SIZE = 24;

export interface BlobCompressionContextHeader {
  offset: number;
  magic: number;
  features: number;
  ciCompressor: number;
  ciEntries: number;
  ciOffset: number;
  ciCompressedSize: number;
  ciUncompressedSize: number;
  ciZranOffset: number;
  ciZranSize: number;
  ciZranCount: number;
  magic2: number;
}

export function decodeBlobCompressionContextHeader(c: Cursor): BlobCompressionContextHeader {
  const offset = c.offset;
  const h = {
    offset,
    magic: c.u32('BlobCompressionContextHeader.s_magic'),
    features: c.u32('BlobCompressionContextHeader.s_features'),
    ciCompressor: c.u32('BlobCompressionContextHeader.s_ci_compressor'),
    ciEntries: c.u32('BlobCompressionContextHeader.s_ci_entries'),
    ciOffset: c.u64('BlobCompressionContextHeader.s_ci_offset'),
    ciCompressedSize: c.u64('BlobCompressionContextHeader.s_ci_compressed_size'),
    ciUncompressedSize: c.u64('BlobCompressionContextHeader.s_ci_uncompressed_size'),
    ciZranOffset: c.u64('BlobCompressionContextHeader.s_ci_zran_offset'),
    ciZranSize: c.u64('BlobCompressionContextHeader.s_ci_zran_size'),
    ciZranCount: c.u32('BlobCompressionContextHeader.s_ci_zran_count'),
    magic2: 0,
  };
  c.skip(BLOB_CCT_HEADER_SIZE - 64, 'BlobCompressionContextHeader.s_reserved');
  h.magic2 = c.u32('BlobCompressionContextHeader.s_magic2');
  return h;
}

/** One chunk as the blob's own compression info array describes it. */
export interface BlobChunkInfoOndisk {
  offset: number;
  compressedOffset: number;
  compressedSize: number;
  uncompressedOffset: number;
  uncompressedSize: number;
  /** V1: compressed and uncompressed sizes differ; V2: the COMPRESSED flag. */
  compressed: boolean;
}

const BIT32 = 0x100000000;
const lowBits = (v: number, bits: number): number => v % 2 ** bits;

/**
 * BlobChunkInfoV1Ondisk. uncomp_info: 20 bits size-1 (low) at 44, 4 bits size-1 (high) at 8..11,
 * offset bits 12..43. comp_info: 20 bits size-1 (low) at 44, 4 bits size-1 (high) at 40..43,
 * offset bits 0..39. Computed on hi/lo words so no 64-bit value is needed.
 */
export function decodeBlobChunkInfoV1(c: Cursor): BlobChunkInfoOndisk {
  const offset = c.offset;
  const uLo = c.u32('BlobChunkInfoV1Ondisk.uncomp_info');
  const uHi = c.u32('BlobChunkInfoV1Ondisk.uncomp_info');
  const cLo = c.u32('BlobChunkInfoV1Ondisk.comp_info');
  const cHi = c.u32('BlobChunkInfoV1Ondisk.comp_info');
  const uncompressedOffset = lowBits(uHi, 12) * BIT32 + (uLo - lowBits(uLo, 12));
  const uncompressedSize = ((((uLo >>> 8) & 0xf) << 20) | (uHi >>> 12)) + 1;
  const compressedOffset = lowBits(cHi, 8) * BIT32 + cLo;
  const compressedSize = ((((cHi >>> 8) & 0xf) << 20) | (cHi >>> 12)) + 1;
  return { offset, compressedOffset, compressedSize, uncompressedOffset, uncompressedSize, compressed: compressedSize !== uncompressedSize };
}

/**
 * BlobChunkInfoV2Ondisk: uncomp_info = offset >> 12 (bits 0..31), size-1 (24 bits at 32), flags
 * (8 bits at 56: compressed, zran, batch, encrypted); comp_info = offset (40 bits), size (24 bits at
 * 40, stored as is); then a u64 of zran/batch data.
 */
export function decodeBlobChunkInfoV2(c: Cursor): BlobChunkInfoOndisk {
  const offset = c.offset;
  const uLo = c.u32('BlobChunkInfoV2Ondisk.uncomp_info');
  const uHi = c.u32('BlobChunkInfoV2Ondisk.uncomp_info');
  const cLo = c.u32('BlobChunkInfoV2Ondisk.comp_info');
  const cHi = c.u32('BlobChunkInfoV2Ondisk.comp_info');
  c.skip(8, 'BlobChunkInfoV2Ondisk.data');
  return {
    offset,
    uncompressedOffset: uLo * 4096,
    uncompressedSize: lowBits(uHi, 24) + 1,
    compressedOffset: lowBits(cHi, 8) * BIT32 + cLo,
    compressedSize: cHi >>> 8,
    compressed: ((uHi >>> 24) & 1) !== 0,
  };
}
