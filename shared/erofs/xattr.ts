/**
 * struct erofs_xattr_ibody_header, struct erofs_xattr_entry, shared xattrs, and the xattr name
 * bloom filter (h_name_filter, xxh32-based).
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  EROFS_XATTR_ENTRY_SIZE,
  EROFS_XATTR_FILTER_BITS,
  EROFS_XATTR_FILTER_DEFAULT,
  EROFS_XATTR_FILTER_SEED,
  EROFS_XATTR_IBODY_HEADER_SIZE,
  EROFS_XATTR_LONG_PREFIX,
  EROFS_XATTR_LONG_PREFIX_MASK,
  XATTR_PREFIXES,
} from './erofs_fs.ts';
import type { Xattr } from '../model.ts';
import { BUDGETS } from '../budgets.ts';

export interface IbodyHeader {
  offset: number;
  nameFilter: number;
  sharedCount: number;
  sharedIds: number[];
}

export interface XattrEntry {
  offset: number;
  /** Total size including alignment padding. */
  size: number;
  nameIndex: number;
  /** Name suffix after the prefix. */
  suffix: Uint8Array;
  value: Uint8Array;
}

const enc = new TextEncoder();
const PREFIX_BYTES: Record<number, Uint8Array> = Object.fromEntries(
  Object.entries(XATTR_PREFIXES).map(([k, v]) => [k, enc.encode(v)]),
);

export function decodeIbodyHeader(c: Cursor): IbodyHeader {
  const offset = c.offset;
  const nameFilter = c.u32('xattr_ibody_header.h_name_filter');
  const sharedCount = c.u8('xattr_ibody_header.h_shared_count');
  c.skip(7, 'xattr_ibody_header.h_reserved2');
  const sharedIds: number[] = [];
  for (let i = 0; i < sharedCount; i++) sharedIds.push(c.u32('xattr_ibody_header.h_shared_xattrs'));
  return { offset, nameFilter, sharedCount, sharedIds };
}

/** Decodes one xattr entry and skips its padding to the next 4-byte boundary. */
export function decodeXattrEntry(c: Cursor): XattrEntry {
  const offset = c.offset;
  const nameLen = c.u8('xattr_entry.e_name_len');
  const nameIndex = c.u8('xattr_entry.e_name_index');
  const valueSize = c.u16('xattr_entry.e_value_size');
  const suffix = c.take(nameLen, 'xattr_entry.e_name');
  const value = c.take(valueSize, 'xattr_entry.value');
  const raw = EROFS_XATTR_ENTRY_SIZE + nameLen + valueSize;
  const size = (raw + 3) & ~3;
  // Padding may be cut short by the end of the area; the kernel tolerates that for the last entry.
  c.pos = Math.min(c.bytes.length, c.pos + (size - raw));
  return { offset, size, nameIndex, suffix, value };
}

export interface LongPrefix {
  baseIndex: number;
  infix: Uint8Array;
}

/** Full attribute name = prefix for e_name_index + suffix. Unknown indexes are an error. */
export function xattrFullName(e: XattrEntry, longPrefixes: LongPrefix[] = [], alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array {
  let prefix: Uint8Array | undefined;
  if (e.nameIndex & EROFS_XATTR_LONG_PREFIX) {
    const lp = longPrefixes[e.nameIndex & EROFS_XATTR_LONG_PREFIX_MASK];
    const base = lp && PREFIX_BYTES[lp.baseIndex];
    if (lp && base) {
      prefix = new Uint8Array(base.length + lp.infix.length);
      prefix.set(base);
      prefix.set(lp.infix, base.length);
    }
  } else {
    prefix = e.nameIndex === 0 ? new Uint8Array(0) : PREFIX_BYTES[e.nameIndex];
  }
  if (!prefix) {
    throw new DecodeError(
      `xattr entry at ${hex(e.offset)}: unknown name index ${e.nameIndex}`,
      e.offset + 1,
      1,
      'erofs.xattr.prefix',
    );
  }
  const out = alloc(prefix.length + e.suffix.length);
  out.set(prefix);
  out.set(e.suffix, prefix.length);
  return out;
}

export function entryToXattr(e: XattrEntry, shared: boolean, longPrefixes?: LongPrefix[], alloc?: (n: number) => Uint8Array): Xattr {
  return {
    name: xattrFullName(e, longPrefixes, alloc),
    value: e.value,
    shared,
    range: { label: shared ? 'shared xattr' : 'xattr', offset: e.offset, length: e.size },
  };
}

/** Decodes the inline entries of an inode's xattr area (after header and shared ids). */
export function decodeInlineEntries(area: Cursor): XattrEntry[] {
  const out: XattrEntry[] = [];
  // An entry needs at least its 4-byte header; less than that left is padding.
  while (area.remaining >= EROFS_XATTR_ENTRY_SIZE) {
    const before = area.pos;
    if (out.length >= BUDGETS.xattrsPerInode) {
      throw new DecodeError(
        `the xattr area holds more than ${BUDGETS.xattrsPerInode} entries, the inspector's budget of xattrs per inode (BUDGETS.xattrsPerInode)`,
        area.base + before,
        area.remaining,
        'budget.xattrs-per-inode',
      );
    }
    out.push(decodeXattrEntry(area));
    if (area.pos === before) break;
  }
  return out;
}

export const ibodyEntriesStart = (h: IbodyHeader): number => EROFS_XATTR_IBODY_HEADER_SIZE + h.sharedCount * 4;

/* xxh32, as used by the kernel (lib/xxhash.c) for the xattr name filter. */
const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;
const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const rd32 = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
const round = (acc: number, input: number) => Math.imul(rotl((acc + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0;

export function xxh32(data: Uint8Array, seed: number): number {
  const len = data.length;
  let p = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    const limit = len - 16;
    do {
      v1 = round(v1, rd32(data, p)); p += 4;
      v2 = round(v2, rd32(data, p)); p += 4;
      v3 = round(v3, rd32(data, p)); p += 4;
      v4 = round(v4, rd32(data, p)); p += 4;
    } while (p <= limit);
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + len) >>> 0;
  while (p + 4 <= len) {
    h = Math.imul(rotl((h + Math.imul(rd32(data, p), P3)) >>> 0, 17), P4) >>> 0;
    p += 4;
  }
  while (p < len) {
    h = Math.imul(rotl((h + Math.imul(data[p]!, P5)) >>> 0, 11), P1) >>> 0;
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The h_name_filter value an inode with these entries must carry (bit set = name absent). */
export function expectedNameFilter(entries: { nameIndex: number; suffix: Uint8Array }[]): number {
  let bits = 0;
  for (const e of entries) {
    const bit = xxh32(e.suffix, (EROFS_XATTR_FILTER_SEED + e.nameIndex) >>> 0) & (EROFS_XATTR_FILTER_BITS - 1);
    bits = (bits | (1 << bit)) >>> 0;
  }
  return (EROFS_XATTR_FILTER_DEFAULT & ~bits) >>> 0;
}
