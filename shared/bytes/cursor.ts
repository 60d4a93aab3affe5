/**
 * A bounds-checked little-endian reader that knows the absolute image offset of every byte it
 * reads, so any decode error can name the exact range it concerns.
 */

/** Thrown by the format core when bytes cannot be decoded; always carries the range it concerns. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
    readonly code: string = 'decode.out-of-bounds',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

export const hex = (n: number): string => '0x' + n.toString(16);

export class Cursor {
  /** `base` is the absolute offset in the image of `bytes[0]`. */
  constructor(
    readonly bytes: Uint8Array,
    readonly base: number,
    public pos = 0,
  ) {}

  /** Absolute offset of the next byte to be read. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): number {
    const p = this.pos;
    if (p < 0 || n < 0 || p + n > this.bytes.length) {
      throw new DecodeError(
        `${field}: needs ${n} bytes at ${hex(this.base + p)}, only ${Math.max(0, this.bytes.length - p)} available`,
        this.base + p,
        n,
      );
    }
    this.pos = p + n;
    return p;
  }

  u8(field: string): number {
    return this.bytes[this.need(1, field)]!;
  }

  u16(field: string): number {
    const p = this.need(2, field);
    return this.bytes[p]! | (this.bytes[p + 1]! << 8);
  }

  u32(field: string): number {
    const p = this.need(4, field);
    const b = this.bytes;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }

  /** 64-bit unsigned as a JS number; exact up to 2^53, callers validate larger values. */
  u64(field: string): number {
    const lo = this.u32(field);
    const hi = this.u32(field);
    return hi * 0x100000000 + lo;
  }

  /** 64-bit unsigned, exact. */
  u64big(field: string): bigint {
    const lo = this.u32(field);
    const hi = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** 64-bit signed, as a JS number (exact within ±2^53). */
  i64(field: string): number {
    const lo = this.u32(field);
    const hi = this.u32(field);
    const shi = hi >= 0x80000000 ? hi - 0x100000000 : hi;
    return shi * 0x100000000 + lo;
  }

  /** A view (not a copy) of the next n bytes. */
  take(n: number, field: string): Uint8Array {
    const p = this.need(n, field);
    return this.bytes.subarray(p, p + n);
  }

  skip(n: number, field = 'padding'): void {
    this.need(n, field);
  }

  /** A new cursor over `length` bytes starting at relative position `pos`, sharing the buffer. */
  slice(pos: number, length: number, field: string): Cursor {
    if (pos < 0 || length < 0 || pos + length > this.bytes.length) {
      throw new DecodeError(`${field}: range ${hex(this.base + pos)}+${length} lies outside the data read`, this.base + pos, length);
    }
    return new Cursor(this.bytes.subarray(pos, pos + length), this.base + pos);
  }
}

/** Read a u32 from a buffer without a cursor (hot paths that already checked bounds). */
export const le32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
export const le16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
