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
 * The visible rows, without a row object per entry: a run of shown child indexes per directory
 * segment (split where an expanded subdirectory's rows come in between), and row objects made only
 * for the rows asked for. A 200,000-entry directory then costs one integer per entry to lay out.
 */
export interface VisibleRows {
  readonly length: number;
  at(i: number): TreeRow;
  /** Row index of row i's directory (-1 for the root row). */
  parentOf(i: number): number;
  /** Row index of the row showing node `id` at `path`, or -1. */
  indexOf(id: number, path: string): number;
}

interface Segment {
  dirId: number;
  dirPath: string;
  depth: number;
  /** Indexes into the directory's listing, in display order. */
  idx: number[];
  /** Where this segment's directory row is: a position in another segment, or the root row. */
  parent: { seg: Segment; pos: number } | null;
  start: number;
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
): VisibleRows {
  const needle = options.filter?.trim().toLowerCase() ?? '';
  const matches = (name: string) => name.toLowerCase().includes(needle);
  const rootRow: TreeRow = { path: '/', depth: 0, parentId: -1, index: 0, entry: rootEntry(rootId, listings.get(rootId)?.total) };

  const visit = (dirId: number, dirPath: string, depth: number, parent: Segment['parent']): Segment[] => {
    const listing = listings.get(dirId);
    if (!listing) return [];
    const out: Segment[] = [];
    let cur: Segment = { dirId, dirPath, depth, idx: [], parent, start: 0 };
    for (let i = 0; i < listing.total; i++) {
      const e = listing.entries[i];
      if (e === undefined) {
        if (!needle) cur.idx.push(i);
        continue;
      }
      if (e.hidden && !options.showHidden) continue;
      const path = e.kind === 'dir' ? childPath(dirPath, e.name) : '';
      if (!path || !expanded.has(path)) {
        if (!needle || matches(e.name)) cur.idx.push(i);
        continue;
      }
      const below = visit(e.id, path, depth + 1, { seg: cur, pos: cur.idx.length });
      const rowsBelow = below.reduce((n, sg) => n + sg.idx.length, 0);
      if (needle && rowsBelow === 0 && !matches(e.name)) continue;
      cur.idx.push(i);
      if (rowsBelow > 0) {
        out.push(cur, ...below);
        cur = { dirId, dirPath, depth, idx: [], parent, start: 0 };
      }
    }
    if (cur.idx.length > 0) out.push(cur);
    return out;
  };

  const segments = expanded.has('/') ? visit(rootId, '/', 1, null) : [];
  let length = 1;
  for (const sg of segments) {
    sg.start = length;
    length += sg.idx.length;
  }

  const segmentOf = (i: number): Segment => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.start <= i) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo]!;
  };

  const at = (i: number): TreeRow => {
    if (i === 0) return rootRow;
    const sg = segmentOf(i);
    const k = sg.idx[i - sg.start]!;
    const entry = listings.get(sg.dirId)?.entries[k];
    // A placeholder's path is only a unique key; it never names a node.
    const path = entry ? childPath(sg.dirPath, entry.name) : `${sg.dirPath}\u0000${k}`;
    return { path, depth: sg.depth, parentId: sg.dirId, index: k, ...(entry ? { entry } : {}) };
  };

  return {
    length,
    at,
    parentOf(i) {
      if (i <= 0 || i >= length) return -1;
      const p = segmentOf(i).parent;
      return p ? p.seg.start + p.pos : 0;
    },
    indexOf(id, path) {
      if (path === '/') return id === rootId ? 0 : -1;
      for (const sg of segments) {
        const prefix = sg.dirPath === '/' ? '/' : sg.dirPath + '/';
        if (!path.startsWith(prefix)) continue;
        const name = path.slice(prefix.length);
        const entries = listings.get(sg.dirId)?.entries;
        if (!entries) continue;
        for (let j = 0; j < sg.idx.length; j++) {
          const e = entries[sg.idx[j]!];
          if (e && e.id === id && e.name === name) return sg.start + j;
        }
      }
      return -1;
    },
  };
}

/** All rows as objects (tests and small trees). */
export function rowsOf(v: VisibleRows): TreeRow[] {
  return Array.from({ length: v.length }, (_, i) => v.at(i));
}
