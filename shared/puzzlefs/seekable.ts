/**
 * The zstd seekable format PuzzleFS compresses chunk blobs with (contrib/seekable_format of
 * zstd): independent zstd frames, then a skippable frame (magic 0x184D2A5E) holding the seek
 * table: per frame its compressed and decompressed size (and a checksum when the descriptor's
 * top bit is set), closed by a 9-byte footer (frame count, descriptor, magic 0x8F92EAB1).
 * Reading a range decompresses only the frames that cover it.
 */
import { decompress as zstdDecompress } from 'fzstd';
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';

export const ZSTD_SEEKABLE_MAGIC = 0x8f92eab1;
export const ZSTD_SKIPPABLE_SEEK_TABLE_MAGIC = 0x184d2a5e;
const FOOTER_SIZE = 9;
/** One frame is decompressed whole; frames beyond this are refused. */
export const MAX_FRAME = 64 << 20;

export interface SeekFrame {
  /** Offsets of the frame in the compressed blob and in the decompressed stream. */
  cOffset: number;
  cSize: number;
  dOffset: number;
  dSize: number;
}

export interface SeekTable {
  frames: SeekFrame[];
  size: number;
  /** Where the seek table's skippable frame begins. */
  tableOffset: number;
}

export const isSeekable = (blob: Uint8Array): boolean =>
  blob.length >= FOOTER_SIZE && new Cursor(blob, 0, blob.length - 4).u32('seekable magic') === ZSTD_SEEKABLE_MAGIC;

export function decodeSeekTable(blob: Uint8Array, what: string): SeekTable {
  const err = (why: string, at: number, len: number) => new DecodeError(`${what}: ${why}`, at, len, 'puzzlefs.blob.bad-seek-table');
  const foot = new Cursor(blob, 0, blob.length - FOOTER_SIZE);
  const count = foot.u32('seek table frame count');
  const descriptor = foot.u8('seek table descriptor');
  const entry = descriptor & 0x80 ? 12 : 8;
  const frameSize = count * entry + FOOTER_SIZE;
  const tableOffset = blob.length - frameSize - 8;
  if (tableOffset < 0) throw err(`the seek table claims ${count} frames, more than the blob holds`, blob.length - FOOTER_SIZE, 4);
  const head = new Cursor(blob, 0, tableOffset);
  const magic = head.u32('skippable frame magic');
  const size = head.u32('skippable frame size');
  if (magic !== ZSTD_SKIPPABLE_SEEK_TABLE_MAGIC || size !== frameSize) {
    throw err(`the seek table frame at ${hex(tableOffset)} has magic ${hex(magic)} and size ${size}, expected ${hex(ZSTD_SKIPPABLE_SEEK_TABLE_MAGIC)} and ${frameSize}`, tableOffset, 8);
  }
  const frames: SeekFrame[] = [];
  let c = 0;
  let d = 0;
  for (let i = 0; i < count; i++) {
    const at = head.offset;
    const cSize = head.u32('seek table compressed size');
    const dSize = head.u32('seek table decompressed size');
    if (entry === 12) head.skip(4, 'seek table checksum');
    if (dSize > MAX_FRAME) throw err(`frame #${i} decompresses to ${dSize} bytes, over the ${MAX_FRAME}-byte limit`, at, 8);
    frames.push({ cOffset: c, cSize, dOffset: d, dSize });
    c += cSize;
    d += dSize;
  }
  if (c !== tableOffset) throw err(`the frames add up to ${c} compressed bytes, but the seek table begins at ${hex(tableOffset)}`, tableOffset, 8);
  return { frames, size: d, tableOffset };
}

/** Bytes [offset, offset+length) of the decompressed stream. */
export function readSeekable(blob: Uint8Array, table: SeekTable, offset: number, length: number, what: string): Uint8Array {
  const end = Math.min(table.size, offset + length);
  const out = new Uint8Array(Math.max(0, end - offset));
  for (const f of table.frames) {
    if (f.dOffset + f.dSize <= offset || f.dOffset >= end) continue;
    let plain: Uint8Array;
    try {
      plain = zstdDecompress(blob.subarray(f.cOffset, f.cOffset + f.cSize), new Uint8Array(f.dSize));
    } catch (e) {
      throw new DecodeError(`${what}: the zstd frame at ${hex(f.cOffset)} is damaged (${(e as Error)?.message ?? e})`, f.cOffset, f.cSize, 'puzzlefs.blob.corrupt');
    }
    const from = Math.max(offset, f.dOffset);
    const to = Math.min(end, f.dOffset + f.dSize);
    out.set(plain.subarray(from - f.dOffset, to - f.dOffset), from - offset);
  }
  return out;
}
