/**
 * A data blob seen as its uncompressed address space: the "device" RAFS v6's chunk indexes address
 * (c_blk_addr * block size) and the offsets RAFS v5's chunk records give. Reads decompress the
 * chunks they touch (a few recent ones are kept); bytes no chunk covers (alignment gaps) read as
 * zeros. Opening costs nothing: chunks are read on demand.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { readChunk, type ChunkRef } from './chunk-data.ts';
import type { CompressAlgorithm } from './rafs_fs.ts';

/** Decompressed chunks kept per blob: a file read chunk by chunk decodes each once. */
const KEEP_CHUNKS = 4;

export interface BlobSpace extends ByteSource {
  /** The chunks in uncompressed order. */
  readonly chunks: readonly ChunkRef[];
  /** Decompressed bytes of one chunk (cached). */
  chunk(ch: ChunkRef): Promise<Uint8Array>;
}

export function blobSpace(blob: ByteSource, chunks: ChunkRef[], algorithm: CompressAlgorithm, size: number): BlobSpace {
  const sorted = [...chunks].sort((a, b) => a.uncompressedOffset - b.uncompressedOffset);
  const recent = new Map<ChunkRef, Promise<Uint8Array>>();
  const chunk = (ch: ChunkRef): Promise<Uint8Array> => {
    let p = recent.get(ch);
    if (p) {
      recent.delete(ch);
    } else {
      p = readChunk(blob, ch, algorithm);
      p.catch(() => recent.delete(ch));
    }
    recent.set(ch, p);
    while (recent.size > KEEP_CHUNKS) recent.delete(recent.keys().next().value!);
    return p;
  };
  /** Index of the last chunk starting at or before `offset`. */
  const find = (offset: number): number => {
    let lo = 0;
    let hi = sorted.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.uncompressedOffset <= offset) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  };
  return {
    size,
    chunks: sorted,
    chunk,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new DecodeError(`read of ${length} bytes at ${hex(offset)} lies outside the blob's ${size} uncompressed bytes`, offset, length, 'nydus.blob.out-of-range');
      }
      const out = new Uint8Array(length);
      const end = offset + length;
      for (let i = Math.max(0, find(offset)); i < sorted.length; i++) {
        const ch = sorted[i]!;
        if (ch.uncompressedOffset >= end) break;
        const chEnd = ch.uncompressedOffset + ch.uncompressedSize;
        if (chEnd <= offset) continue;
        const data = await chunk(ch);
        const from = Math.max(offset, ch.uncompressedOffset);
        const to = Math.min(end, chEnd);
        out.set(data.subarray(from - ch.uncompressedOffset, to - ch.uncompressedOffset), from - offset);
      }
      return out;
    },
    close: blob.close?.bind(blob),
  };
}
