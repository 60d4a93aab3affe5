/** struct CaFormatFilename: the name of the next directory entry, before its ENTRY. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { bodyOf, decodeCString } from './header.ts';

export interface CaFormatFilename {
  offset: number;
  size: number;
  name: Uint8Array;
}

/** `record` spans the whole FILENAME record. Names are single path components: no "/", not "." or "..", not empty. */
export function decodeFilename(record: Cursor): CaFormatFilename {
  const offset = record.offset;
  const name = decodeCString(bodyOf(record), 'FILENAME name');
  const bad =
    name.length === 0 ? 'is empty'
    : name.includes(0x2f) ? 'contains "/"'
    : (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) ? 'is "." or ".."'
    : undefined;
  if (bad) throw new DecodeError(`FILENAME at ${hex(offset)} ${bad}: a name must be one path component`, offset + 16, record.bytes.length - 16, 'casync.filename.invalid');
  return { offset, size: record.bytes.length, name };
}
