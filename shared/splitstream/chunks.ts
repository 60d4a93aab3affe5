/**
 * The splitstream's chunk list, inside the zstd-compressed stream section: each chunk starts with a
 * little-endian i64. Negative: that many bytes of inline data follow. Non-negative: an index into
 * the object refs array, whose object's whole content is the chunk. The list ends with the data.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';

export type Chunk =
  /** `at` is the offset of the inline bytes in the decompressed stream section. */
  | { kind: 'inline'; at: number; length: number }
  | { kind: 'external'; object: number };

/**
 * `data` is the decompressed stream section. Offsets in errors are within it (it has no place in
 * the file), so the caller says so. `maxChunks` bounds memory on hostile input.
 */
export function decodeChunks(data: Uint8Array, objectCount: number, maxChunks: number): Chunk[] {
  const c = new Cursor(data, 0);
  const chunks: Chunk[] = [];
  while (c.remaining > 0) {
    if (chunks.length >= maxChunks) {
      throw new DecodeError(`more than ${maxChunks} chunks in the stream (BUDGETS.splitstreamChunks); stopped`, c.offset, 0, 'budget.splitstream-chunks');
    }
    const at = c.offset;
    const n = c.i64(`chunk ${chunks.length} header`);
    if (n < 0) {
      const length = -n;
      if (length > c.remaining) {
        throw new DecodeError(`chunk ${chunks.length} at stream offset ${hex(at)}: ${length} inline bytes, only ${c.remaining} left`, at, 8, 'splitstream.chunk');
      }
      chunks.push({ kind: 'inline', at: c.offset, length });
      c.skip(length, 'inline data');
    } else {
      if (n >= objectCount) {
        throw new DecodeError(`chunk ${chunks.length} at stream offset ${hex(at)}: object index ${n}, but there are ${objectCount} object refs`, at, 8, 'splitstream.chunk');
      }
      chunks.push({ kind: 'external', object: n });
    }
  }
  return chunks;
}
