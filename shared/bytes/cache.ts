/**
 * A block cache over a ByteSource. Readers ask for small ranges (an inode, a dirent block) many
 * times; the cache turns them into few aligned reads and serves repeats from memory.
 */
import type { ByteSource } from './source.ts';
import { outOfRange } from './source.ts';

export interface CachedSource extends ByteSource {
  /** Synchronous access when every block of the range is already cached; otherwise undefined. */
  peek(offset: number, length: number): Uint8Array | undefined;
  /** Loads a whole range into the cache in one read (bulk walks prefetch the metadata area). */
  prefetch(offset: number, length: number): Promise<void>;
  /** Is every block of the range cached (so peek would succeed)? Copies nothing. */
  has(offset: number, length: number): boolean;
  /** Bytes the cache can hold at once. */
  readonly capacity: number;
  /**
   * Reads a range without putting it in the block cache: file data read once (check's pass over
   * compressed clusters) must neither evict the metadata nor be copied block by block. Reads that
   * follow each other through the image are served from one read-ahead window of READ_AHEAD bytes.
   */
  readThrough(offset: number, length: number): Promise<Uint8Array>;
}

/** Read-ahead window of readThrough, and the gap a read may skip and still count as sequential. */
export const READ_AHEAD = 1 << 20;
const READ_AHEAD_GAP = 1 << 16;

export function cachedSource(inner: ByteSource, blockSize = 4096, maxBlocks = 16384): CachedSource {
  const blocks = new Map<number, Uint8Array>();
  const size = inner.size;
  // After prefetch of the whole source, every access is a view into one buffer: no copies, no lookups.
  let whole: Uint8Array | undefined;
  const shift = Math.log2(blockSize);
  if (!Number.isInteger(shift)) throw new Error('block size must be a power of two');

  const remember = (index: number, data: Uint8Array) => {
    if (blocks.size >= maxBlocks) {
      // Evict the oldest insertion; Map iteration order makes this an O(1) FIFO.
      const first = blocks.keys().next().value as number;
      blocks.delete(first);
    }
    blocks.set(index, data);
  };

  const peek = (offset: number, length: number): Uint8Array | undefined => {
    if (offset < 0 || length < 0 || offset + length > size) return undefined;
    if (whole) return whole.subarray(offset, offset + length);
    const first = Math.floor(offset / blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / blockSize);
    if (first === last) {
      const b = blocks.get(first);
      if (!b) return undefined;
      const start = offset - first * blockSize;
      return b.subarray(start, start + length);
    }
    const out = new Uint8Array(length);
    for (let i = first; i <= last; i++) {
      const b = blocks.get(i);
      if (!b) return undefined;
      const blockStart = i * blockSize;
      const from = Math.max(offset, blockStart);
      const to = Math.min(offset + length, blockStart + b.length);
      out.set(b.subarray(from - blockStart, to - blockStart), from - offset);
    }
    return out;
  };

  const load = async (first: number, last: number) => {
    const start = first * blockSize;
    const end = Math.min(size, (last + 1) * blockSize);
    const data = await inner.read(start, end - start);
    for (let i = first; i <= last; i++) {
      const s = (i - first) * blockSize;
      // Copy so the cache never pins a larger buffer than the block it keeps.
      remember(i, data.slice(s, Math.min(s + blockSize, data.length)));
    }
  };

  // readThrough's window: the last bytes read ahead, and where the previous request ended.
  let ahead: { offset: number; bytes: Uint8Array } | undefined;
  let lastEnd = -1;
  const readThrough = async (offset: number, length: number): Promise<Uint8Array> => {
    if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
    if (whole) return whole.subarray(offset, offset + length);
    const sequential = offset >= lastEnd && offset - lastEnd <= READ_AHEAD_GAP;
    lastEnd = offset + length;
    if (ahead && offset >= ahead.offset && offset + length <= ahead.offset + ahead.bytes.length) {
      return ahead.bytes.subarray(offset - ahead.offset, offset - ahead.offset + length);
    }
    if (!sequential || length >= READ_AHEAD) return inner.read(offset, length);
    ahead = { offset, bytes: await inner.read(offset, Math.min(size - offset, READ_AHEAD)) };
    return ahead.bytes.subarray(0, length);
  };

  const has = (offset: number, length: number): boolean => {
    if (offset < 0 || length < 0 || offset + length > size) return false;
    if (whole) return true;
    const last = Math.floor((offset + Math.max(length, 1) - 1) / blockSize);
    for (let i = Math.floor(offset / blockSize); i <= last; i++) if (!blocks.has(i)) return false;
    return true;
  };

  return {
    size,
    capacity: maxBlocks * blockSize,
    peek,
    has,
    async prefetch(offset, length) {
      if (length <= 0 || whole) return;
      if (offset === 0 && length >= size) {
        whole = await inner.read(0, size);
        blocks.clear();
        return;
      }
      const first = Math.floor(offset / blockSize);
      const last = Math.floor((Math.min(size, offset + length) - 1) / blockSize);
      await load(first, last);
    },
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
      const hit = peek(offset, length);
      if (hit) return hit;
      const first = Math.floor(offset / blockSize);
      const last = Math.floor((offset + Math.max(length, 1) - 1) / blockSize);
      let missFrom = -1;
      for (let i = first; i <= last + 1; i++) {
        const missing = i <= last && !blocks.has(i);
        if (missing && missFrom < 0) missFrom = i;
        if (!missing && missFrom >= 0) {
          await load(missFrom, i - 1);
          missFrom = -1;
        }
      }
      const got = peek(offset, length);
      // A range larger than the cache can hold: read it directly.
      return got ?? inner.read(offset, length);
    },
    readThrough,
    close: inner.close?.bind(inner),
  };
}
