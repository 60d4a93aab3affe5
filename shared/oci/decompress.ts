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

/**
 * Input is fed in slices small enough that one slice's output stays bounded: a decompressor turns
 * a whole slice into output before the consumer can stop it, and a zstd RLE block turns 4 bytes
 * into 128 KiB (deflate 1 byte into about 1 KiB). The slice grows while output stays modest.
 */
const FIRST_SLICE = 512;
/** Output of one slice above which the next slice shrinks. */
const OUTPUT_HIGH = 8 << 20;

function nextSlice(slice: number, produced: number, max: number): number {
  if (produced > OUTPUT_HIGH) return Math.max(64, slice >> 2);
  if (produced < OUTPUT_HIGH >> 3) return Math.min(max, slice * 2);
  return slice;
}

async function* gunzip(source: ByteSource, chunkSize: number): AsyncGenerator<Uint8Array> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let produced = 0;
  // The writer runs beside the reader: writes wait until the output is consumed (backpressure).
  const feed = (async () => {
    try {
      let slice = FIRST_SLICE;
      for (let off = 0; off < source.size; ) {
        const n = Math.min(slice, source.size - off);
        const chunk = await source.read(off, n);
        produced = 0;
        await writer.write(chunk as Uint8Array<ArrayBuffer>);
        await writer.ready;
        slice = nextSlice(slice, produced, chunkSize);
        off += n;
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
      produced += value.length;
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
  let slice = FIRST_SLICE;
  let input: Uint8Array = new Uint8Array(0);
  let inputAt = 0;
  for (let off = 0; off < source.size; ) {
    const n = Math.min(slice, source.size - off);
    // Read ahead in big pieces; feed small slices of them.
    if (off < inputAt || off + n > inputAt + input.length) {
      inputAt = off;
      input = await source.read(off, Math.min(Math.max(chunkSize, n), source.size - off));
    }
    let failure: unknown;
    try {
      dec.push(input.subarray(off - inputAt, off - inputAt + n), off + n >= source.size);
    } catch (e) {
      failure = e;
    }
    off += n;
    let produced = 0;
    // Blocks decoded before a bad one are good data: hand them out before the error.
    while (out.length > 0) {
      const c = out.shift()!;
      produced += c.length;
      yield c;
    }
    if (failure !== undefined) throw failure;
    slice = nextSlice(slice, produced, chunkSize);
  }
}

/** The decompressed stream as chunks; throws (from the iterator) where the compressed data is bad. */
export function decompressChunks(source: ByteSource, compression: Exclude<Compression, 'none'>, chunkSize = INPUT_CHUNK): AsyncGenerator<Uint8Array> {
  return compression === 'gzip' ? gunzip(source, chunkSize) : unzstd(source, chunkSize);
}
