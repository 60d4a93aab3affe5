/** struct CaFormatHeader: every catar record and both index objects begin with it. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { CA_FORMAT_HEADER_SIZE, recordTypeName } from './caformat.ts';

export interface CaFormatHeader {
  /** Absolute offset of the record. */
  offset: number;
  /** le64 size of the whole record, header included (exact: callers bound it before use). */
  size: number;
  type: bigint;
}

const MAX_RECORD = Number.MAX_SAFE_INTEGER;

/** Reads size and type; a size smaller than the header itself, or past 2^53, cannot be walked over. */
export function decodeHeader(c: Cursor): CaFormatHeader {
  const offset = c.offset;
  const size = c.u64big('CaFormatHeader.size');
  const type = c.u64big('CaFormatHeader.type');
  if (size < BigInt(CA_FORMAT_HEADER_SIZE) || size > BigInt(MAX_RECORD)) {
    throw new DecodeError(
      `${recordTypeName(type)} record at ${hex(offset)} claims a size of ${size} bytes, ${size < 16n ? 'less than its own 16-byte header' : 'more than any file can hold'}`,
      offset,
      8,
      'casync.record.bad-size',
    );
  }
  return { offset, size: Number(size), type };
}

/** The record's body (after the header) as a cursor at its absolute offset. */
export const bodyOf = (record: Cursor): Cursor => record.slice(CA_FORMAT_HEADER_SIZE, record.bytes.length - CA_FORMAT_HEADER_SIZE, 'record body');

/**
 * A NUL-terminated string filling a record body (FILENAME, USER, GROUP, SYMLINK, SELINUX): exactly
 * one NUL, at the end. Returns the bytes without it.
 */
export function decodeCString(body: Cursor, what: string): Uint8Array {
  const start = body.offset;
  const bytes = body.take(body.remaining, what);
  const nul = bytes.indexOf(0);
  if (nul !== bytes.length - 1) {
    throw new DecodeError(
      nul < 0
        ? `${what} at ${hex(start)} is not NUL-terminated`
        : `${what} at ${hex(start)} has a NUL at byte ${nul} of ${bytes.length}: the string must end there`,
      start,
      bytes.length,
      'casync.record.bad-string',
    );
  }
  return bytes.subarray(0, nul);
}
