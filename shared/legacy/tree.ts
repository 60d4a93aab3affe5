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
  /** Name components from the root; empty for the root. */
  path: Uint8Array[];
  depth: number;
  /** The record that led here (absent for the root). */
  dirent?: LegacyDirent;
  /** A directory already entered through another name (a hardlinked directory or a cycle). */
  revisit: boolean;
  /** A directory's decoded entries, when the walk enters it. */
  dir?: LegacyDirList;
}

export async function* legacyTree(reader: LegacyReader): AsyncGenerator<LegacyTreeItem> {
  const entered = new Set<number>();
  type Frame = { dirents: LegacyDirent[]; next: number; path: Uint8Array[] };
  const stack: Frame[] = [];

  const item = async (entry: LegacyEntry, path: Uint8Array[], dirent?: LegacyDirent): Promise<LegacyTreeItem> => {
    const isDir = (entry.inode.mode & S_IFMT) === S_IFDIR;
    const revisit = isDir && entered.has(entry.inode.index);
    if (!isDir || revisit) return { entry, path, depth: path.length, dirent, revisit };
    entered.add(entry.inode.index);
    const dir = await reader.directory(entry.inode.index);
    stack.push({ dirents: dir.dirents, next: 0, path });
    return { entry, path, depth: path.length, dirent, revisit, dir };
  };

  yield await item(await reader.entry(CFS_ROOT_INO), []);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.dirents.length) {
      stack.pop();
      continue;
    }
    const d = frame.dirents[frame.next++]!;
    // An entry whose inode is past the table was already reported by the dirent decoder.
    if (d.inodeNum >= reader.layout.numInodes) continue;
    yield await item(await reader.entry(d.inodeNum), [...frame.path, d.name], d);
  }
}
