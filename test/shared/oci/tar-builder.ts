/**
 * Hand-built tar archives for unit tests: exact control over every header field, including the
 * broken ones GNU tar would never write.
 */
import { concatBytes } from '../../../shared/model.ts';
export type Bytes = Uint8Array;
const enc = new TextEncoder();
const bytes = (v: string | Bytes): Bytes => (typeof v === 'string' ? enc.encode(v) : v);

export const concat: (...parts: Bytes[]) => Bytes = concatBytes;

export const zeros = (n: number): Bytes => new Uint8Array(n);
const pad512 = (b: Bytes): Bytes => concat(b, zeros((512 - (b.length % 512)) % 512));

export interface HeaderFields {
  name?: string | Bytes;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  typeflag?: string;
  linkname?: string | Bytes;
  dialect?: 'ustar' | 'gnu' | 'v7';
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  prefix?: string;
  /** Raw bytes for a field instead of the octal encoding (base-256, garbage). */
  raw?: Partial<Record<'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'devmajor' | 'devminor', Bytes>>;
}

const FIELD = { mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12], devmajor: [329, 8], devminor: [337, 8] } as const;

const octal = (v: number, width: number): Bytes => enc.encode(v.toString(8).padStart(width - 1, '0') + '\0');

/** Writes the checksum field from the block's current bytes. */
export function fixChecksum(block: Bytes): Bytes {
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return block;
}

export function header(f: HeaderFields): Bytes {
  const b = new Uint8Array(512);
  b.set(bytes(f.name ?? 'file').subarray(0, 100), 0);
  const nums = { mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, size: f.size ?? 0, mtime: f.mtime ?? 1_700_000_000, devmajor: f.devmajor ?? 0, devminor: f.devminor ?? 0 };
  for (const [k, [off, width]] of Object.entries(FIELD) as [keyof typeof FIELD, readonly [number, number]][]) {
    b.set(f.raw?.[k] ?? octal(nums[k], width), off);
  }
  b[156] = (f.typeflag ?? '0').charCodeAt(0);
  b.set(bytes(f.linkname ?? '').subarray(0, 100), 157);
  const dialect = f.dialect ?? 'ustar';
  if (dialect === 'ustar') b.set(enc.encode('ustar\u000000'), 257);
  if (dialect === 'gnu') b.set(enc.encode('ustar  \u0000'), 257);
  b.set(enc.encode(f.uname ?? 'root'), 265);
  b.set(enc.encode(f.gname ?? 'root'), 297);
  if (f.prefix) b.set(enc.encode(f.prefix), 345);
  return fixChecksum(b);
}

/** A header plus its data padded to the block size; size defaults to the data's length. */
export function entry(f: HeaderFields, data: string | Bytes = ''): Bytes {
  const d = bytes(data);
  return concat(header({ size: d.length, ...f }), pad512(d));
}

/** One pax record with its self-counting length. */
export function paxRecord(key: string, value: string | Bytes): Bytes {
  const body = concat(enc.encode(` ${key}=`), bytes(value), enc.encode('\n'));
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return concat(enc.encode(String(len)), body);
}

/** A pax extended header ('x') or global header ('g') carrying the given records or raw bytes. */
export function pax(records: Record<string, string | Bytes> | Bytes, typeflag = 'x'): Bytes {
  const data = records instanceof Uint8Array ? records : concat(...Object.entries(records).map(([k, v]) => paxRecord(k, v)));
  return entry({ name: 'PaxHeaders/x', typeflag }, data);
}

/** A GNU ././@LongLink member ('L' name, 'K' link target). */
export function gnuLong(value: string, typeflag: 'L' | 'K'): Bytes {
  return entry({ name: '././@LongLink', typeflag, dialect: 'gnu' }, concat(enc.encode(value), zeros(1)));
}

export const END = zeros(1024);
export const tar = (...members: Bytes[]): Bytes => concat(...members, END);

/** Base-256 encoding of a (possibly negative) integer in `width` bytes. */
export function base256(v: number, width: number): Bytes {
  const out = new Uint8Array(width);
  let x = BigInt(v);
  if (x < 0n) x += 1n << BigInt(8 * width);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  out[0] = v < 0 ? 0xff : 0x80 | out[0]!;
  return out;
}
