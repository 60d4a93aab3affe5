/**
 * CHUNK_BASED data: i_u holds chunk_info.format; after the inode and its xattrs comes either a
 * block map (__le32 per chunk) or, with EROFS_CHUNK_FORMAT_INDEXES, struct erofs_inode_chunk_index
 * (8 bytes: startblk_hi, device_id, startblk_lo) per chunk.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  EROFS_BLOCK_MAP_ENTRY_SIZE,
  EROFS_CHUNK_FORMAT_48BIT,
  EROFS_CHUNK_FORMAT_BLKBITS_MASK,
  EROFS_CHUNK_FORMAT_INDEXES,
  EROFS_CHUNK_INDEX_SIZE,
  EROFS_NULL_ADDR,
} from './erofs_fs.ts';
import type { RawInode } from './inode.ts';

export interface ChunkLayout {
  format: number;
  chunkBits: number;
  chunkSize: number;
  count: number;
  indexes: boolean;
  entrySize: number;
  /** Absolute offset of the first map entry / index. */
  offset: number;
}

export interface Chunk {
  offset: number;
  /** Block address, or null for a hole (EROFS_NULL_ADDR). */
  blkaddr: number | null;
  deviceId: number;
}

export function chunkLayout(ino: RawInode, blkszbits: number): ChunkLayout {
  const format = ino.iu & 0xffff;
  if (format & ~(EROFS_CHUNK_FORMAT_BLKBITS_MASK | EROFS_CHUNK_FORMAT_INDEXES | EROFS_CHUNK_FORMAT_48BIT)) {
    throw new DecodeError(
      `inode ${ino.nid}: chunk format ${hex(format)} has unknown bits`,
      ino.offset + (ino.extended ? 16 : 16),
      2,
      'erofs.chunk.format',
    );
  }
  const chunkBits = blkszbits + (format & EROFS_CHUNK_FORMAT_BLKBITS_MASK);
  const chunkSize = 2 ** chunkBits;
  const count = Math.ceil(ino.size / chunkSize);
  const indexes = (format & EROFS_CHUNK_FORMAT_INDEXES) !== 0;
  const entrySize = indexes ? EROFS_CHUNK_INDEX_SIZE : EROFS_BLOCK_MAP_ENTRY_SIZE;
  const end = ino.offset + ino.inodeSize + ino.xattrSize;
  const offset = Math.ceil(end / entrySize) * entrySize;
  return { format, chunkBits, chunkSize, count, indexes, entrySize, offset };
}

export function decodeChunks(c: Cursor, layout: ChunkLayout): Chunk[] {
  const out: Chunk[] = [];
  for (let i = 0; i < layout.count; i++) {
    const offset = c.offset;
    if (layout.indexes) {
      const hi = c.u16('chunk_index.startblk_hi');
      const deviceId = c.u16('chunk_index.device_id');
      const lo = c.u32('chunk_index.startblk_lo');
      const is48 = (layout.format & EROFS_CHUNK_FORMAT_48BIT) !== 0;
      out.push({ offset, blkaddr: lo === EROFS_NULL_ADDR ? null : (is48 ? hi * 2 ** 32 : 0) + lo, deviceId });
    } else {
      const blk = c.u32('block_map.entry');
      out.push({ offset, blkaddr: blk === EROFS_NULL_ADDR ? null : blk, deviceId: 0 });
    }
  }
  return out;
}
