/**
 * A casync chunk store (".castr"): each chunk in "<first 4 hex digits>/<chunk id>.cacnk",
 * compressed with zstd, xz or gzip (told apart by their magic), named by the digest of its
 * uncompressed bytes. Reading a chunk verifies all of that; a chunk that fails says why, with the
 * chunk's range in the blob.
 */
import { sha256, sha512_256 } from '@noble/hashes/sha2.js';
import { decompress as zstdDecompress } from 'fzstd';
import { DecodeError, hex } from '../bytes/cursor.ts';
import { memorySource, type SiblingFiles } from '../bytes/source.ts';
import { bytesEqual, toHex } from '../model.ts';
import { decompressChunks } from '../oci/decompress.ts';
import type { CasyncCode } from './codes.ts';
import type { ChunkRef } from './table.ts';

export const DEFAULT_STORE = 'default.castr';

export type ChunkCompression = 'zstd' | 'xz' | 'gzip' | 'unknown';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

export function chunkCompression(b: Uint8Array): ChunkCompression {
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (XZ_MAGIC.every((m, i) => b[i] === m)) return 'xz';
  return 'unknown';
}

export const chunkPath = (id: Uint8Array, store = DEFAULT_STORE): string => {
  const h = toHex(id);
  return `${store}/${h.slice(0, 4)}/${h}.cacnk`;
};

/** A chunk problem, thrown as a DecodeError whose range is the chunk's range in the blob. */
export class ChunkError extends DecodeError {
  constructor(message: string, readonly chunk: ChunkRef, code: CasyncCode) {
    super(message, chunk.start, chunk.end - chunk.start, code);
  }
}

export interface ChunkStore {
  readonly where: string;
  readonly digest: 'sha512-256' | 'sha256';
  /** The chunk's uncompressed, verified bytes. */
  read(chunk: ChunkRef): Promise<Uint8Array>;
  /** Compression of the chunks read so far, for `info`. */
  readonly seen: Set<ChunkCompression>;
  /** Table indexes of the chunks already read and verified: check need not hash them again. */
  readonly verified: Set<number>;
}

/**
 * Decompresses into exactly `expected` bytes: a chunk that inflates further is corrupt, not a
 * memory bill. zstd goes through fzstd's one-shot decoder into a buffer of that size (it throws
 * when the data needs more; shorter data leaves zeros that the id check then catches); gzip
 * through DecompressionStream, counted as it streams.
 */
async function inflate(data: Uint8Array, kind: 'zstd' | 'gzip', expected: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  if (kind === 'zstd') {
    zstdDecompress(data, out);
    return out;
  }
  let n = 0;
  for await (const piece of decompressChunks(memorySource(data), kind)) {
    if (n + piece.length > expected) throw new Error(`it decompresses to more than the ${expected} bytes the index gives it`);
    out.set(piece, n);
    n += piece.length;
  }
  if (n !== expected) throw new Error(`it decompresses to ${n} bytes, the index gives it ${expected}`);
  return out;
}

/** `maxChunk` is the index's chunk_size_max: no chunk casync cut is larger, so none is inflated past it. */
export function chunkStore(files: SiblingFiles, digest: 'sha512-256' | 'sha256', maxChunk: number, store = DEFAULT_STORE): ChunkStore {
  const seen = new Set<ChunkCompression>();
  const verified = new Set<number>();
  const hash = digest === 'sha256' ? sha256 : sha512_256;
  return {
    where: `${files.where}/${store}`,
    digest,
    seen,
    verified,
    async read(chunk) {
      const size = chunk.end - chunk.start;
      const name = chunkPath(chunk.id, store);
      const what = `chunk #${chunk.index} (${toHex(chunk.id)}, blob bytes ${hex(chunk.start)}..${hex(chunk.end)})`;
      if (size > maxChunk) throw new ChunkError(`${what} is ${size} bytes, over the index's chunk_size_max ${maxChunk}: it is not read`, chunk, 'casync.index.chunk-too-large');
      // Compressed data can exceed its input slightly; anything far larger is not this chunk.
      const raw = await files.read(name, size + (size >> 3) + 4096).catch((e: unknown) => {
        throw new ChunkError(`${what}: ${name} cannot be read: ${(e as Error)?.message ?? String(e)}`, chunk, 'casync.chunk.corrupt');
      });
      if (!raw) throw new ChunkError(`${what} is missing from the chunk store (${name})`, chunk, 'casync.chunk.missing');
      const kind = chunkCompression(raw);
      seen.add(kind);
      if (kind === 'xz') throw new ChunkError(`${what} is xz-compressed: xz chunks are not supported by this tool, so it cannot be read or verified`, chunk, 'casync.chunk.unsupported');
      if (kind === 'unknown') throw new ChunkError(`${what}: ${name} is neither zstd, xz nor gzip data`, chunk, 'casync.chunk.corrupt');
      let data: Uint8Array;
      try {
        data = await inflate(raw, kind, size);
      } catch (e) {
        throw new ChunkError(`${what}: the ${kind} data is damaged: ${(e as Error)?.message ?? String(e)}`, chunk, 'casync.chunk.corrupt');
      }
      const actual = hash(data);
      if (!bytesEqual(actual, chunk.id)) {
        throw new ChunkError(`${what}: its ${digest} is ${toHex(actual)}, not its id`, chunk, 'casync.chunk.id-mismatch');
      }
      verified.add(chunk.index);
      return data;
    },
  };
}
