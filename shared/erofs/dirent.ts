/** struct erofs_dirent: 12-byte records at the start of each directory block, names after them. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { EROFS_DIRENT_SIZE, EROFS_NAME_LEN } from './erofs_fs.ts';

export interface RawDirent {
  /** Absolute offset of the 12-byte record. */
  offset: number;
  nid: number;
  nameoff: number;
  fileType: number;
  name: Uint8Array;
  /** Absolute offset of the name bytes. */
  nameOffset: number;
}

export interface DirentRecord {
  /** Absolute offset of the 12-byte record. */
  offset: number;
  nid: number;
  nameoff: number;
  fileType: number;
}

/** The `count` 12-byte records at the start of a directory block, without their names. */
export function decodeDirentRecords(block: Uint8Array, base: number, count: number): DirentRecord[] {
  const c = new Cursor(block, base);
  const recs: DirentRecord[] = [];
  for (let i = 0; i < count; i++) {
    const offset = c.offset;
    const nid = c.u64('dirent.nid');
    const nameoff = c.u16('dirent.nameoff');
    const fileType = c.u8('dirent.file_type');
    c.skip(1, 'dirent.reserved');
    recs.push({ offset, nid, nameoff, fileType });
  }
  return recs;
}

/**
 * Decodes one directory block. `block` holds the block's valid bytes (the last block of a
 * directory is shorter); `base` is its absolute offset. Throws DecodeError naming the bad range.
 */
export function decodeDirentBlock(block: Uint8Array, base: number): RawDirent[] {
  const c = new Cursor(block, base);
  const maxsize = block.length;
  if (maxsize < EROFS_DIRENT_SIZE) {
    throw new DecodeError(`directory block at ${hex(base)} is only ${maxsize} bytes`, base, maxsize, 'erofs.dirent.block');
  }
  c.pos = 8;
  const firstNameoff = c.u16('dirent.nameoff');
  if (firstNameoff < EROFS_DIRENT_SIZE || firstNameoff >= maxsize || firstNameoff % EROFS_DIRENT_SIZE !== 0) {
    throw new DecodeError(
      `directory block at ${hex(base)}: first nameoff ${firstNameoff} must be a multiple of 12 within the block (${maxsize} bytes)`,
      base + 8,
      2,
      'erofs.dirent.nameoff',
    );
  }
  const count = firstNameoff / EROFS_DIRENT_SIZE;
  const out: RawDirent[] = [];
  const recs = decodeDirentRecords(block, base, count);
  for (let i = 0; i < count; i++) {
    const r = recs[i]!;
    if (r.nameoff < firstNameoff || r.nameoff >= maxsize) {
      throw new DecodeError(
        `dirent at ${hex(r.offset)}: nameoff ${r.nameoff} points outside the name area of its block (${firstNameoff}..${maxsize})`,
        r.offset + 8,
        2,
        'erofs.dirent.nameoff',
      );
    }
    let end: number;
    if (i + 1 < count) {
      end = recs[i + 1]!.nameoff;
    } else {
      end = r.nameoff;
      while (end < maxsize && block[end] !== 0) end++;
    }
    const len = end - r.nameoff;
    if (len < 1 || len > EROFS_NAME_LEN) {
      throw new DecodeError(
        `dirent at ${hex(r.offset)}: name length ${len} is outside 1..${EROFS_NAME_LEN}`,
        i + 1 < count ? recs[i + 1]!.offset + 8 : r.offset + 8,
        2,
        'erofs.dirent.namelen',
      );
    }
    out.push({ offset: r.offset, nid: r.nid, nameoff: r.nameoff, fileType: r.fileType, name: block.subarray(r.nameoff, end), nameOffset: base + r.nameoff });
  }
  return out;
}
