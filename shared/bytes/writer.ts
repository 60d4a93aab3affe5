/**
 * An output buffer of bytes for large listings: lines are formatted straight into one reused
 * Uint8Array and handed to a sink (which must consume them synchronously) once it holds
 * `flushAt` bytes, so a 200,000-line dump makes neither a string per line nor a join at the end.
 */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(
    private readonly sink?: (bytes: Uint8Array) => void,
    private readonly flushAt = 1 << 16,
  ) {
    this.buf = new Uint8Array(sink ? flushAt * 2 : 256);
  }

  /** Room for n more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  byte(c: number): void {
    if (this.len === this.buf.length) this.ensure(1);
    this.buf[this.len++] = c;
  }

  /** A string whose characters are all < 256, one byte each (latin1). */
  latin1(s: string): void {
    this.ensure(s.length);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.len = p;
  }

  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
  }

  /** A non-negative integer in decimal; anything else as JavaScript prints it. */
  dec(n: number): void {
    if (!(n >= 0 && n < 0x100000000 && n === Math.floor(n))) return this.latin1(String(n));
    this.ensure(10);
    const b = this.buf;
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.len + digits;
    this.len = p;
    do {
      b[--p] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** A non-negative integer in octal (file modes). */
  oct(n: number): void {
    if (!(n >= 0 && n < 0x100000000 && n === Math.floor(n))) return this.latin1(n.toString(8));
    this.ensure(11);
    const b = this.buf;
    let digits = 1;
    for (let t = n >>> 3; t > 0; t >>>= 3) digits++;
    let p = this.len + digits;
    this.len = p;
    do {
      b[--p] = 0x30 + (n & 7);
      n >>>= 3;
    } while (n > 0);
  }

  /** Lower-case hex of bytes. */
  hex(v: Uint8Array): void {
    this.ensure(v.length * 2);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      b[p++] = HEX[x >> 4]!;
      b[p++] = HEX[x & 15]!;
    }
    this.len = p;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Hands the buffer to the sink once it is full enough (call at line ends). */
  maybeFlush(): void {
    if (this.len >= this.flushAt) this.flush();
  }

  flush(): void {
    if (this.len === 0 || !this.sink) return;
    this.sink(this.buf.subarray(0, this.len));
    this.len = 0;
  }
}

const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));
