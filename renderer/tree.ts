/**
 * The tree as the window shows it: a flat list of visible rows computed from the directory pages
 * loaded so far, the set of expanded paths and the name filter. Pure, so it is tested without a DOM.
 *
 * Expansion is keyed by path, not node id: a corrupt image can list a directory inside itself, and
 * keying by path keeps such a loop finite (it only grows as far as the user expands it).
 */
import type { TreeEntry } from '../shared/api.ts';

/** Children of one directory as far as they are loaded; `entries[i]` is undefined until its page arrives. */
export interface DirListing {
  total: number;
  entries: (TreeEntry | undefined)[];
}

export interface TreeRow {
  /** Absolute path built from display names; "/" for the root. */
  path: string;
  depth: number;
  /** Id of the directory that lists this row (-1 for the root row). */
  parentId: number;
  /** Position in the parent's listing, so a placeholder knows which page to ask for. */
  index: number;
  /** Undefined while the row's page is not loaded yet. */
  entry?: TreeEntry;
}

export interface FlattenOptions {
  filter?: string;
  showHidden?: boolean;
}

export const PAGE_SIZE = 500;

export const childPath = (parent: string, name: string): string => (parent === '/' ? '/' + name : parent + '/' + name);

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Path components of an absolute display path ("/" has none). */
export const pathComponents = (path: string): string[] => path.split('/').filter((c) => c.length > 0);

export function rootEntry(rootId: number, childCount?: number): TreeEntry {
  return { id: rootId, name: '/', kind: 'dir', childCount };
}

/** Copies one loaded page into a listing (creating it), returning the listing. */
export function mergePage(
  listing: DirListing | undefined,
  page: { total: number; start: number; entries: TreeEntry[] },
): DirListing {
  const l = listing && listing.total === page.total ? listing : { total: page.total, entries: new Array(page.total) };
  for (let i = 0; i < page.entries.length && page.start + i < l.total; i++) l.entries[page.start + i] = page.entries[i];
  return l;
}

/** Pages of a listing that are still missing in the index range [from, to). */
export function missingPages(listing: DirListing, from: number, to: number, pageSize = PAGE_SIZE): number[] {
  const pages: number[] = [];
  const last = Math.min(to, listing.total);
  for (let p = Math.floor(Math.max(0, from) / pageSize); p * pageSize < last; p++) {
    const start = p * pageSize;
    const end = Math.min(listing.total, start + pageSize);
    for (let i = start; i < end; i++) {
      if (listing.entries[i] === undefined) {
        pages.push(p);
        break;
      }
    }
  }
  return pages;
}

export function isComplete(listing: DirListing): boolean {
  for (let i = 0; i < listing.total; i++) if (listing.entries[i] === undefined) return false;
  return true;
}

/**
 * Visible rows: the root, then depth-first every child of each expanded directory in listing order.
 * With a filter, a row stays when its name contains the filter (case-insensitive) or when it leads to
 * such a row; unloaded placeholders are dropped because they cannot match anything yet.
 */
export function flattenTree(
  rootId: number,
  listings: ReadonlyMap<number, DirListing>,
  expanded: ReadonlySet<string>,
  options: FlattenOptions = {},
): TreeRow[] {
  const needle = options.filter?.trim().toLowerCase() ?? '';
  const rootListing = listings.get(rootId);
  const rows: TreeRow[] = [{ path: '/', depth: 0, parentId: -1, index: 0, entry: rootEntry(rootId, rootListing?.total) }];
  if (!expanded.has('/')) return rows;

  const visit = (dirId: number, dirPath: string, depth: number, out: TreeRow[]): void => {
    const listing = listings.get(dirId);
    if (!listing) return;
    for (let i = 0; i < listing.total; i++) {
      const entry = listing.entries[i];
      if (entry === undefined) {
        // A placeholder's path is only a unique key; it never names a node.
        if (!needle) out.push({ path: `${dirPath}\u0000${i}`, depth, parentId: dirId, index: i });
        continue;
      }
      if (entry.hidden && !options.showHidden) continue;
      const path = childPath(dirPath, entry.name);
      const row: TreeRow = { path, depth, parentId: dirId, index: i, entry };
      const open = entry.kind === 'dir' && expanded.has(path);
      if (!needle) {
        out.push(row);
        if (open) visit(entry.id, path, depth + 1, out);
        continue;
      }
      const below: TreeRow[] = [];
      if (open) visit(entry.id, path, depth + 1, below);
      if (below.length > 0 || entry.name.toLowerCase().includes(needle)) {
        out.push(row);
        for (const r of below) out.push(r);
      }
    }
  };
  visit(rootId, '/', 1, rows);
  return rows;
}

/** Index of the row that is the parent of rows[i] (or -1). */
export function parentRowIndex(rows: readonly TreeRow[], i: number): number {
  const depth = rows[i]?.depth ?? 0;
  for (let j = i - 1; j >= 0; j--) if (rows[j]!.depth < depth) return j;
  return -1;
}
