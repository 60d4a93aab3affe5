/**
 * LZ4 block format decoder (lz4_Block_format.md): a sequence of [token][literal length
 * extension][literals][2-byte offset][match length extension]; the last sequence has literals only.
 *
 * Every read is bounds-checked against the input and every write against the output buffer, so a
 * hostile stream can neither read outside its pcluster nor grow the output past what the caller
 * allocated. Errors name the absolute image offset of the offending byte.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';

/** Shortest match the format encodes (token match length 0 means 4 bytes). */
export const LZ4_MINMATCH = 4;
/** A token nibble of 15 means "more length bytes follow". */
const RUN_MASK = 15;
/** Below this length a byte loop beats creating a subarray view for set()/copyWithin(). */
const SHORT_COPY = 32;

export interface Lz4Options {
  /**
   * Stop as soon as the output buffer is full, wherever that falls in the stream, like the
   * kernel's LZ4_decompress_safe_partial(). Needed when the input is followed by padding (EROFS
   * images without 0-padding) or when only a prefix of the decoded data is wanted.
   * Without it the stream must end exactly at the end of the input, like LZ4_decompress_safe().
   */
  partial?: boolean;
}

/**
 * Decodes `src` into `dst` and returns the number of bytes written. `base` is the absolute offset of
 * `src[0]` in the image, used only in error messages and ranges.
 */
export function lz4DecompressBlock(src: Uint8Array, dst: Uint8Array, base: number, options: Lz4Options = {}): number {
  // No closures over ip/op: a variable a closure captures lives in a heap context, and every
  // access to it in this loop would then be a memory load (the decoder ran at half speed).
  const partial = options.partial ?? false;
  const iend = src.length;
  const oend = dst.length;
  let ip = 0;
  let op = 0;

  if (partial && oend === 0) return 0;
  for (;;) {
    if (ip >= iend) return lz4Fail(base, iend, op, 'input ends before the final literals', ip);
    const token = src[ip++]!;
    let litLen = token >>> 4;
    if (litLen === RUN_MASK) {
      // Length extension: bytes of 255 continue, the first smaller byte ends it.
      let b: number;
      do {
        if (ip >= iend) return lz4Fail(base, iend, op, 'length extension runs past the end of the input', ip);
        b = src[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (ip + litLen > iend) return lz4Fail(base, iend, op, `literal run of ${litLen} bytes runs past the end of the input`, ip, litLen);
    if (op + litLen > oend) {
      if (!partial) return lz4Fail(base, iend, op, `literal run of ${litLen} bytes overflows the ${oend}-byte output`, ip, litLen);
      dst.set(src.subarray(ip, ip + (oend - op)), op);
      return oend;
    }
    if (litLen < SHORT_COPY) {
      for (let k = 0; k < litLen; k++) dst[op + k] = src[ip + k]!;
    } else {
      dst.set(src.subarray(ip, ip + litLen), op);
    }
    ip += litLen;
    op += litLen;
    if (ip === iend) return op; // the last sequence carries literals only
    if (partial && op === oend) return op;

    if (ip + 2 > iend) return lz4Fail(base, iend, op, 'match offset runs past the end of the input', ip, iend - ip);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    const offsetAt = ip;
    ip += 2;
    if (offset === 0 || offset > op) return lz4Fail(base, iend, op, `match offset ${offset} points before the start of the output (${op} bytes decoded)`, offsetAt, 2);
    let matchLen = token & RUN_MASK;
    if (matchLen === RUN_MASK) {
      let b: number;
      do {
        if (ip >= iend) return lz4Fail(base, iend, op, 'length extension runs past the end of the input', ip);
        b = src[ip++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += LZ4_MINMATCH;
    let copyLen = matchLen;
    if (op + matchLen > oend) {
      if (!partial) return lz4Fail(base, iend, op, `match of ${matchLen} bytes overflows the ${oend}-byte output`, offsetAt, 2);
      copyLen = oend - op;
    }
    let from = op - offset;
    if (offset >= copyLen && copyLen >= SHORT_COPY) {
      dst.copyWithin(op, from, from + copyLen);
      op += copyLen;
    } else {
      // Short, or overlapping (repeating the last `offset` bytes): forwards byte by byte.
      const stop = op + copyLen;
      while (op < stop) dst[op++] = dst[from++]!;
    }
    if (op === oend && partial) return op;
  }
}

/** The decoder's one error: where in the input (absolute image offset) and how far the output got. */
function lz4Fail(base: number, iend: number, op: number, what: string, at: number, len = 1): never {
  throw new DecodeError(`lz4 stream at ${hex(base)}: ${what} (input byte ${at}, output byte ${op})`, base + Math.min(at, iend), len, 'erofs.lz4.corrupt');
}
