/**
 * Long xattr name prefixes (EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES): xattr_prefix_count records
 * starting at byte xattr_prefix_start * 4, in the packed inode's data when the image has one, in
 * the image itself otherwise. Each record is read like the kernel's erofs_read_metadata(): aligned
 * to 4 bytes, a __le16 length (0 meaning 65536), then struct erofs_xattr_long_prefix
 * { u8 base_index; char infix[]; }. An entry with e_name_index = 0x80 | i is named
 * prefix(base_index) + infix + its own suffix.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { EROFS_NAME_LEN } from './erofs_fs.ts';
import type { LongPrefix } from './xattr.ts';

export interface LongPrefixRecord extends LongPrefix {
  /** Offset of the record's length field, in the space the table lives in (image or packed inode). */
  offset: number;
  length: number;
}

/** Size of struct erofs_xattr_long_prefix without its infix. */
const LONG_PREFIX_HEAD = 1;
/** Largest record the kernel accepts: base_index + a full-length infix. */
const LONG_PREFIX_MAX = EROFS_NAME_LEN + LONG_PREFIX_HEAD;

/** Upper bound of the bytes `count` records can span, for reading the table in one go. */
export const longPrefixTableMaxBytes = (count: number): number => count * (3 + 2 + LONG_PREFIX_MAX);

export const longPrefixTableStart = (xattrPrefixStart: number): number => xattrPrefixStart * 4;

/**
 * Decodes `count` records from `bytes`, which start at `base` (the table start). Decoding stops at
 * the first bad record: the ones before it are kept and the error names the bad one's bytes. A
 * base index no prefix belongs to is kept as is; names using it fail when they are built.
 */
export function decodeLongPrefixes(bytes: Uint8Array, base: number, count: number): { prefixes: LongPrefixRecord[]; error?: DecodeError } {
  const c = new Cursor(bytes, base);
  const prefixes: LongPrefixRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      c.pos = Math.ceil(c.offset / 4) * 4 - base;
      const offset = c.offset;
      let len = c.u16('xattr_long_prefix.length');
      if (len === 0) len = 65536;
      if (len < LONG_PREFIX_HEAD || len > LONG_PREFIX_MAX) {
        throw new DecodeError(`long xattr prefix ${i} at ${hex(offset)}: length ${len} is outside 1..${LONG_PREFIX_MAX}`, offset, 2, 'erofs.xattr.long-prefix');
      }
      const baseIndex = c.u8('xattr_long_prefix.base_index');
      const infix = c.take(len - LONG_PREFIX_HEAD, 'xattr_long_prefix.infix').slice();
      prefixes.push({ baseIndex, infix, offset, length: 2 + len });
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { prefixes, error: e };
  }
  return { prefixes };
}
