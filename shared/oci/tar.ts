/**
 * The tar header block (POSIX ustar, GNU and v7 dialects) and the numeric and string fields in it.
 * Field names and type flags follow GNU tar's tar.h; offsets are those of `struct posix_header`
 * and `struct oldgnu_header`.
 */
import { Cursor } from '../bytes/cursor.ts';

export const BLOCKSIZE = 512;

// Type flags (tar.h).
export const REGTYPE = 0x30; // '0'
export const AREGTYPE = 0x00; // '\0', pre-POSIX regular file
export const LNKTYPE = 0x31; // '1'
export const SYMTYPE = 0x32; // '2'
export const CHRTYPE = 0x33; // '3'
export const BLKTYPE = 0x34; // '4'
export const DIRTYPE = 0x35; // '5'
export const FIFOTYPE = 0x36; // '6'
export const CONTTYPE = 0x37; // '7', contiguous file: a regular file everywhere that matters
export const XHDTYPE = 0x78; // 'x', pax extended header for the next member
export const XGLTYPE = 0x67; // 'g', pax global extended header
export const GNUTYPE_DUMPDIR = 0x44; // 'D'
export const GNUTYPE_LONGLINK = 0x4b; // 'K'
export const GNUTYPE_LONGNAME = 0x4c; // 'L'
export const GNUTYPE_MULTIVOL = 0x4d; // 'M'
export const GNUTYPE_SPARSE = 0x53; // 'S'
export const GNUTYPE_VOLHDR = 0x56; // 'V'

export const TMAGIC = 'ustar\0';
export const OLDGNU_MAGIC = 'ustar  \0'; // magic and version fields together

/** Sparse entries in an old-GNU header and in each of its extension blocks. */
export const SPARSES_IN_OLDGNU_HEADER = 4;
export const SPARSES_IN_SPARSE_HEADER = 21;

export type HeaderDialect = 'ustar' | 'gnu' | 'v7';

export interface SparseSegment {
  /** Offset in the file. */
  offset: number;
  /** Bytes of data stored for it. */
  length: number;
}

/** A field that could not be decoded: where, and why. */
export interface FieldProblem {
  field: string;
  offset: number;
  length: number;
  message: string;
}

/** The fields of one 512-byte header block, decoded but not yet combined with extended headers. */
export interface RawHeader {
  offset: number;
  dialect: HeaderDialect;
  /** name, or prefix/name for POSIX ustar; bytes up to the first NUL. */
  name: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname: Uint8Array;
  /** Absolute offset of the linkname field, for the symlink target's byte range. */
  linknameOffset: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Old-GNU sparse files: the map in the header, whether extension blocks follow, the real size. */
  gnuSparse?: { segments: SparseSegment[]; isextended: boolean; realsize: number };
  problems: FieldProblem[];
}

/** Short header text fields (names, magic) as Latin-1; cheaper than a TextDecoder call per field. */
const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
};

/** The bytes of a NUL-terminated field (a field that fills its width has no NUL). */
export function cstring(field: Uint8Array): Uint8Array {
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

export const isZeroBlock = (block: Uint8Array): boolean => block.every((b) => b === 0);

/**
 * The checksum a header should carry: the sum of its bytes with the chksum field read as spaces.
 * Historic tars summed signed chars, so both sums are accepted.
 */
export function computeChecksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCKSIZE; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return { unsigned, signed };
}

export type NumericResult = { value: number } | { error: string };

/**
 * A numeric header field: octal ASCII (leading spaces, ended by space or NUL), or GNU/star
 * base-256 when the first byte has its high bit set (0x80 positive, 0xff negative).
 */
export function parseNumeric(field: Uint8Array): NumericResult {
  if (field.length > 0 && field[0]! & 0x80) {
    // Two's complement over the field with the marker bit removed; bit 0x40 is the sign.
    let v = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i]!);
    if (field[0]! & 0x40) v -= 1n << BigInt(8 * field.length - 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      return { error: `base-256 value ${v} is beyond the exact range of a double` };
    }
    return { value: Number(v) };
  }
  let i = 0;
  while (i < field.length && field[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const c = field[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return { error: `byte 0x${c.toString(16)} where an octal digit was expected` };
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < field.length; i++) {
    if (field[i] !== 0 && field[i] !== 0x20) return { error: 'characters after the number\'s terminator' };
  }
  if (!Number.isSafeInteger(value)) return { error: `${digits}-digit octal value is beyond the exact range of a double` };
  return { value };
}

/** The stored checksum, as the header claims it. */
export function storedChecksum(block: Uint8Array): NumericResult {
  return parseNumeric(block.subarray(148, 156));
}

function dialectOf(magicAndVersion: Uint8Array): HeaderDialect {
  const s = latin1(magicAndVersion);
  if (s === OLDGNU_MAGIC) return 'gnu';
  if (s.startsWith(TMAGIC)) return 'ustar';
  return 'v7';
}

/**
 * Decodes one header block at absolute offset `offset`. Numeric fields that do not parse are
 * read as 0 and listed in `problems`; the caller decides whether the member is still usable.
 */
export function decodeHeader(block: Uint8Array, offset: number): RawHeader {
  const c = new Cursor(block, offset);
  const problems: FieldProblem[] = [];
  const num = (width: number, field: string): number => {
    const at = c.offset;
    const r = parseNumeric(c.take(width, field));
    if ('error' in r) {
      problems.push({ field, offset: at, length: width, message: `${field}: ${r.error}` });
      return 0;
    }
    return r.value;
  };
  const name = cstring(c.take(100, 'name'));
  const mode = num(8, 'mode');
  const uid = num(8, 'uid');
  const gid = num(8, 'gid');
  const size = num(12, 'size');
  const mtime = num(12, 'mtime');
  c.skip(8, 'chksum');
  const typeflag = c.u8('typeflag');
  const linknameOffset = c.offset;
  const linkname = cstring(c.take(100, 'linkname'));
  const dialect = dialectOf(c.take(8, 'magic+version'));
  const uname = latin1(cstring(c.take(32, 'uname')));
  const gname = latin1(cstring(c.take(32, 'gname')));
  // v7 headers end at the linkname; their device fields are unused bytes, commonly zero.
  const devmajor = dialect === 'v7' ? (c.skip(8), 0) : num(8, 'devmajor');
  const devminor = dialect === 'v7' ? (c.skip(8), 0) : num(8, 'devminor');
  const header: RawHeader = {
    offset, dialect, name, mode, uid, gid, size, mtime, typeflag, linkname, linknameOffset,
    uname, gname, devmajor, devminor, problems,
  };
  if (dialect === 'ustar') {
    const prefix = cstring(c.take(155, 'prefix'));
    if (prefix.length > 0) {
      const full = new Uint8Array(prefix.length + 1 + name.length);
      full.set(prefix);
      full[prefix.length] = 0x2f;
      full.set(name, prefix.length + 1);
      header.name = full;
    }
  } else if (dialect === 'gnu' && typeflag === GNUTYPE_SPARSE) {
    c.skip(12 + 12 + 12 + 4 + 1, 'atime ctime offset longnames unused');
    const segments = decodeSparseEntries(c, SPARSES_IN_OLDGNU_HEADER, problems);
    const isextended = c.u8('isextended') !== 0;
    const realsize = num(12, 'realsize');
    header.gnuSparse = { segments, isextended, realsize };
  }
  return header;
}

/** `count` (offset, numbytes) pairs of 12-byte numeric fields; an all-zero pair ends the list. */
export function decodeSparseEntries(c: Cursor, count: number, problems: FieldProblem[]): SparseSegment[] {
  const out: SparseSegment[] = [];
  let ended = false;
  for (let i = 0; i < count; i++) {
    const at = c.offset;
    const off = c.take(12, 'sparse.offset');
    const len = c.take(12, 'sparse.numbytes');
    if (ended || (off[0] === 0 && len[0] === 0)) {
      ended = true;
      continue;
    }
    const o = parseNumeric(off);
    const n = parseNumeric(len);
    if ('error' in o || 'error' in n) {
      problems.push({ field: 'sparse', offset: at, length: 24, message: `sparse entry ${i}: ${'error' in o ? o.error : (n as { error: string }).error}` });
      ended = true;
      continue;
    }
    out.push({ offset: o.value, length: n.value });
  }
  return out;
}

/** Decodes an old-GNU sparse extension block: 21 more entries and its own isextended flag. */
export function decodeSparseExtension(block: Uint8Array, offset: number): { segments: SparseSegment[]; isextended: boolean; problems: FieldProblem[] } {
  const c = new Cursor(block, offset);
  const problems: FieldProblem[] = [];
  const segments = decodeSparseEntries(c, SPARSES_IN_SPARSE_HEADER, problems);
  const isextended = c.u8('isextended') !== 0;
  return { segments, isextended, problems };
}
