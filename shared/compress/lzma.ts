/**
 * LZMA1 decoder for streams of known decoded size (the LZMA algorithm as xz-utils' liblzma and the
 * LZMA SDK define it: range coder, literal coder with lc/lp context, 12-state match/rep machine).
 *
 * Used for EROFS's MicroLZMA pclusters (kernel xz_dec_microlzma, erofs-utils
 * lzma_microlzma_decoder): a raw LZMA1 stream without the .lzma header whose first byte holds the
 * bitwise NOT of the properties byte instead of the range coder's always-zero first byte. The
 * decoded size is known and no end marker is written; the dictionary is the output buffer itself,
 * so a match may only reach back to the start of the output.
 *
 * Every input read is bounds-checked (running off the end fails, never loops) and every output
 * write stays inside the caller's buffer. Probability tables are allocated per decoder and reused
 * across calls, so decoding many pclusters allocates nothing per call.
 */

export class LzmaError extends Error {
  constructor(
    message: string,
    /** Offset in the input where decoding failed. */
    readonly at: number,
  ) {
    super(message);
    this.name = 'LzmaError';
  }
}

export interface LzmaProps {
  lc: number;
  lp: number;
  pb: number;
}

const kNumStates = 12;
const kNumPosBitsMax = 4;
const kNumLenToPosStates = 4;
const kNumAlignBits = 4;
const kStartPosModelIndex = 4;
const kEndPosModelIndex = 14;
const kNumFullDistances = 1 << (kEndPosModelIndex >> 1);
const kMatchMinLen = 2;
const PROB_INIT = 1024;
const kTopValue = 1 << 24;

/** Decodes the LZMA properties byte ((pb * 5 + lp) * 9 + lc), rejecting values past 224. */
export function decodeLzmaProps(byte: number): LzmaProps | undefined {
  if (byte >= 9 * 5 * 5) return undefined;
  const lc = byte % 9;
  const rest = Math.floor(byte / 9);
  return { lc, lp: rest % 5, pb: Math.floor(rest / 5) };
}

/** A length coder: choice bits, then a 3-bit low/mid tree per pos state or an 8-bit high tree. */
class LenDecoder {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array((1 << kNumPosBitsMax) << 3);
  readonly mid = new Uint16Array((1 << kNumPosBitsMax) << 3);
  readonly high = new Uint16Array(256);
  reset(): void {
    this.choice.fill(PROB_INIT);
    this.low.fill(PROB_INIT);
    this.mid.fill(PROB_INIT);
    this.high.fill(PROB_INIT);
  }
}

/**
 * One decoder instance holds the probability model; `decode` resets it per stream. Not reentrant:
 * one instance per reader (decoding is synchronous, so this is safe inside one reader).
 */
export class LzmaDecoder {
  private probs = new Uint16Array(0x300 << 4);
  private readonly isMatch = new Uint16Array(kNumStates << kNumPosBitsMax);
  private readonly isRep = new Uint16Array(kNumStates);
  private readonly isRepG0 = new Uint16Array(kNumStates);
  private readonly isRepG1 = new Uint16Array(kNumStates);
  private readonly isRepG2 = new Uint16Array(kNumStates);
  private readonly isRep0Long = new Uint16Array(kNumStates << kNumPosBitsMax);
  private readonly posSlot = new Uint16Array(kNumLenToPosStates << 6);
  private readonly posDecoders = new Uint16Array(1 + kNumFullDistances - kEndPosModelIndex);
  private readonly align = new Uint16Array(1 << kNumAlignBits);
  private readonly lenDec = new LenDecoder();
  private readonly repLenDec = new LenDecoder();

  // Range coder state, kept in fields so the hot helpers below stay small.
  private src: Uint8Array = new Uint8Array(0);
  private ip = 0;
  private range = 0;
  private code = 0;

  /**
   * Decodes `src` (starting with the range coder's 5 init bytes) into `dst`, filling it exactly.
   * `partial` allows the stream to continue past the end of `dst` (a prefix is wanted); otherwise
   * the range coder must finish cleanly (code 0) once `dst` is full, as liblzma checks.
   * Returns the number of input bytes consumed.
   */
  decode(src: Uint8Array, dst: Uint8Array, props: LzmaProps, partial = false): number {
    const { lc, lp, pb } = props;
    const litSize = 0x300 << (lc + lp);
    if (this.probs.length < litSize) this.probs = new Uint16Array(litSize);
    const probs = this.probs;
    probs.fill(PROB_INIT, 0, litSize);
    this.isMatch.fill(PROB_INIT);
    this.isRep.fill(PROB_INIT);
    this.isRepG0.fill(PROB_INIT);
    this.isRepG1.fill(PROB_INIT);
    this.isRepG2.fill(PROB_INIT);
    this.isRep0Long.fill(PROB_INIT);
    this.posSlot.fill(PROB_INIT);
    this.posDecoders.fill(PROB_INIT);
    this.align.fill(PROB_INIT);
    this.lenDec.reset();
    this.repLenDec.reset();

    this.src = src;
    if (src.length < 5) throw new LzmaError('stream shorter than the 5-byte range coder header', src.length);
    this.range = 0xffffffff;
    this.code = ((src[1]! << 24) | (src[2]! << 16) | (src[3]! << 8) | src[4]!) >>> 0;
    this.ip = 5;
    if (this.code === this.range) throw new LzmaError('range coder starts in an impossible state', 1);

    const pbMask = (1 << pb) - 1;
    const lpMask = (1 << lp) - 1;
    const outEnd = dst.length;
    let op = 0;
    let state = 0;
    let rep0 = 0;
    let rep1 = 0;
    let rep2 = 0;
    let rep3 = 0;

    while (op < outEnd) {
      const posState = op & pbMask;
      if (this.bit(this.isMatch, (state << kNumPosBitsMax) + posState) === 0) {
        const prev = op > 0 ? dst[op - 1]! : 0;
        const base = 0x300 * (((op & lpMask) << lc) + (prev >> (8 - lc)));
        let symbol = 1;
        if (state >= 7) {
          let matchByte = dst[op - rep0 - 1]!;
          do {
            const matchBit = (matchByte >> 7) & 1;
            matchByte <<= 1;
            const b = this.bit(probs, base + ((1 + matchBit) << 8) + symbol);
            symbol = (symbol << 1) | b;
            if (matchBit !== b) break;
          } while (symbol < 0x100);
        }
        while (symbol < 0x100) symbol = (symbol << 1) | this.bit(probs, base + symbol);
        dst[op++] = symbol & 0xff;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, state) !== 0) {
        if (op === 0) throw new LzmaError('repeated match before any output', this.ip);
        if (this.bit(this.isRepG0, state) === 0) {
          if (this.bit(this.isRep0Long, (state << kNumPosBitsMax) + posState) === 0) {
            state = state < 7 ? 9 : 11;
            dst[op] = dst[op - rep0 - 1]!;
            op++;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, state) === 0) {
            dist = rep1;
          } else {
            if (this.bit(this.isRepG2, state) === 0) {
              dist = rep2;
            } else {
              dist = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = dist;
        }
        len = this.length(this.repLenDec, posState);
        state = state < 7 ? 8 : 11;
      } else {
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        len = this.length(this.lenDec, posState);
        state = state < 7 ? 7 : 10;
        rep0 = this.distance(len);
        if (rep0 === 0xffffffff) {
          // The end-of-payload marker: MicroLZMA never writes it, so output must still be missing.
          throw new LzmaError(`end marker after ${op} of ${outEnd} bytes`, this.ip);
        }
      }
      if (rep0 >= op) throw new LzmaError(`match distance ${rep0 + 1} reaches before the start of the output (at ${op})`, this.ip);
      let n = len + kMatchMinLen;
      if (n > outEnd - op) {
        if (!partial) throw new LzmaError(`match of ${n} bytes runs past the ${outEnd}-byte output`, this.ip);
        n = outEnd - op;
      }
      let from = op - rep0 - 1;
      if (rep0 + 1 >= n) {
        dst.copyWithin(op, from, from + n);
        op += n;
      } else {
        for (const end = op + n; op < end; ) dst[op++] = dst[from++]!;
      }
    }
    if (!partial && this.code !== 0) throw new LzmaError('stream does not end where the output does (range coder not finished)', this.ip);
    return this.ip;
  }

  private normalize(): void {
    if (this.range < kTopValue) {
      if (this.ip >= this.src.length) throw new LzmaError('stream ends early', this.ip);
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.src[this.ip++]!) >>> 0;
    }
  }

  private bit(p: Uint16Array, i: number): number {
    this.normalize();
    const prob = p[i]!;
    const bound = (this.range >>> 11) * prob;
    if (this.code < bound) {
      this.range = bound;
      p[i] = prob + ((2048 - prob) >>> 5);
      return 0;
    }
    this.range -= bound;
    this.code -= bound;
    p[i] = prob - (prob >>> 5);
    return 1;
  }

  private tree(p: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(p, base + m);
    return m - (1 << bits);
  }

  private reverseTree(p: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(p, base + m);
      m = (m << 1) | b;
      sym |= b << i;
    }
    return sym;
  }

  private direct(bits: number): number {
    let res = 0;
    for (let i = 0; i < bits; i++) {
      this.normalize();
      this.range >>>= 1;
      let t = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        t = 1;
      }
      res = ((res << 1) | t) >>> 0;
    }
    return res;
  }

  private length(d: LenDecoder, posState: number): number {
    if (this.bit(d.choice, 0) === 0) return this.tree(d.low, posState << 3, 3);
    if (this.bit(d.choice, 1) === 0) return 8 + this.tree(d.mid, posState << 3, 3);
    return 16 + this.tree(d.high, 0, 8);
  }

  /** Returns the distance minus one (rep0), or 0xffffffff for the end marker. */
  private distance(len: number): number {
    const lenState = len < kNumLenToPosStates - 1 ? len : kNumLenToPosStates - 1;
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const numDirectBits = (slot >>> 1) - 1;
    let dist = ((2 | (slot & 1)) << numDirectBits) >>> 0;
    if (slot < kEndPosModelIndex) {
      return (dist + this.reverseTree(this.posDecoders, dist - slot - 1, numDirectBits)) >>> 0;
    }
    dist = (dist + ((this.direct(numDirectBits - kNumAlignBits) << kNumAlignBits) >>> 0)) >>> 0;
    return (dist + this.reverseTree(this.align, 0, kNumAlignBits)) >>> 0;
  }
}

/**
 * Decodes an EROFS MicroLZMA stream: byte 0 is the NOT of the properties byte, then the range
 * coder's code bytes. `dst` is filled exactly; `partial` as in LzmaDecoder.decode.
 */
export function decodeMicroLzma(decoder: LzmaDecoder, src: Uint8Array, dst: Uint8Array, partial = false): number {
  if (src.length < 5) throw new LzmaError('MicroLZMA stream shorter than 5 bytes', 0);
  const props = decodeLzmaProps(~src[0]! & 0xff);
  if (!props || props.lc + props.lp > 4) throw new LzmaError(`invalid MicroLZMA properties byte ${(~src[0]! & 0xff).toString(16)}`, 0);
  return decoder.decode(src, dst, props, partial);
}
