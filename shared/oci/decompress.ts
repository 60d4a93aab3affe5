/**
 * Layer compression: gzip through the web-standard DecompressionStream (a global in Node 20 and in
 * browsers) and zstd through fzstd, chosen by the stream's magic bytes. Both hand out the
 * decompressed bytes as a sequence of chunks, so the tar scan can start before the end is known.
 */
import { Decompress } from 'fzstd';
import type { ByteSource } from '../bytes/source.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

export const GZIP_MAGIC = Uint8Array.of(0x1f, 0x8b);
/** RFC 8878 frame magic 0xFD2FB528, little-endian on disk. */
export const ZSTD_MAGIC = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd);

const startsWith = (head: Uint8Array, magic: Uint8Array): boolean =>
  head.length >= magic.length && magic.every((b, i) => head[i] === b);

export function detectCompression(head: Uint8Array): Compression {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** How much compressed input is read per step. */
export const INPUT_CHUNK = 1 << 20;

async function* gunzip(source: ByteSource, chunkSize: number): AsyncGenerator<Uint8Array> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  // The writer runs beside the reader: writes wait until the output is consumed (backpressure).
  const feed = (async () => {
    try {
      for (let off = 0; off < source.size; off += chunkSize) {
        const chunk = await source.read(off, Math.min(chunkSize, source.size - off));
        await writer.write(chunk as Uint8Array<ArrayBuffer>);
      }
      await writer.close();
    } catch (e) {
      // A corrupt stream errors both sides; the reader reports it. A failed source read must reach
      // the reader too, so abort with it.
      await writer.abort(e).catch(() => {});
    }
  })();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    await feed;
  }
}

async function* unzstd(source: ByteSource, chunkSize: number): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const dec = new Decompress((chunk) => {
    if (chunk.length > 0) out.push(chunk);
  });
  for (let off = 0; off < source.size; off += chunkSize) {
    const len = Math.min(chunkSize, source.size - off);
    const input = await source.read(off, len);
    let failure: unknown;
    try {
      dec.push(input, off + len >= source.size);
    } catch (e) {
      failure = e;
    }
    // Blocks decoded before a bad one are good data: hand them out before the error.
    while (out.length > 0) yield out.shift()!;
    if (failure !== undefined) throw failure;
  }
}

/** The decompressed stream as chunks; throws (from the iterator) where the compressed data is bad. */
export function decompressChunks(source: ByteSource, compression: Exclude<Compression, 'none'>, chunkSize = INPUT_CHUNK): AsyncGenerator<Uint8Array> {
  return compression === 'gzip' ? gunzip(source, chunkSize) : unzstd(source, chunkSize);
}
