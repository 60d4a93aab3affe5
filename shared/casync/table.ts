/**
 * struct CaFormatTable: after the INDEX, the chunk list. Its header's size is UINT64_MAX (the
 * table is written incrementally); each item holds the end offset of a chunk in the blob and the
 * chunk's id; a tail (two zero words, index_offset, size, CA_FORMAT_TABLE_TAIL_MARKER) closes it.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import {
  CA_CHUNK_ID_SIZE,
  CA_FORMAT_INDEX_SIZE,
  CA_FORMAT_TABLE,
  CA_FORMAT_TABLE_ITEM_SIZE,
  CA_FORMAT_TABLE_TAIL_MARKER,
  CA_FORMAT_TABLE_TAIL_SIZE,
} from './caformat.ts';
import { casyncFinding } from './codes.ts';

export interface ChunkRef {
  index: number;
  /** Offset of the table item in the index file. */
  itemOffset: number;
  /** Where the chunk lies in the blob (the archive stream for a caidx). */
  start: number;
  end: number;
  id: Uint8Array;
}

export interface CaFormatTable {
  chunks: ChunkRef[];
  /** The blob's size: the last chunk's end. */
  blobSize: number;
  findings: Finding[];
}

const UINT64_MAX = 0xffffffffffffffffn;

/** `c` spans the index file from the table's header (at CA_FORMAT_INDEX_SIZE) to the file's end. */
export function decodeTable(c: Cursor): CaFormatTable {
  const start = c.offset;
  const size = c.u64big('CaFormatTable.size');
  const type = c.u64big('CaFormatTable.type');
  if (type !== CA_FORMAT_TABLE || size !== UINT64_MAX) {
    throw new DecodeError(`the index's TABLE record at ${hex(start)} is missing or damaged (type 0x${type.toString(16)}, size ${size})`, start, 16, 'casync.index.bad-table');
  }
  const body = c.remaining - CA_FORMAT_TABLE_TAIL_SIZE;
  if (body < 0 || body % CA_FORMAT_TABLE_ITEM_SIZE !== 0) {
    throw new DecodeError(`the TABLE holds ${c.remaining} bytes after its header: not whole 40-byte items and a 40-byte tail`, start, c.remaining + 16, 'casync.index.bad-table');
  }
  const findings: Finding[] = [];
  const chunks: ChunkRef[] = [];
  let prev = 0;
  for (let i = 0; i < body / CA_FORMAT_TABLE_ITEM_SIZE; i++) {
    const itemOffset = c.offset;
    const endBig = c.u64big('CaFormatTableItem.offset');
    const id = c.take(CA_CHUNK_ID_SIZE, 'CaFormatTableItem.chunk');
    if (endBig <= BigInt(prev) || endBig > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DecodeError(`chunk #${i}: end offset ${endBig} does not follow the previous chunk's end ${prev}`, itemOffset, 8, 'casync.index.bad-offset');
    }
    const end = Number(endBig);
    chunks.push({ index: i, itemOffset, start: prev, end, id });
    prev = end;
  }
  const tailAt = c.offset;
  const zero1 = c.u64big('CaFormatTableTail._zero_fill1');
  const zero2 = c.u64big('CaFormatTableTail._zero_fill2');
  const indexOffset = c.u64big('CaFormatTableTail.index_offset');
  const tableSize = c.u64big('CaFormatTableTail.size');
  const marker = c.u64big('CaFormatTableTail.marker');
  if (marker !== CA_FORMAT_TABLE_TAIL_MARKER) {
    throw new DecodeError(`the TABLE tail marker at ${hex(tailAt + 32)} is 0x${marker.toString(16)}, expected 0x${CA_FORMAT_TABLE_TAIL_MARKER.toString(16)}`, tailAt + 32, 8, 'casync.index.bad-table');
  }
  const expectSize = BigInt(16 + body + CA_FORMAT_TABLE_TAIL_SIZE);
  if (zero1 !== 0n || zero2 !== 0n) findings.push(casyncFinding('casync.index.bad-table', tailAt, 16, 'the TABLE tail\'s two fill words are not zero'));
  if (indexOffset !== BigInt(CA_FORMAT_INDEX_SIZE)) {
    findings.push(casyncFinding('casync.index.bad-table', tailAt + 16, 8, `the TABLE tail's index_offset is ${indexOffset}, expected ${CA_FORMAT_INDEX_SIZE}`, { expected: String(CA_FORMAT_INDEX_SIZE), actual: String(indexOffset) }));
  }
  if (tableSize !== expectSize) {
    findings.push(casyncFinding('casync.index.bad-table', tailAt + 24, 8, `the TABLE tail's size is ${tableSize}, the table holds ${expectSize} bytes`, { expected: String(expectSize), actual: String(tableSize) }));
  }
  return { chunks, blobSize: prev, findings };
}
