/**
 * The prefetch table (RafsV5PrefetchTable / RafsV6PrefetchTable): inode numbers (u32) nydusd reads
 * ahead at mount. v5 counts entries in the superblock; v6 gives the table's size in bytes.
 */
import type { Cursor } from '../bytes/cursor.ts';

export interface PrefetchTable {
  offset: number;
  inodes: number[];
}

export function decodePrefetchTable(c: Cursor, entries: number): PrefetchTable {
  const offset = c.offset;
  const inodes: number[] = [];
  for (let i = 0; i < entries; i++) inodes.push(c.u32('prefetch_table.ino'));
  return { offset, inodes };
}
