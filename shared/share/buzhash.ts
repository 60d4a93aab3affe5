/**
 * casync's content-defined chunker (src/cachunker.c): a 48-byte buzhash window, cut where
 * h mod d == d - 1 for the discriminator d derived from the average size, never before the minimum
 * and always at the maximum. Streaming: push() any slicing of the input and the cuts are the same
 * as `casync make` finds in one pass, which the caibx-oracle test proves.
 */

/** CA_CHUNKER_WINDOW_SIZE */
export const CA_CHUNKER_WINDOW_SIZE = 48;
/** CA_CHUNK_SIZE_AVG_DEFAULT and casync's default min = avg/4, max = avg*4. */
export const CA_CHUNK_SIZE_AVG_DEFAULT = 64 * 1024;

/** CA_CHUNKER_DISCRIMINATOR_FROM_AVG, computed in doubles and truncated as the C macro does. */
export function discriminatorFromAvg(avg: number): number {
  return Math.trunc(avg / (-1.42888852e-7 * avg + 1.33237515));
}

/**
 * casync's buzhash_table. The values are casync's own constants (a table of random words); any
 * other table would cut elsewhere, so they are part of the format as much as the window size.
 */
// prettier-ignore
const BUZHASH_TABLE = new Uint32Array([
  0x458be752, 0xc10748cc, 0xfbbcdbb8, 0x6ded5b68, 0xb10a82b5, 0x20d75648, 0xdfc5665f, 0xa8428801,
  0x7ebf5191, 0x841135c7, 0x65cc53b3, 0x280a597c, 0x16f60255, 0xc78cbc3e, 0x294415f5, 0xb938d494,
  0xec85c4e6, 0xb7d33edc, 0xe549b544, 0xfdeda5aa, 0x882bf287, 0x3116737c, 0x05569956, 0xe8cc1f68,
  0x0806ac5e, 0x22a14443, 0x15297e10, 0x50d090e7, 0x4ba60f6f, 0xefd9f1a7, 0x5c5c885c, 0x82482f93,
  0x9bfd7c64, 0x0b3e7276, 0xf2688e77, 0x8fad8abc, 0xb0509568, 0xf1ada29f, 0xa53efdfe, 0xcb2b1d00,
  0xf2a9e986, 0x6463432b, 0x95094051, 0x5a223ad2, 0x9be8401b, 0x61e579cb, 0x1a556a14, 0x5840fdc2,
  0x9261ddf6, 0xcde002bb, 0x52432bb0, 0xbf17373e, 0x7b7c222f, 0x2955ed16, 0x9f10ca59, 0xe840c4c9,
  0xccabd806, 0x14543f34, 0x1462417a, 0x0d4a1f9c, 0x087ed925, 0xd7f8f24c, 0x7338c425, 0xcf86c8f5,
  0xb19165cd, 0x9891c393, 0x325384ac, 0x0308459d, 0x86141d7e, 0xc922116a, 0xe2ffa6b6, 0x53f52aed,
  0x2cd86197, 0xf5b9f498, 0xbf319c8f, 0xe0411fae, 0x977eb18c, 0xd8770976, 0x9833466a, 0xc674df7f,
  0x8c297d45, 0x8ca48d26, 0xc49ed8e2, 0x7344f874, 0x556f79c7, 0x6b25eaed, 0xa03e2b42, 0xf68f66a4,
  0x8e8b09a2, 0xf2e0e62a, 0x0d3a9806, 0x9729e493, 0x8c72b0fc, 0x160b94f6, 0x450e4d3d, 0x7a320e85,
  0xbef8f0e1, 0x21d73653, 0x4e3d977a, 0x1e7b3929, 0x1cc6c719, 0xbe478d53, 0x8d752809, 0xe6d8c2c6,
  0x275f0892, 0xc8acc273, 0x4cc21580, 0xecc4a617, 0xf5f7be70, 0xe795248a, 0x375a2fe9, 0x425570b6,
  0x8898dcf8, 0xdc2d97c4, 0x0106114b, 0x364dc22f, 0x1e0cad1f, 0xbe63803c, 0x5f69fac2, 0x4d5afa6f,
  0x1bc0dfb5, 0xfb273589, 0x0ea47f7b, 0x3c1c2b50, 0x21b2a932, 0x6b1223fd, 0x2fe706a8, 0xf9bd6ce2,
  0xa268e64e, 0xe987f486, 0x3eacf563, 0x1ca2018c, 0x65e18228, 0x2207360a, 0x57cf1715, 0x34c37d2b,
  0x1f8f3cde, 0x93b657cf, 0x31a019fd, 0xe69eb729, 0x8bca7b9b, 0x4c9d5bed, 0x277ebeaf, 0xe0d8f8ae,
  0xd150821c, 0x31381871, 0xafc3f1b0, 0x927db328, 0xe95effac, 0x305a47bd, 0x426ba35b, 0x1233af3f,
  0x686a5b83, 0x50e072e5, 0xd9d3bb2a, 0x8befc475, 0x487f0de6, 0xc88dff89, 0xbd664d5e, 0x971b5d18,
  0x63b14847, 0xd7d3c1ce, 0x7f583cf3, 0x72cbcb09, 0xc0d0a81c, 0x7fa3429b, 0xe9158a1b, 0x225ea19a,
  0xd8ca9ea3, 0xc763b282, 0xbb0c6341, 0x020b8293, 0xd4cd299d, 0x58cfa7f8, 0x91b4ee53, 0x37e4d140,
  0x95ec764c, 0x30f76b06, 0x5ee68d24, 0x679c8661, 0xa41979c2, 0xf2b61284, 0x4fac1475, 0x0adb49f9,
  0x19727a23, 0x15a7e374, 0xc43a18d5, 0x3fb1aa73, 0x342fc615, 0x924c0793, 0xbee2d7f0, 0x8a279de9,
  0x4aa2d70c, 0xe24dd37f, 0xbe862c0b, 0x177c22c2, 0x5388e5ee, 0xcd8a7510, 0xf901b4fd, 0xdbc13dbc,
  0x6c0bae5b, 0x64efe8c7, 0x48b02079, 0x80331a49, 0xca3d8ae6, 0xf3546190, 0xfed7108b, 0xc49b941b,
  0x32baf4a9, 0xeb833a4a, 0x88a3f1a5, 0x3a91ce0a, 0x3cc27da1, 0x7112e684, 0x4a3096b1, 0x3794574c,
  0xa3c8b6f3, 0x1d213941, 0x6e0a2e00, 0x233479f1, 0x0f4cd82f, 0x6093edd2, 0x5d7d209e, 0x464fe319,
  0xd4dcac9e, 0x0db845cb, 0xfb5e4bc3, 0xe0256ce1, 0x09fb4ed1, 0x0914be1e, 0xa5bdb2c3, 0xc6eb57bb,
  0x30320350, 0x3f397e91, 0xa67791bc, 0x86bc0e2c, 0xefa0a7e2, 0xe9ff7543, 0xe733612c, 0xd185897b,
  0x329e5388, 0x91dd236b, 0x2ecb0d93, 0xf4d82a3d, 0x35b5c03f, 0xe4e606f0, 0x05b21843, 0x37b45964,
  0x5eff22f4, 0x6027f4cc, 0x77178b3c, 0xae507131, 0x7bf7cabc, 0xf9c18d66, 0x593ade65, 0xd95ddf11,
]);

const rol32 = (x: number, n: number): number => {
  const s = n & 31;
  return s === 0 ? x >>> 0 : ((x << s) | (x >>> (32 - s))) >>> 0;
};

/** The window's leaving byte is rotated by the window size (48 & 31 = 16) once per roll. */
const LEAVE = new Int32Array(256).map((_, b) => rol32(BUZHASH_TABLE[b]!, CA_CHUNKER_WINDOW_SIZE) | 0);
const TABLE32 = new Int32Array(BUZHASH_TABLE.buffer);

export interface ChunkSizes {
  min: number;
  avg: number;
  max: number;
}

/** casync's defaults: 16/64/256 KiB. */
export const CASYNC_DEFAULT_SIZES: ChunkSizes = {
  min: CA_CHUNK_SIZE_AVG_DEFAULT / 4,
  avg: CA_CHUNK_SIZE_AVG_DEFAULT,
  max: CA_CHUNK_SIZE_AVG_DEFAULT * 4,
};

/**
 * A test for `h mod d === d - 1` on uint32 h without a division, which costs more than the rest
 * of the roll: h + 1 is a multiple of d = 2^k * q (q odd) exactly when (h + 1) * q^-1 mod 2^32,
 * rotated right by k, is at most (2^32 - 1) / d (Hacker's Delight 10-17). h + 1 wraps to 0 only
 * for h = 2^32 - 1, which the caller checks the slow way.
 */
export function remainderTest(d: number): { qinv: number; k: number; limit: number } {
  let k = 0;
  let q = d;
  while ((q & 1) === 0) {
    q >>>= 1;
    k++;
  }
  let inv = q;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(q, inv));
  // The limit is compared as a signed int with the sign bit flipped (an unsigned compare in int32).
  return { qinv: inv | 0, k, limit: (Math.floor(0xffffffff / d) ^ 0x80000000) | 0 };
}

/** `h mod d === d - 1` through remainderTest(d)'s constants; h is the int32 form of the hash. */
export function isLastRemainder(h: number, d: number, t: { qinv: number; k: number; limit: number }): boolean {
  const x = (h + 1) | 0;
  if (x === 0) return 0xffffffff % d === d - 1;
  const y = Math.imul(x, t.qinv);
  return ((((y >>> t.k) | (y << (32 - t.k))) ^ 0x80000000) | 0) <= t.limit;
}

/** Receives each chunk's length as the chunker cuts it (the data itself is the caller's). */
export type CutSink = (length: number) => void;

/**
 * A streaming casync chunker. `push(bytes)` reports every chunk that ends inside `bytes`;
 * `finish()` reports the last, partial chunk.
 */
export class BuzhashChunker {
  private readonly window = new Uint8Array(CA_CHUNKER_WINDOW_SIZE);
  private windowSize = 0;
  private chunkSize = 0;
  private h = 0;
  private readonly min: number;
  private readonly max: number;
  private readonly discriminator: number;
  private readonly remainder: { qinv: number; k: number; limit: number };

  constructor(
    private readonly onCut: CutSink,
    sizes: ChunkSizes = CASYNC_DEFAULT_SIZES,
  ) {
    if (!(sizes.min >= 1 && sizes.min <= sizes.avg && sizes.avg <= sizes.max)) {
      throw new RangeError(`chunk sizes must satisfy 1 <= min <= avg <= max (got ${sizes.min}/${sizes.avg}/${sizes.max})`);
    }
    this.min = sizes.min;
    this.max = sizes.max;
    this.discriminator = Math.min(sizes.max, Math.max(sizes.min, discriminatorFromAvg(sizes.avg)));
    this.remainder = remainderTest(this.discriminator);
  }

  private shallBreak(v: number): boolean {
    if (this.chunkSize >= this.max) return true;
    if (this.chunkSize < this.min) return false;
    return v % this.discriminator === this.discriminator - 1;
  }

  private cut(): void {
    this.onCut(this.chunkSize);
    this.h = 0;
    this.chunkSize = 0;
    this.windowSize = 0;
  }

  /** Fills the window of a new chunk; returns how many bytes of `p` from `at` it took. */
  private fill(p: Uint8Array, at: number): number {
    const m = Math.min(CA_CHUNKER_WINDOW_SIZE - this.windowSize, p.length - at);
    this.window.set(p.subarray(at, at + m), this.windowSize);
    this.windowSize += m;
    this.chunkSize += m;
    if (this.windowSize < CA_CHUNKER_WINDOW_SIZE) return m;
    let h = 0;
    const n = CA_CHUNKER_WINDOW_SIZE;
    for (let i = 1; i < n; i++) h ^= rol32(BUZHASH_TABLE[this.window[i - 1]!]!, n - i);
    this.h = (h ^ BUZHASH_TABLE[this.window[n - 1]!]!) >>> 0;
    if (this.shallBreak(this.h)) this.cut();
    return m;
  }

  push(p: Uint8Array): void {
    let i = 0;
    while (i < p.length) {
      if (this.windowSize < CA_CHUNKER_WINDOW_SIZE) {
        i += this.skip(p, i);
        if (i < p.length) i += this.fill(p, i);
        continue;
      }
      i = this.roll(p, i);
    }
  }

  /**
   * No cut can come before the minimum size, and the hash is a function of the window's 48 bytes
   * alone (every byte's table word is rotated once per roll, and 48 rolls bring it back to where
   * the initial sum put it). So most of a new chunk's first min - 48 bytes need not be hashed at
   * all: the window is filled from bytes just before the minimum, and the first test that can cut
   * is at the minimum, as casync's is.
   */
  private skip(p: Uint8Array, at: number): number {
    if (this.windowSize > 0) return 0;
    // A multiple of 48, so the ring's oldest byte stays at chunkSize % 48 as roll() expects.
    const W = CA_CHUNKER_WINDOW_SIZE;
    const skippable = Math.floor(Math.max(0, this.min - W) / W) * W;
    const n = Math.min(Math.max(0, skippable - this.chunkSize), p.length - at);
    this.chunkSize += n;
    return n;
  }

  /**
   * The hot loop: rolls until a cut or the end of `p`, and returns where it stopped. The leaving
   * byte comes from the ring for the first 48 bytes of `p`, then from `p` itself; the ring is
   * brought up to date only when the loop stops.
   */
  private roll(p: Uint8Array, from: number): number {
    const win = this.window;
    const disc = this.discriminator;
    const max = this.max;
    const min = this.min;
    const W = CA_CHUNKER_WINDOW_SIZE;
    let size = this.chunkSize;
    const idx0 = size % W;
    // h stays an int32 in the loop (no heap numbers); only the cut test needs it unsigned.
    let h = this.h | 0;
    const last = disc - 1;
    // h mod disc === last without a division (see remainderTest; a plain % of a uint32 above
    // 2^31 is even a double-precision remainder in V8).
    const t = this.remainder;
    const qinv = t.qinv;
    const k = t.k;
    const kl = 32 - k;
    const limit = t.limit;
    let x = 0;
    let y = 0;
    const ringEnd = Math.min(p.length, from + W);
    let i = from;
    let cut = false;
    for (let idx = idx0; i < ringEnd; i++) {
      h = ((h << 1) | (h >>> 31)) ^ LEAVE[win[idx]!]! ^ TABLE32[p[i]!]!;
      size++;
      if (size >= min && (size >= max || ((x = (h + 1) | 0) !== 0 ? ((((y = Math.imul(x, qinv)) >>> k) | (y << kl)) ^ 0x80000000) <= limit : (h >>> 0) % disc === last))) {
        cut = true;
        break;
      }
      if (++idx === W) idx = 0;
    }
    if (!cut) {
      for (; i < p.length; i++) {
        h = ((h << 1) | (h >>> 31)) ^ LEAVE[p[i - W]!]! ^ TABLE32[p[i]!]!;
        size++;
        if (size >= min && (size >= max || ((x = (h + 1) | 0) !== 0 ? ((((y = Math.imul(x, qinv)) >>> k) | (y << kl)) ^ 0x80000000) <= limit : (h >>> 0) % disc === last))) {
          cut = true;
          break;
        }
      }
    }
    this.chunkSize = size;
    this.h = h >>> 0;
    if (cut) {
      this.cut();
      return i + 1;
    }
    // The ring's oldest byte sits at size % 48: write the bytes rolled in back into it.
    const took = i - from;
    if (took >= W) {
      for (let k = 0; k < W; k++) win[(size - W + k) % W] = p[i - W + k]!;
    } else {
      for (let k = 0; k < took; k++) win[(idx0 + k) % W] = p[from + k]!;
    }
    return p.length;
  }

  finish(): void {
    if (this.chunkSize > 0) this.cut();
  }
}

/** Chunk lengths of one whole buffer, as `casync make` of a blob cuts it. */
export function buzhashChunks(data: Uint8Array, sizes: ChunkSizes = CASYNC_DEFAULT_SIZES): number[] {
  const out: number[] = [];
  const c = new BuzhashChunker((n) => out.push(n), sizes);
  c.push(data);
  c.finish();
  return out;
}
