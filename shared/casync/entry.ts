/** struct CaFormatEntry: the stat() data that opens every node's serialization. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { CA_FORMAT_ENTRY, CA_FORMAT_ENTRY_SIZE } from './caformat.ts';
import { decodeHeader } from './header.ts';

export interface CaFormatEntry {
  offset: number;
  featureFlags: bigint;
  /** st_mode with the S_IFMT bits (fits 32 bits in every valid archive). */
  mode: number;
  /** CA_FORMAT_WITH_FLAG_* bits: chattr and FAT attributes, as feature flag bits. */
  flags: bigint;
  uid: number;
  gid: number;
  /** Nanoseconds since the epoch. */
  mtime: bigint;
  fieldRanges: Record<string, [number, number]>;
}

export function decodeEntry(c: Cursor): CaFormatEntry {
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const offset = c.offset;
  const h = decodeHeader(c);
  if (h.type !== CA_FORMAT_ENTRY) {
    throw new DecodeError(`expected an ENTRY record at ${hex(offset)}, found type 0x${h.type.toString(16)}`, offset + 8, 8, 'casync.entry.expected');
  }
  if (h.size !== CA_FORMAT_ENTRY_SIZE) {
    throw new DecodeError(`ENTRY record at ${hex(offset)} has size ${h.size}, expected ${CA_FORMAT_ENTRY_SIZE}`, offset, 8, 'casync.entry.bad-size');
  }
  const featureFlags = field('feature_flags', 8, () => c.u64big('CaFormatEntry.feature_flags'));
  const modeBig = field('mode', 8, () => c.u64big('CaFormatEntry.mode'));
  const flags = field('flags', 8, () => c.u64big('CaFormatEntry.flags'));
  const uid = field('uid', 8, () => c.u64big('CaFormatEntry.uid'));
  const gid = field('gid', 8, () => c.u64big('CaFormatEntry.gid'));
  const mtime = field('mtime', 8, () => c.u64big('CaFormatEntry.mtime'));
  for (const [name, v] of [['mode', modeBig], ['uid', uid], ['gid', gid]] as const) {
    if (v > 0xffffffffn) {
      const [at, len] = ranges[name]!;
      throw new DecodeError(`ENTRY at ${hex(offset)}: ${name} ${v} does not fit 32 bits`, at, len, 'casync.entry.out-of-range');
    }
  }
  return { offset, featureFlags, mode: Number(modeBig), flags, uid: Number(uid), gid: Number(gid), mtime, fieldRanges: ranges };
}
