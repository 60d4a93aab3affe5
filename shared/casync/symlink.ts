/** struct CaFormatSymlink: the target of a symbolic link, NUL-terminated. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { bodyOf, decodeCString } from './header.ts';

export interface CaFormatSymlink {
  offset: number;
  target: Uint8Array;
}

export function decodeSymlink(record: Cursor): CaFormatSymlink {
  const offset = record.offset;
  const target = decodeCString(bodyOf(record), 'SYMLINK target');
  if (target.length === 0) throw new DecodeError(`SYMLINK at ${hex(offset)} has an empty target`, offset, record.bytes.length, 'casync.symlink.empty');
  return { offset, target };
}
