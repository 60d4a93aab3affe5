/**
 * The blob an index describes (the archive stream for a .caidx) as a ByteSource: reads find their
 * chunks by bisecting the table's end offsets and take them from the store, which verifies each.
 * A few chunks stay decoded, since the archive walk reads record after record from the same one.
 */
import { outOfRange, type ByteSource } from '../bytes/source.ts';
import type { ChunkStore } from './store.ts';
import type { ChunkRef } from './table.ts';

const CACHED_CHUNKS = 32;

/** The index of the chunk holding byte `offset` (chunks are sorted, non-empty and contiguous). */
export function chunkAt(chunks: readonly ChunkRef[], offset: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunks[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function chunkedSource(chunks: readonly ChunkRef[], store: ChunkStore): ByteSource {
  const size = chunks.at(-1)?.end ?? 0;
  const cache = new Map<number, Promise<Uint8Array>>();
  const chunk = (i: number): Promise<Uint8Array> => {
    const hit = cache.get(i);
    if (hit) {
      cache.delete(i);
      cache.set(i, hit); // most recently used goes last
      return hit;
    }
    const p = store.read(chunks[i]!);
    p.catch(() => cache.delete(i)); // a failed chunk is tried afresh next time, not remembered
    cache.set(i, p);
    if (cache.size > CACHED_CHUNKS) cache.delete(cache.keys().next().value as number);
    return p;
  };
  return {
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
      if (length === 0) return new Uint8Array(0);
      let i = chunkAt(chunks, offset);
      const first = chunks[i]!;
      if (offset + length <= first.end) {
        const data = await chunk(i);
        return data.subarray(offset - first.start, offset - first.start + length);
      }
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const c = chunks[i]!;
        const data = await chunk(i);
        const from = offset + done - c.start;
        const n = Math.min(c.end - (offset + done), length - done);
        out.set(data.subarray(from, from + n), done);
        done += n;
        i++;
      }
      return out;
    },
  };
}
