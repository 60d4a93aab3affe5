/**
 * struct CaFormatGoodbye: closes a directory. Its items form a binary search tree over the
 * SipHash-2-4 of the entry names, laid out in an array (item i's children at 2i+1 and 2i+2;
 * camakebst.c), so a reader can look a name up without walking the directory; the tail points
 * back at the directory's ENTRY.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  CA_FORMAT_GOODBYE,
  CA_FORMAT_GOODBYE_ITEM_SIZE,
  CA_FORMAT_GOODBYE_TAIL_MARKER,
  CA_FORMAT_GOODBYE_TAIL_SIZE,
  CA_FORMAT_HEADER_SIZE,
} from './caformat.ts';
import { decodeHeader } from './header.ts';

export interface CaFormatGoodbyeItem {
  /** Absolute offset of the item in the archive. */
  at: number;
  /** Distance back from the GOODBYE record to the entry's FILENAME record. */
  offset: bigint;
  /** Size of the entry's whole serialization, FILENAME included. */
  size: bigint;
  hash: bigint;
}

export interface CaFormatGoodbyeTail {
  at: number;
  /** Distance back from the GOODBYE record to the directory's ENTRY. */
  entryOffset: bigint;
  size: bigint;
  marker: bigint;
}

export interface CaFormatGoodbye {
  offset: number;
  size: number;
  items: CaFormatGoodbyeItem[];
  tail: CaFormatGoodbyeTail;
}

/** `record` spans the whole GOODBYE record. */
export function decodeGoodbye(record: Cursor): CaFormatGoodbye {
  const offset = record.offset;
  const h = decodeHeader(record);
  if (h.type !== CA_FORMAT_GOODBYE) throw new DecodeError(`expected a GOODBYE record at ${hex(offset)}`, offset + 8, 8, 'casync.goodbye.expected');
  const tableBytes = h.size - CA_FORMAT_HEADER_SIZE - CA_FORMAT_GOODBYE_TAIL_SIZE;
  if (tableBytes < 0 || tableBytes % CA_FORMAT_GOODBYE_ITEM_SIZE !== 0) {
    throw new DecodeError(
      `GOODBYE at ${hex(offset)} has size ${h.size}: it must be 16 + 24 per item + a 24-byte tail`,
      offset,
      8,
      'casync.goodbye.bad-size',
    );
  }
  const items: CaFormatGoodbyeItem[] = [];
  for (let i = 0; i < tableBytes / CA_FORMAT_GOODBYE_ITEM_SIZE; i++) {
    const at = record.offset;
    items.push({
      at,
      offset: record.u64big('CaFormatGoodbyeItem.offset'),
      size: record.u64big('CaFormatGoodbyeItem.size'),
      hash: record.u64big('CaFormatGoodbyeItem.hash'),
    });
  }
  const at = record.offset;
  const tail: CaFormatGoodbyeTail = {
    at,
    entryOffset: record.u64big('CaFormatGoodbyeTail.entry_offset'),
    size: record.u64big('CaFormatGoodbyeTail.size'),
    marker: record.u64big('CaFormatGoodbyeTail.marker'),
  };
  if (tail.marker !== CA_FORMAT_GOODBYE_TAIL_MARKER) {
    throw new DecodeError(
      `GOODBYE at ${hex(offset)}: the tail marker is 0x${tail.marker.toString(16)}, expected 0x${CA_FORMAT_GOODBYE_TAIL_MARKER.toString(16)}`,
      at + 16,
      8,
      'casync.goodbye.bad-tail',
    );
  }
  return { offset, size: h.size, items, tail };
}

/**
 * Indexes of items that break the search-tree order: walking the array as a tree (children of i
 * at 2i+1 and 2i+2), every hash must lie within the bounds its ancestors set.
 */
export function bstViolations(items: readonly CaFormatGoodbyeItem[]): number[] {
  const bad: number[] = [];
  const stack: [number, bigint, bigint][] = [[0, -1n, 1n << 64n]];
  while (stack.length > 0) {
    const [i, lo, hi] = stack.pop()!;
    if (i >= items.length) continue;
    const h = items[i]!.hash;
    if (h < lo || h > hi) bad.push(i);
    stack.push([2 * i + 1, lo, h], [2 * i + 2, h, hi]);
  }
  return bad.sort((a, b) => a - b);
}
