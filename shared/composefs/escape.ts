/**
 * composefs-dump(5) escaping, as composefs-info prints: backslash, \n, \r, \t as themselves, other
 * bytes outside isgraph (or isprint where spaces may stay) as \xNN, '=' as \x3d in xattrs, and a
 * lone '-' as \x2d where '-' means "none".
 */
import type { ByteWriter } from '../bytes/writer.ts';

export const ESCAPE_STANDARD = 0;
export const NOESCAPE_SPACE = 1 << 0;
export const ESCAPE_EQUAL = 1 << 1;
export const ESCAPE_LONE_DASH = 1 << 2;

const HEX = '0123456789abcdef';

/** How each byte is written: 0 as itself, 1 as \xNN, or the two-byte escape (\\ \n \r \t). */
function escapeTable(flags: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if (flags & NOESCAPE_SPACE ? c < 0x20 || c > 0x7e : c <= 0x20 || c > 0x7e) t[c] = 1;
  }
  t[0x5c] = 0x5c;
  t[0x0a] = 0x6e; // n
  t[0x0d] = 0x72; // r
  t[0x09] = 0x74; // t
  if (flags & ESCAPE_EQUAL) t[0x3d] = 1;
  return t;
}
const TABLES = [0, 1, 2, 3, 4, 5, 6, 7].map(escapeTable);
const HEX_BYTES = new Uint8Array([...HEX].map((c) => c.charCodeAt(0)));

/** escapeBytes written straight into a ByteWriter (the same bytes, no string). */
export function writeEscaped(w: ByteWriter, val: Uint8Array, flags: number): void {
  if (flags & ESCAPE_LONE_DASH && val.length === 1 && val[0] === 0x2d) return w.latin1('\\x2d');
  const t = TABLES[flags & 7]!;
  w.ensure(val.length * 4);
  const b = w.buf;
  let p = w.len;
  for (let i = 0; i < val.length; i++) {
    const c = val[i]!;
    const k = t[c]!;
    if (k === 0) b[p++] = c;
    else if (k === 1) {
      b[p++] = 0x5c;
      b[p++] = 0x78;
      b[p++] = HEX_BYTES[c >> 4]!;
      b[p++] = HEX_BYTES[c & 15]!;
    } else {
      b[p++] = 0x5c;
      b[p++] = k;
    }
  }
  w.len = p;
}

/** Returns a latin1 string (one char per output byte) so output can be written byte-exact. */
export function escapeBytes(val: Uint8Array, flags: number): string {
  if (flags & ESCAPE_LONE_DASH && val.length === 1 && val[0] === 0x2d) return '\\x2d';
  const noescapeSpace = (flags & NOESCAPE_SPACE) !== 0;
  const escapeEqual = (flags & ESCAPE_EQUAL) !== 0;
  let s = '';
  let run = 0; // start of a run of bytes that need no escaping
  for (let i = 0; i < val.length; i++) {
    const c = val[i]!;
    let rep: string | undefined;
    if (c === 0x5c) rep = '\\\\';
    else if (c === 0x0a) rep = '\\n';
    else if (c === 0x0d) rep = '\\r';
    else if (c === 0x09) rep = '\\t';
    else if (c === 0x3d) rep = escapeEqual ? '\\x3d' : undefined;
    else if (noescapeSpace ? c < 0x20 || c > 0x7e : c <= 0x20 || c > 0x7e) rep = '\\x' + HEX[c >> 4] + HEX[c & 15];
    if (rep !== undefined) {
      if (i > run) s += ascii(val, run, i);
      s += rep;
      run = i + 1;
    }
  }
  if (run === 0) return ascii(val, 0, val.length);
  if (run < val.length) s += ascii(val, run, val.length);
  return s;
}

/** Unescaped runs are printable ASCII by construction; short ones are cheapest built by hand. */
const asciiDecoder = new TextDecoder('utf-8');
function ascii(b: Uint8Array, from: number, to: number): string {
  if (to - from > 24) return asciiDecoder.decode(b.subarray(from, to));
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Bytes as a latin1 string (one char per byte), in chunks that stay within argument limits. */
export function latin1(b: Uint8Array): string {
  if (b.length <= 4096) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/** C strings stop at the first NUL: composefs-info prints paths and payloads with strlen(). */
export function cstr(b: Uint8Array): Uint8Array {
  const z = b.indexOf(0);
  return z < 0 ? b : b.subarray(0, z);
}
