/** struct CaFormatDevice: major and minor of a block or character device node. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { CA_FORMAT_HEADER_SIZE } from './caformat.ts';

export interface CaFormatDevice {
  offset: number;
  major: number;
  minor: number;
}

/** Linux's dev_t (new_encode_dev) as stat() and EROFS store it: 12-bit major, 20-bit minor. */
export const encodeDev = (major: number, minor: number): number => ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;

export function decodeDevice(record: Cursor): CaFormatDevice {
  const offset = record.offset;
  record.skip(CA_FORMAT_HEADER_SIZE, 'CaFormatDevice.header');
  const major = record.u64big('CaFormatDevice.major');
  const minor = record.u64big('CaFormatDevice.minor');
  if (major > 0xfffn || minor > 0xfffffn) {
    throw new DecodeError(`DEVICE at ${hex(offset)}: ${major}:${minor} does not fit Linux's 12-bit major and 20-bit minor`, offset + 16, 16, 'casync.device.out-of-range');
  }
  return { offset, major: Number(major), minor: Number(minor) };
}
