/**
 * Raw DEFLATE (RFC 1951, no zlib or gzip wrapper) through fflate, a small, well-kept pure-JS
 * inflater that runs in Node and the browser and decodes into a caller-supplied buffer.
 */
import { inflateSync } from 'fflate';

/**
 * Inflates `src` into `dst` (whose length is the expected size) and returns the number of bytes
 * the stream produced, up to dst.length + 1: fflate stops silently when the output is full, so a
 * one-byte spare slot in `scratch` is how a stream that is too long is told from one that fits.
 */
export function inflateRaw(src: Uint8Array, size: number, scratch: Uint8Array): Uint8Array {
  if (scratch.length < size + 1) throw new RangeError('inflate scratch buffer smaller than size + 1');
  return inflateSync(src, { out: scratch.subarray(0, size + 1) });
}
