/**
 * struct RafsV6InodeChunkAddr (8 bytes, layout/v6.rs): Nydus's reading of EROFS's
 * erofs_inode_chunk_index. The low byte of c_blob_addr_hi is the blob index + 1 (the EROFS device
 * id), its high byte and c_blob_addr_lo the 24-bit chunk index in the blob's compression context,
 * c_blk_addr the chunk's uncompressed offset in the blob, in blocks.
 */
import type { Cursor } from '../bytes/cursor.ts';

export const RAFSV6_CHUNK_ADDR_SIZE = 8;

export interface RafsV6InodeChunkAddr {
  /** Absolute offset of the 8-byte record. */
  offset: number;
  /** Blob table index (device id - 1); -1 for the invalid device id 0. */
  blobIndex: number;
  /** Index into the blob's chunk info array (blob_ci_index). */
  blobCiIndex: number;
  blockAddr: number;
}

export function decodeRafsV6InodeChunkAddr(c: Cursor): RafsV6InodeChunkAddr {
  const offset = c.offset;
  const lo = c.u16('RafsV6InodeChunkAddr.c_blob_addr_lo');
  const hi = c.u16('RafsV6InodeChunkAddr.c_blob_addr_hi');
  const blockAddr = c.u32('RafsV6InodeChunkAddr.c_blk_addr');
  const idx = hi & 0xff;
  return { offset, blobIndex: idx === 0 ? -1 : idx - 1, blobCiIndex: (hi >> 8) * 0x10000 + lo, blockAddr };
}

/** The key nydusd's chunk map uses to find a chunk table entry for an inode's chunk address. */
export const chunkKey = (blobIndex: number, ciIndex: number, blockAddr: number): string => `${blobIndex}:${ciIndex}:${blockAddr}`;
