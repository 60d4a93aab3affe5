/** struct CaFormatXAttr: one extended attribute, "name\0value" (value may hold any bytes). */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { Xattr } from '../model.ts';
import { bodyOf } from './header.ts';

export function decodeXattr(record: Cursor): Xattr {
  const offset = record.offset;
  const body = bodyOf(record);
  const bytes = body.take(body.remaining, 'CaFormatXAttr.name_and_value');
  const nul = bytes.indexOf(0);
  if (nul <= 0 || nul > 255) {
    throw new DecodeError(
      `XATTR at ${hex(offset)}: ${nul < 0 ? 'the name is not NUL-terminated' : nul === 0 ? 'the name is empty' : `the name is ${nul} bytes, more than 255`}`,
      offset + 16,
      bytes.length,
      'casync.xattr.bad-name',
    );
  }
  return {
    name: bytes.subarray(0, nul),
    value: bytes.subarray(nul + 1),
    range: { label: 'XATTR record', offset, length: record.bytes.length },
  };
}
