/**
 * What reading one directory may cost: each of its blocks read once, and at most
 * BUDGETS.dirEntries entries. A chunk-based directory can map one block many times (65,536 map
 * entries pointing at one 4 KiB block make 14.7 M entries from 276 KB); the kernel would list them
 * all, we say where the map repeats itself instead. Used by the reader and by the check.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { BUDGETS } from '../budgets.ts';

export interface DirGuard {
  /** Call before decoding the directory block at [offset, offset+length); throws on a repeat. */
  block(offset: number, length: number): void;
  /** Call with each block's entry count; throws once the directory holds more than the budget. */
  entries(count: number, offset: number, length: number): void;
}

export function dirGuard(nid: number, blockSize: number, maxEntries: number = BUDGETS.dirEntries): DirGuard {
  // Keyed by block number, so a tail sharing a block with a full block counts as an overlap too.
  const seen = new Set<number>();
  let total = 0;
  return {
    block(offset, length) {
      const first = Math.floor(offset / blockSize);
      const last = Math.floor((offset + Math.max(1, length) - 1) / blockSize);
      for (let b = first; b <= last; b++) {
        if (seen.has(b)) {
          throw new DecodeError(
            `directory ${nid} maps block ${b} (${hex(b * blockSize)}) more than once: its block map repeats or overlaps itself`,
            offset,
            length,
            'erofs.dir.block-repeated',
          );
        }
        seen.add(b);
      }
    },
    entries(count, offset, length) {
      total += count;
      if (total > maxEntries) {
        throw new DecodeError(
          `directory ${nid} holds more than ${maxEntries} entries, the inspector's budget of entries per directory (BUDGETS.dirEntries)`,
          offset,
          length,
          'budget.dir-entries',
        );
      }
    },
  };
}
