/**
 * FastCDC as fastcdc-rs 3.0.0's `v2020` module cuts (the version PuzzleFS pins): the 2020 paper's
 * gear hash rolled two bytes per step, cut-point skipping below the minimum and normalized chunking
 * (level 1: a harder mask before the average size, an easier one after it). fastcdc-rs 3.1 moved
 * cut points, so this follows 3.0.0 exactly; the published vectors in ../shared/specs/fastcdc are
 * the test.
 *
 * The 64-bit hash is kept as two 32-bit halves: BigInt would be exact too but an order of magnitude
 * slower in the hot loop.
 */
import { md5 } from '@noble/hashes/legacy.js';
import type { ChunkSizes, CutSink } from './buzhash.ts';

/** fastcdc-rs MASKS: spread-bit masks per log2 of the size (indices 0-4 unused). */
// prettier-ignore
const MASKS: readonly bigint[] = [
  0n, 0n, 0n, 0n, 0n,
  0x0000000001804110n, 0x0000000001803110n, 0x0000000018035100n, 0x0000001800035300n,
  0x0000019000353000n, 0x0000590003530000n, 0x0000d90003530000n, 0x0000d90103530000n,
  0x0000d90303530000n, 0x0000d90313530000n, 0x0000d90f03530000n, 0x0000d90303537000n,
  0x0000d90703537000n, 0x0000d90707537000n, 0x0000d91707537000n, 0x0000d91747537000n,
  0x0000d91767537000n, 0x0000d93767537000n, 0x0000d93777537000n, 0x0000d93777577000n,
  0x0000db3777577000n,
];

/** PuzzleFS's builder: FastCDC v2020, normalization level 1, 16/64/256 KiB over the file stream. */
export const PUZZLEFS_SIZES: ChunkSizes = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };
const NORMALIZATION_LEVEL = 1;

/** fastcdc-rs's size limits (MINIMUM_MIN ... MAXIMUM_MAX). */
const LIMITS = { minMin: 64, minMax: 1_048_576, avgMin: 256, avgMax: 4_194_304, maxMin: 1024, maxMax: 16_777_216 };

interface Gear {
  hi: Uint32Array;
  lo: Uint32Array;
  lsHi: Uint32Array;
  lsLo: Uint32Array;
}

/**
 * GEAR[i] is the first 8 bytes (big-endian) of md5 of 64 bytes of value i, as the destor C
 * reference and fastcdc-rs derive it; GEAR_LS is GEAR shifted left one bit.
 */
function makeGear(): Gear {
  const g: Gear = { hi: new Uint32Array(256), lo: new Uint32Array(256), lsHi: new Uint32Array(256), lsLo: new Uint32Array(256) };
  const seed = new Uint8Array(64);
  for (let i = 0; i < 256; i++) {
    seed.fill(i);
    const d = md5(seed);
    const hi = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
    const lo = ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
    g.hi[i] = hi;
    g.lo[i] = lo;
    g.lsHi[i] = ((hi << 1) | (lo >>> 31)) >>> 0;
    g.lsLo[i] = (lo << 1) >>> 0;
  }
  return g;
}

interface Masks {
  sHi: number; sLo: number; lHi: number; lLo: number;
  sLsHi: number; sLsLo: number; lLsHi: number; lLsLo: number;
}

const split = (m: bigint): [number, number] => [Number((m >> 32n) & 0xffffffffn), Number(m & 0xffffffffn)];

function masksFor(avg: number): Masks {
  const bits = Math.round(Math.log2(avg));
  const s = MASKS[bits + NORMALIZATION_LEVEL]!;
  const l = MASKS[bits - NORMALIZATION_LEVEL]!;
  const mask64 = (1n << 64n) - 1n;
  const [sHi, sLo] = split(s);
  const [lHi, lLo] = split(l);
  const [sLsHi, sLsLo] = split((s << 1n) & mask64);
  const [lLsHi, lLsLo] = split((l << 1n) & mask64);
  return { sHi, sLo, lHi, lLo, sLsHi, sLsLo, lLsHi, lLsLo };
}

export interface Cut {
  /** Length of the chunk that starts at the buffer's beginning. */
  length: number;
  /** The gear hash at the cut, as fastcdc-rs reports it (hex of the u64). */
  hashHi: number;
  hashLo: number;
}

/** One FastCDC instance: the gear table and masks for one min/avg/max. */
export class FastCdc {
  private readonly gear = makeGear();
  private readonly m: Masks;

  constructor(readonly sizes: ChunkSizes = PUZZLEFS_SIZES) {
    const { min, avg, max } = sizes;
    const ok =
      min >= LIMITS.minMin && min <= LIMITS.minMax && avg >= LIMITS.avgMin && avg <= LIMITS.avgMax &&
      max >= LIMITS.maxMin && max <= LIMITS.maxMax;
    if (!ok) throw new RangeError(`FastCDC sizes out of fastcdc-rs's limits (got ${min}/${avg}/${max})`);
    this.m = masksFor(avg);
  }

  /** fastcdc-rs `cut()`: the first cut point in `src` (which holds all remaining bytes, or at least `max`). */
  cut(src: Uint8Array, start = 0, end = src.length): Cut {
    let remaining = end - start;
    const { min, avg, max } = this.sizes;
    if (remaining <= min) return { length: remaining, hashHi: 0, hashLo: 0 };
    let center = avg;
    if (remaining > max) remaining = max;
    else if (remaining < center) center = remaining;
    const g = this.gear;
    const m = this.m;
    // Everything in the loop is int32 (Int32Array views, |0, carries from sign bits): a uint32 above
    // 2^31 would make V8 hold the halves as doubles.
    const gHi = new Int32Array(g.hi.buffer);
    const gLo = new Int32Array(g.lo.buffer);
    const lsHiT = new Int32Array(g.lsHi.buffer);
    const lsLoT = new Int32Array(g.lsLo.buffer);
    let hi = 0;
    let lo = 0;
    let index = Math.floor(min / 2);
    for (let pass = 0; pass < 2; pass++) {
      const limit = pass === 0 ? Math.floor(center / 2) : Math.floor(remaining / 2);
      const lsHi = (pass === 0 ? m.sLsHi : m.lLsHi) | 0;
      const lsLo = (pass === 0 ? m.sLsLo : m.lLsLo) | 0;
      const mHi = (pass === 0 ? m.sHi : m.lHi) | 0;
      const mLo = (pass === 0 ? m.sLo : m.lLo) | 0;
      for (; index < limit; index++) {
        const a = start + index * 2;
        // hash = (hash << 2) + GEAR_LS[src[a]], in 32-bit halves with the carry
        let b = src[a]!;
        let l = lo << 2;
        let add = lsLoT[b]!;
        let sum = (l + add) | 0;
        hi = (((hi << 2) | (lo >>> 30)) + lsHiT[b]! + (((l & add) | ((l | add) & ~sum)) >>> 31)) | 0;
        lo = sum;
        if ((hi & lsHi) === 0 && (lo & lsLo) === 0) return { length: a - start, hashHi: hi >>> 0, hashLo: lo >>> 0 };
        // hash += GEAR[src[a + 1]]
        b = src[a + 1]!;
        add = gLo[b]!;
        l = lo;
        sum = (l + add) | 0;
        hi = (hi + gHi[b]! + (((l & add) | ((l | add) & ~sum)) >>> 31)) | 0;
        lo = sum;
        if ((hi & mHi) === 0 && (lo & mLo) === 0) return { length: a - start + 1, hashHi: hi >>> 0, hashLo: lo >>> 0 };
      }
    }
    return { length: remaining, hashHi: hi >>> 0, hashLo: lo >>> 0 };
  }
}

/**
 * A streaming FastCDC, as fastcdc-rs's StreamCDC: it holds at most `max` bytes, cuts when it has
 * that many (or at the end), and reports each chunk's length.
 */
export class FastCdcStream {
  private readonly cdc: FastCdc;
  private readonly buf: Uint8Array;
  private length = 0;

  constructor(
    private readonly onCut: CutSink,
    sizes: ChunkSizes = PUZZLEFS_SIZES,
  ) {
    this.cdc = new FastCdc(sizes);
    this.buf = new Uint8Array(sizes.max);
  }

  push(p: Uint8Array): void {
    let at = 0;
    while (at < p.length) {
      const m = Math.min(this.buf.length - this.length, p.length - at);
      this.buf.set(p.subarray(at, at + m), this.length);
      this.length += m;
      at += m;
      if (this.length === this.buf.length) this.drainOne();
    }
  }

  private drainOne(): void {
    const { length } = this.cdc.cut(this.buf, 0, this.length);
    this.onCut(length);
    this.buf.copyWithin(0, length, this.length);
    this.length -= length;
  }

  finish(): void {
    while (this.length > 0) this.drainOne();
  }
}

/** Chunk lengths of one whole buffer. */
export function fastCdcChunks(data: Uint8Array, sizes: ChunkSizes = PUZZLEFS_SIZES): number[] {
  const out: number[] = [];
  const s = new FastCdcStream((n) => out.push(n), sizes);
  s.push(data);
  s.finish();
  return out;
}
