/**
 * The tar stream as the scanner sees it: bytes by offset, where a read may come back short only at
 * the end. An uncompressed layer is its source with a read-ahead window (headers are small and
 * many); a compressed one is decompressed on demand into segments kept for readData, so the scan
 * runs while decompressing and the layer is held once, never concatenated into a second copy.
 */
import { segmentAt } from '../bytes/ranges.ts';
import { DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { outOfRange } from '../bytes/source.ts';

export interface TarStream {
  /** Bytes at [offset, offset + length), shorter only where the stream ends. */
  readUpTo(offset: number, length: number): Promise<Uint8Array>;
  /** How many bytes before `end` exist: `end`, or the stream length when that is shorter. */
  reach(end: number): Promise<number>;
  /** Exactly `length` bytes, or a DecodeError naming the range. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

export const READ_AHEAD = 256 * 1024;

const MIN_WINDOW = 4096;

/**
 * An uncompressed tar: the source itself, with a read-ahead window for small reads. The window
 * adapts: it grows while consecutive headers land in it (many small files) and shrinks when each
 * window serves one header only (large files between them), so big layers are not read whole.
 */
export function sourceStream(source: ByteSource, window = READ_AHEAD): TarStream {
  const size = source.size;
  let winStart = 0;
  let win: Uint8Array = EMPTY;
  let winSize = window;
  let served = 0;
  const readUpTo = async (offset: number, length: number): Promise<Uint8Array> => {
    const end = Math.min(size, offset + length);
    if (offset < 0 || offset >= end) return EMPTY;
    if (offset >= winStart && end <= winStart + win.length) {
      served++;
      return win.subarray(offset - winStart, end - winStart);
    }
    if (end - offset > window / 2) return source.read(offset, end - offset);
    if (win.length) winSize = served > 1 ? Math.min(window, winSize * 2) : Math.max(MIN_WINDOW, winSize / 2);
    served = 1;
    winStart = offset;
    win = await source.read(offset, Math.min(Math.max(winSize, end - offset), size - offset));
    return win.subarray(0, end - offset);
  };
  return {
    readUpTo,
    reach: async (end) => Math.min(end, size),
    // Data reads go straight to the source: the window serves the header scan, not random access.
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
      if (offset >= winStart && offset + length <= winStart + win.length) return win.subarray(offset - winStart, offset + length - winStart);
      return source.read(offset, length);
    },
  };
}

export interface InflatedStream extends TarStream {
  /** Bytes decompressed so far (the whole stream once `ended`). */
  readonly length: number;
  readonly ended: boolean;
  /** Why decompression stopped early, if it did (a DecodeError 'budget.decompressed-bytes' at the budget). */
  readonly error: unknown;
  /** Decompresses the rest. */
  drain(): Promise<void>;
}

export interface InflatedOptions {
  /** Decompressed bytes beyond this are not produced; the stream ends there with a budget error. */
  limit?: number;
  /**
   * Decompressed bytes kept in memory; older ones are dropped and re-read on demand by decompressing
   * again from the start (only possible when the stream is given as a function that restarts it).
   */
  window?: number;
}

const FIRST_SEGMENT = 64 * 1024;
const MAX_SEGMENT = 8 * 1024 * 1024;

/** The error a stream ends with at its decompressed-bytes budget. */
export function decompressBudgetError(limit: number): DecodeError {
  return new DecodeError(
    `the layer decompresses to more than ${limit} bytes, the inspector's budget for this layer (BUDGETS.decompressRatio x its compressed size, at least BUDGETS.decompressedBytes); the rest is not read`,
    limit,
    0,
    'budget.decompressed-bytes',
  );
}

/**
 * Decompressed bytes pulled from the decompressor as far as readers ask. Chunks are copied into
 * segments that double up to 8 MiB. Only the last `window` bytes stay in memory: the scan moves
 * forward, and content behind the window is decompressed again when a reader asks for it, so a
 * layer costs its index plus the window, not its decompressed size.
 */
export function inflatedStream(chunks: AsyncIterator<Uint8Array> | (() => AsyncIterator<Uint8Array>), options: InflatedOptions = {}): InflatedStream {
  const restart = typeof chunks === 'function' ? chunks : undefined;
  const source = typeof chunks === 'function' ? chunks() : chunks;
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  const window = restart ? Math.max(options.window ?? Number.MAX_SAFE_INTEGER, MAX_SEGMENT * 2) : Number.MAX_SAFE_INTEGER;
  const segs: Uint8Array[] = [];
  const starts: number[] = [];
  /** Index of the first segment still held (earlier ones were dropped). */
  let first = 0;
  let length = 0;
  let ended = false;
  let error: unknown;

  const append = (chunk: Uint8Array) => {
    let p = 0;
    while (p < chunk.length) {
      let last = segs[segs.length - 1];
      let used = last ? length - starts[starts.length - 1]! : 0;
      if (!last || used === last.length) {
        last = new Uint8Array(last ? Math.min(MAX_SEGMENT, last.length * 2) : FIRST_SEGMENT);
        segs.push(last);
        starts.push(length);
        used = 0;
        // Drop whole segments that fell out of the window (never the one being filled).
        while (first < segs.length - 1 && length - starts[first + 1]! >= window) segs[first++] = EMPTY;
      }
      const n = Math.min(chunk.length - p, last.length - used);
      last.set(chunk.subarray(p, p + n), used);
      p += n;
      length += n;
    }
  };

  let pulling: Promise<boolean> | undefined;
  const pullOnce = async (): Promise<boolean> => {
    if (ended) return false;
    try {
      const r = await source.next();
      if (r.done) {
        ended = true;
        return false;
      }
      if (length + r.value.length > limit) {
        append(r.value.subarray(0, limit - length));
        error = decompressBudgetError(limit);
        ended = true;
        void source.return?.();
        return false;
      }
      append(r.value);
      return true;
    } catch (e) {
      error = e;
      ended = true;
      return false;
    }
  };
  // Concurrent callers share one pull: the iterator must not be advanced twice at once.
  const pull = (): Promise<boolean> => {
    pulling ??= pullOnce().finally(() => {
      pulling = undefined;
    });
    return pulling;
  };

  const reach = async (end: number): Promise<number> => {
    while (length < end && (await pull()));
    return Math.min(end, length);
  };


  const copyOut = (offset: number, end: number): Uint8Array => {
    let i = segmentAt(starts, offset, first);
    const head = segs[i]!;
    const rel = offset - starts[i]!;
    if (end - starts[i]! <= head.length) return head.subarray(rel, end - starts[i]!);
    const out = new Uint8Array(end - offset);
    let p = offset;
    while (p < end) {
      const seg = segs[i]!;
      const s = p - starts[i]!;
      const n = Math.min(end - p, seg.length - s);
      out.set(seg.subarray(s, s + n), p - offset);
      p += n;
      i++;
    }
    return out;
  };

  // Re-reading behind the window: one replaying decompressor, kept between reads so that reading
  // files front to back decompresses the layer once more, not once per read.
  let replay: { it: AsyncIterator<Uint8Array>; pos: number; chunk: Uint8Array } | undefined;
  const reread = async (offset: number, end: number): Promise<Uint8Array> => {
    if (!replay || replay.pos > offset) {
      void replay?.it.return?.();
      replay = { it: restart!(), pos: 0, chunk: EMPTY };
    }
    const out = new Uint8Array(end - offset);
    let p = offset;
    while (p < end) {
      const r = replay;
      const chunkEnd = r.pos + r.chunk.length;
      if (p < chunkEnd) {
        const n = Math.min(end, chunkEnd) - p;
        out.set(r.chunk.subarray(p - r.pos, p - r.pos + n), p - offset);
        p += n;
        continue;
      }
      const next = await r.it.next();
      if (next.done) break; // shorter than the first pass saw: the caller's range check reports it
      r.pos = chunkEnd;
      r.chunk = next.value;
    }
    return p === end ? out : out.subarray(0, p - offset);
  };

  const readUpTo = async (offset: number, len: number): Promise<Uint8Array> => {
    if (offset < 0 || len <= 0) return EMPTY;
    const end = await reach(offset + len);
    if (offset >= end) return EMPTY;
    return offset < starts[first]! ? reread(offset, end) : copyOut(offset, end);
  };

  return {
    get length() {
      return length;
    },
    get ended() {
      return ended;
    },
    get error() {
      return error;
    },
    readUpTo,
    reach,
    read: async (offset, len) => {
      const got = await readUpTo(offset, len);
      if (offset < 0 || len < 0 || got.length < len) {
        throw new DecodeError(
          `read of ${len} bytes at ${hex(offset)} runs past the end of the decompressed stream (${length} bytes)`,
          offset,
          len,
          'image.truncated',
        );
      }
      return got;
    },
    drain: async () => {
      while (await pull());
    },
  };
}
