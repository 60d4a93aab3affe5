/**
 * struct CaFormatFCaps (the security.capability xattr in Linux disk format, with
 * CA_FORMAT_WITH_FCAPS) and the quota project id record (CA_FORMAT_WITH_QUOTA_PROJID).
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { CA_FORMAT_HEADER_SIZE } from './caformat.ts';
import { bodyOf } from './header.ts';

export const decodeFcaps = (record: Cursor): Uint8Array => {
  const body = bodyOf(record);
  return body.take(body.remaining, 'CaFormatFCaps.data');
};

export function decodeQuotaProjid(record: Cursor): number {
  const offset = record.offset;
  if (record.bytes.length !== CA_FORMAT_HEADER_SIZE + 8) {
    throw new DecodeError(`QUOTA_PROJID at ${hex(offset)} has size ${record.bytes.length}, expected 24`, offset, 8, 'casync.record.bad-size');
  }
  record.skip(CA_FORMAT_HEADER_SIZE, 'CaFormatQuotaProjID.header');
  const v = record.u64big('CaFormatQuotaProjID.projid');
  if (v > 0xffffffffn) throw new DecodeError(`QUOTA_PROJID at ${hex(offset)}: ${v} does not fit 32 bits`, offset + 16, 8, 'casync.record.out-of-range');
  return Number(v);
}
