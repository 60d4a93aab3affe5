/** struct CaFormatIndex: the 48-byte header of a .caidx (archive index) or .caibx (blob index). */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { CA_FORMAT_INDEX, CA_FORMAT_INDEX_SIZE } from './caformat.ts';
import { decodeHeader } from './header.ts';

export interface CaFormatIndex {
  featureFlags: bigint;
  chunkSizeMin: number;
  chunkSizeAvg: number;
  chunkSizeMax: number;
  fieldRanges: Record<string, [number, number]>;
}

/** Chunks beyond this are refused whatever the index claims: the reader holds a chunk in memory. */
export const CHUNK_SIZE_LIMIT = 64 << 20;

export function decodeIndex(c: Cursor): CaFormatIndex {
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const h = decodeHeader(c);
  if (h.type !== CA_FORMAT_INDEX || h.size !== CA_FORMAT_INDEX_SIZE) {
    throw new DecodeError(`not a casync index: the first record is not a ${CA_FORMAT_INDEX_SIZE}-byte INDEX`, 0, 16, 'casync.index.bad-header');
  }
  const featureFlags = field('feature_flags', 8, () => c.u64big('CaFormatIndex.feature_flags'));
  const sizes = (['chunk_size_min', 'chunk_size_avg', 'chunk_size_max'] as const).map((name) => {
    const at = c.offset;
    const v = field(name, 8, () => c.u64big(`CaFormatIndex.${name}`));
    if (v === 0n || v > BigInt(CHUNK_SIZE_LIMIT)) {
      throw new DecodeError(`${name} is ${v}: chunk sizes must lie between 1 and ${CHUNK_SIZE_LIMIT}`, at, 8, 'casync.index.bad-header');
    }
    return Number(v);
  });
  const [min, avg, max] = sizes as [number, number, number];
  if (!(min <= avg && avg <= max)) {
    throw new DecodeError(`chunk sizes min ${min}, avg ${avg}, max ${max} are not in order`, ranges.chunk_size_min![0], 24, 'casync.index.bad-header');
  }
  return { featureFlags, chunkSizeMin: min, chunkSizeAvg: avg, chunkSizeMax: max, fieldRanges: ranges };
}

