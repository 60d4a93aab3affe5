/**
 * One chunk's bytes: read from its blob at the compressed offset, decompressed with the blob's
 * algorithm (zstd with fzstd, lz4_block with our LZ4 decoder, gzip with the OCI reader's inflater)
 * and checked against the chunk digest (sha256 or blake3). Errors are DecodeErrors about the chunk
 * record in the bootstrap, the place a user can point at; the message names the blob range.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decompress as zstdDecompress } from 'fzstd';
import { DecodeError, hex } from '../bytes/cursor.ts';
import { memorySource, type ByteSource } from '../bytes/source.ts';
import { lz4DecompressBlock } from '../erofs/lz4.ts';
import { bytesEqual } from '../model.ts';
import { decompressChunks } from '../oci/decompress.ts';
import { RAFS_CHUNK_INFO_SIZE, RAFS_MAX_CHUNK_SIZE, type CompressAlgorithm, type DigestAlgorithm } from './rafs_fs.ts';

/** A chunk as the readers use it, whichever record described it. */
export interface ChunkRef {
  blobIndex: number;
  compressedOffset: number;
  compressedSize: number;
  uncompressedOffset: number;
  uncompressedSize: number;
  compressed: boolean;
  /** Encrypted chunks cannot be read without the key (BlobChunkFlags::ENCYPTED). */
  encrypted?: boolean;
  /** Expected digest of the uncompressed bytes, when the bootstrap records one. */
  digest?: Uint8Array;
  /** The record describing the chunk, in the bootstrap (for findings). */
  record: { offset: number; length: number };
}

export const chunkRecord = (offset: number): { offset: number; length: number } => ({ offset, length: RAFS_CHUNK_INFO_SIZE });

const fail = (ch: ChunkRef, code: string, why: string): never => {
  throw new DecodeError(
    `chunk at blob ${ch.blobIndex} ${hex(ch.compressedOffset)}+${ch.compressedSize} (uncompressed ${hex(ch.uncompressedOffset)}+${ch.uncompressedSize}): ${why}`,
    ch.record.offset,
    ch.record.length,
    code,
  );
};

async function gunzipCapped(src: Uint8Array, cap: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const part of decompressChunks(memorySource(src), 'gzip')) {
    n += part.length;
    if (n > cap) break;
    parts.push(part);
  }
  const out = new Uint8Array(Math.min(n, cap + 1));
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, out.length - at), at);
    at += p.length;
  }
  return out;
}

async function inflate(ch: ChunkRef, src: Uint8Array, algorithm: CompressAlgorithm): Promise<Uint8Array> {
  switch (algorithm) {
    case 'zstd': {
      // The output buffer is the size the record promises: a stream decoding to more fails.
      const out = zstdDecompress(src, new Uint8Array(ch.uncompressedSize));
      return out;
    }
    case 'lz4_block': {
      const out = new Uint8Array(ch.uncompressedSize);
      const n = lz4DecompressBlock(src, out, ch.compressedOffset);
      return out.subarray(0, n);
    }
    case 'gzip':
      return gunzipCapped(src, ch.uncompressedSize);
    case 'none':
      return src;
  }
}

/** The uncompressed bytes of a chunk, exactly `uncompressedSize` of them, or a DecodeError. */
export async function readChunk(blob: ByteSource, ch: ChunkRef, algorithm: CompressAlgorithm): Promise<Uint8Array> {
  if (ch.uncompressedSize > RAFS_MAX_CHUNK_SIZE || ch.compressedSize > RAFS_MAX_CHUNK_SIZE) {
    fail(ch, 'nydus.chunk.size', `sizes above the ${RAFS_MAX_CHUNK_SIZE}-byte chunk limit`);
  }
  if (ch.encrypted) fail(ch, 'nydus.chunk.encrypted', 'the chunk is encrypted');
  const stored = ch.compressed ? ch.compressedSize : ch.uncompressedSize;
  if (ch.compressedOffset + stored > blob.size) {
    fail(ch, 'nydus.chunk.out-of-bounds', `runs past the end of the blob (${blob.size} bytes)`);
  }
  const src = await blob.read(ch.compressedOffset, stored);
  if (!ch.compressed) return src;
  let out: Uint8Array;
  try {
    out = await inflate(ch, src, algorithm);
  } catch (e) {
    return fail(ch, 'nydus.chunk.corrupt', `${algorithm} data does not decompress (${(e as Error)?.message ?? String(e)})`);
  }
  if (out.length !== ch.uncompressedSize) fail(ch, 'nydus.chunk.corrupt', `${algorithm} data decompresses to ${out.length} bytes`);
  return out;
}

export function chunkDigest(data: Uint8Array, algorithm: DigestAlgorithm): Uint8Array {
  return algorithm === 'blake3' ? blake3(data) : sha256(data);
}

/** Does the chunk's content match its recorded digest? (true when none is recorded) */
export function chunkDigestMatches(data: Uint8Array, ch: ChunkRef, algorithm: DigestAlgorithm): boolean {
  return !ch.digest || bytesEqual(chunkDigest(data, algorithm), ch.digest);
}
