/** Tree pages: a directory's children a page at a time, path lookups, and raw bytes for the hex view. */
import type { ChildPage, ImageId, TreeEntry } from '../../shared/api.ts';
import { bytesEqual, kindOfMode, type DirEntry, type ImageNode } from '../../shared/model.ts';
import { composefsView, isBookkeepingWhiteout, type ImageKind } from '../../shared/composefs/overlay.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { parseDisplay } from './present.ts';
import { listing, MAX_BYTES, MAX_PAGE, remember, type Registry, type Session } from './sessions.ts';


async function treeEntry(s: Session, parentId: number, e: DirEntry): Promise<TreeEntry> {
  remember(s, parentId, e);
  const name = displayBytes(e.name);
  let node: ImageNode;
  try {
    node = await s.reader.node(e.id);
  } catch {
    // An undecodable inode still shows in the tree under its name; selecting it shows the error.
    return { id: e.id, name, kind: e.kind };
  }
  const view = composefsView(node);
  const kind = kindOfMode(view.mode);
  const entry: TreeEntry = { id: e.id, name, kind };
  if (kind === 'dir') {
    try {
      entry.childCount = (await listing(s, e.id)).length;
    } catch {
      // Left unknown: the tree then offers to expand it, and expanding reports the error.
    }
  }
  if (view.payload) entry.redirect = displayBytes(view.payload);
  if (node.target) entry.symlinkTarget = displayBytes(node.target);
  if (view.whiteout) entry.whiteout = true;
  // mkcomposefs adds char 0:0 entries 00..ff to every composefs root (not escaped, unlike the user's own).
  if (parentId === s.reader.rootId && isBookkeepingWhiteout(s.reader as ImageKind, 1, e.name, node)) entry.hidden = true;
  return entry;
}

/** Resolves a display path (escapes as displayBytes writes them) to a node id, remembering paths on the way. */
async function resolvePath(s: Session, path: string): Promise<number | null> {
  const parts = path.split('/').filter((p) => p.length > 0);
  let id = s.reader.rootId;
  for (const part of parts) {
    const want = parseDisplay(part);
    if (!want) return null;
    let entries: DirEntry[];
    try {
      entries = await listing(s, id);
    } catch {
      return null;
    }
    const hit = entries.find((e) => bytesEqual(e.name, want));
    if (!hit) return null;
    remember(s, id, hit);
    id = hit.id;
  }
  return id;
}

export function treePages(registry: Registry) {
  return {
    async children(imageId: ImageId, nodeId: number, start = 0, count = MAX_PAGE): Promise<ChildPage> {
      const s = registry.get(imageId);
      const all = await listing(s, nodeId);
      const from = Math.max(0, Math.min(start, all.length));
      const slice = all.slice(from, from + Math.max(0, Math.min(count, MAX_PAGE)));
      const entries: TreeEntry[] = [];
      for (const e of slice) entries.push(await treeEntry(s, nodeId, e));
      return { total: all.length, start: from, entries };
    },

    async lookup(imageId: ImageId, path: string): Promise<number | null> {
      return resolvePath(registry.get(imageId), path);
    },

    async bytes(imageId: ImageId, offset: number, length: number): Promise<Uint8Array> {
      const s = registry.get(imageId);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new Error(`bad byte range ${offset}+${length}`);
      }
      const n = Math.max(0, Math.min(length, MAX_BYTES, s.reader.size - offset));
      if (n === 0) return new Uint8Array(0);
      return s.reader.bytes(offset, n);
    },
  };
}
