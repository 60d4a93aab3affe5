/**
 * Depth-first walk of a legacy image in on-disk dirent order (the order the v0.1.3 dump tool
 * prints). Iterative, so a deep or cyclic directory graph in a corrupt image cannot overflow the
 * stack or loop: a directory reached a second time is reported but not entered again.
 */
import { S_IFDIR, S_IFMT } from '../model.ts';
import type { LegacyDirent, LegacyDirList } from './dirent.ts';
import { CFS_ROOT_INO } from './inode.ts';
import type { LegacyEntry, LegacyReader } from './reader.ts';

export interface LegacyTreeItem {
  entry: LegacyEntry;
  /** The name this item was reached by; empty for the root. */
  name: Uint8Array;
  /** The directory item it was reached from (a chain, so deep trees cost no per-item path copies). */
  parent?: LegacyTreeItem;
  depth: number;
  /** The record that led here (absent for the root). */
  dirent?: LegacyDirent;
  /** A directory already entered through another name (a hardlinked directory or a cycle). */
  revisit: boolean;
  /** A directory's decoded entries, when the walk enters it. */
  dir?: LegacyDirList;
}

/** Name components from the root down to `item` (empty for the root). */
export function itemPath(item: LegacyTreeItem): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i: LegacyTreeItem | undefined = item; i?.parent; i = i.parent) out.push(i.name);
  return out.reverse();
}

export async function* legacyTree(reader: LegacyReader): AsyncGenerator<LegacyTreeItem> {
  const entered = new Set<number>();
  type Frame = { dirents: LegacyDirent[]; next: number; item: LegacyTreeItem };
  const stack: Frame[] = [];

  const item = async (entry: LegacyEntry, parent?: LegacyTreeItem, dirent?: LegacyDirent): Promise<LegacyTreeItem> => {
    const isDir = (entry.inode.mode & S_IFMT) === S_IFDIR;
    const revisit = isDir && entered.has(entry.inode.index);
    const it: LegacyTreeItem = { entry, name: dirent?.name ?? new Uint8Array(0), parent, depth: parent ? parent.depth + 1 : 0, dirent, revisit };
    if (!isDir || revisit) return it;
    entered.add(entry.inode.index);
    it.dir = await reader.directory(entry.inode.index);
    stack.push({ dirents: it.dir.dirents, next: 0, item: it });
    return it;
  };

  yield await item(await reader.entry(CFS_ROOT_INO));
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.dirents.length) {
      stack.pop();
      continue;
    }
    const d = frame.dirents[frame.next++]!;
    // An entry whose inode is past the table was already reported by the dirent decoder.
    if (d.inodeNum >= reader.layout.numInodes) continue;
    yield await item(await reader.entry(d.inodeNum), frame.item, d);
  }
}
