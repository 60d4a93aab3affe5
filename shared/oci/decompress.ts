/**
 * Layer compression: gzip through the web-standard DecompressionStream (a global in Node 20 and in
 * browsers) and zstd through zstddec's streaming decoder (libzstd in WebAssembly, ~15x fzstd's
 * speed), chosen by the stream's magic bytes. Both hand out the decompressed bytes as a sequence of
 * chunks, so the tar scan can start before the end is known.
 */
import { ZSTDDecoder as ZstdStreamDecoder } from 'zstddec/stream';
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

let zstdStream: Promise<ZstdStreamDecoder> | undefined;

/**
 * A damaged zstd stream makes ZSTD_decompressStream return an error without consuming input, and
 * zstddec's generator would then call it forever producing nothing: this many empty outputs in a
 * row (valid streams produce empty outputs only for a few frame headers) means damage.
 */
const MAX_EMPTY_STEPS = 256;

async function* unzstd(source: ByteSource, chunkSize: number): AsyncGenerator<Uint8Array> {
  const dec = await (zstdStream ??= (async () => {
    const d = new ZstdStreamDecoder();
    await d.init();
    return d;
  })());
  // zstddec pulls input from a synchronous iterable, at most one chunk per step of its generator:
  // keep one chunk queued before each step, read asynchronously from the source.
  const queue: Uint8Array[] = [];
  let next = 0;
  const input: Iterable<Uint8Array> = { [Symbol.iterator]: () => ({ next: () => (queue.length ? { value: queue.shift()!, done: false } : { value: undefined, done: true }) }) };
  const steps = dec.decodeStreaming(input);
  let empty = 0;
  for (;;) {
    if (queue.length === 0 && next < source.size) {
      const len = Math.min(chunkSize, source.size - next);
      queue.push(await source.read(next, len));
      next += len;
    }
    let step: IteratorResult<Uint8Array>;
    try {
      step = steps.next();
    } catch (e) {
      throw new Error(`zstd stream: ${(e as Error).message}`);
    }
    if (step.done) return;
    if (step.value.length === 0) {
      if (++empty > MAX_EMPTY_STEPS) {
        steps.return(undefined);
        throw new Error('zstd stream is damaged: the decoder makes no progress');
      }
      continue;
    }
    empty = 0;
    yield step.value;
  }
}

/** The decompressed stream as chunks; throws (from the iterator) where the compressed data is bad. */
export function decompressChunks(source: ByteSource, compression: Exclude<Compression, 'none'>, chunkSize = INPUT_CHUNK): AsyncGenerator<Uint8Array> {
  return compression === 'gzip' ? gunzip(source, chunkSize) : unzstd(source, chunkSize);
}
