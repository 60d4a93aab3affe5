/**
 * The tree as the window shows it: a flat list of visible rows computed from the directory pages
 * loaded so far, the set of expanded paths and the name filter. Pure, so it is tested without a DOM.
 *
 * Expansion is keyed by path, not node id: a corrupt image can list a directory inside itself, and
 * keying by path keeps such a loop finite (it only grows as far as the user expands it).
 */
import type { TreeEntry } from '../shared/api.ts';
import { childPath } from './paths.ts';
import { beforeAt, compareNames, inheritedBy, movedRow, type AfterEntry, type DiffOverlay, type RowChange } from './diff-tree.ts';

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
  /** Position in the parent's listing, so a placeholder knows which page to ask for; negative for after-only rows. */
  index: number;
  /** Undefined while the row's page is not loaded yet. */
  entry?: TreeEntry;
  /** Whether the row has children to show: a directory, or an entry the compared image has children under. */
  opens?: boolean;
  /** While comparing: how this entry changed. */
  change?: RowChange;
  /** While comparing: a directory with changes somewhere below it. */
  changesBelow?: boolean;
}

export interface FlattenOptions {
  filter?: string;
  showHidden?: boolean;
  /** A comparison to merge into the tree. */
  overlay?: DiffOverlay;
  /** With an overlay: keep only changed entries and the folders leading to them. */
  changedOnly?: boolean;
  /**
   * Which directory listing an expanded path shows, where that is not its entry's own id: a renamed
   * directory shows its old directory's entries, an after-only one none (negative id).
   */
  listingIds?: ReadonlyMap<string, number>;
}

export const PAGE_SIZE = 500;

// The path helpers live in the leaf module paths.ts; re-exported for the tree's existing users.
export { childPath, parentPath, pathComponents } from './paths.ts';

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
  /** Indexes into the directory's listing, in display order; -1 - k for the k-th after-only entry. */
  idx: number[];
  /** Where this segment's directory row is: a position in another segment, or the root row. */
  parent: { seg: Segment; pos: number } | null;
  start: number;
  /** Status the rows take from an enclosing renamed directory. */
  inherit?: RowChange;
}

const NO_AFTER: AfterEntry[] = [];

/**
 * Visible rows: the root, then depth-first every child of each expanded directory in listing order.
 * With a filter, a row stays when its name contains the filter (case-insensitive) or when it leads to
 * such a row; unloaded placeholders are dropped because they cannot match anything yet. With a
 * comparison, entries only the other image has are merged in by name, and "changed only" keeps
 * changed entries and directories with changes below them.
 */
export function flattenTree(
  rootId: number,
  listings: ReadonlyMap<number, DirListing>,
  expanded: ReadonlySet<string>,
  options: FlattenOptions = {},
): VisibleRows {
  const needle = options.filter?.trim().toLowerCase() ?? '';
  const ov = options.overlay;
  const changedOnly = !!ov && !!options.changedOnly;
  const matches = (name: string) => name.toLowerCase().includes(needle);
  const rootRow: TreeRow = {
    path: '/',
    depth: 0,
    parentId: -1,
    index: 0,
    entry: rootEntry(rootId, listings.get(rootId)?.total),
    opens: true,
    ...(ov && beforeAt(ov, '/') ? { change: beforeAt(ov, '/')! } : {}),
    ...(ov?.containing.has('/') ? { changesBelow: true } : {}),
  };
  const ownChange = (path: string, inherit: RowChange | undefined): RowChange | undefined =>
    (ov && beforeAt(ov, path)) ?? (inherit ? movedRow(path, inherit) : undefined);

  const visit = (dirId: number, dirPath: string, depth: number, parent: Segment['parent'], inherit?: RowChange): Segment[] => {
    const listing = listings.get(dirId);
    // Directories without changes in or below them lay out exactly as without a comparison (no path per entry).
    const involved = !!ov && (inherit !== undefined || ov.containing.has(dirPath));
    const after = involved ? (ov!.afterOnly.get(dirPath) ?? NO_AFTER) : NO_AFTER;
    const changedHere = involved ? ov!.beforeByDir.get(dirPath) : undefined;
    const grows = involved ? ov!.grows.get(dirPath) : undefined;
    if (!listing && after.length === 0) return [];
    const out: Segment[] = [];
    const segment = (): Segment => ({ dirId, dirPath, depth, idx: [], parent, start: 0, ...(inherit ? { inherit } : {}) });
    let cur = segment();

    const consider = (k: number, e: TreeEntry, change: RowChange | undefined, path: string) => {
      const isChanged = !changedOnly || change !== undefined || ov!.containing.has(path);
      const keep = isChanged && (!needle || matches(e.name));
      const opens = e.kind === 'dir' || (involved && ov!.afterOnly.has(path));
      if (!opens || !expanded.has(path)) {
        if (keep) cur.idx.push(k);
        return;
      }
      const listId = options.listingIds?.get(path) ?? e.id;
      const below = visit(listId, path, depth + 1, { seg: cur, pos: cur.idx.length }, change && inheritedBy(path, change));
      const rowsBelow = below.reduce((n, sg) => n + sg.idx.length, 0);
      if (rowsBelow === 0 && !keep) return;
      cur.idx.push(k);
      if (rowsBelow > 0) {
        out.push(cur, ...below);
        cur = segment();
      }
    };
    const considerAfter = (k: number) => {
      const a = after[k]!;
      consider(-1 - k, a.entry, { status: a.status, change: a.change }, a.path);
    };

    let next = 0;
    const total = listing?.total ?? 0;
    for (let i = 0; i < total; i++) {
      const e = listing!.entries[i];
      if (e === undefined) {
        if (!needle && !changedOnly) cur.idx.push(i);
        continue;
      }
      while (next < after.length && compareNames(after[next]!.entry.name, e.name) < 0) considerAfter(next++);
      if (e.hidden && !options.showHidden) continue;
      if (involved) {
        const own = changedHere?.get(e.name);
        if (e.kind !== 'dir' && !grows?.has(e.name)) {
          // A leaf: whether it changed is known without its path (a moved one's paths are made when shown).
          if ((!changedOnly || own !== undefined || inherit !== undefined) && (!needle || matches(e.name))) cur.idx.push(i);
          continue;
        }
        const path = childPath(dirPath, e.name);
        consider(i, e, own ?? (inherit && movedRow(path, inherit)), path);
        continue;
      }
      const path = e.kind === 'dir' ? childPath(dirPath, e.name) : '';
      if (!path || !expanded.has(path)) {
        if (!changedOnly && (!needle || matches(e.name))) cur.idx.push(i);
        continue;
      }
      consider(i, e, undefined, path);
    }
    while (next < after.length) considerAfter(next++);
    if (cur.idx.length > 0) out.push(cur);
    return out;
  };

  const segments = expanded.has('/') ? visit(rootId, '/', 1, null, rootRow.change && inheritedBy('/', rootRow.change)) : [];
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

  const afterEntry = (sg: Segment, k: number): AfterEntry | undefined => ov?.afterOnly.get(sg.dirPath)?.[-1 - k];
  const entryAt = (sg: Segment, k: number): TreeEntry | undefined =>
    k < 0 ? afterEntry(sg, k)?.entry : listings.get(sg.dirId)?.entries[k];

  const at = (i: number): TreeRow => {
    if (i === 0) return rootRow;
    const sg = segmentOf(i);
    const k = sg.idx[i - sg.start]!;
    const row: TreeRow = { path: '', depth: sg.depth, parentId: sg.dirId, index: k };
    if (k < 0) {
      const a = afterEntry(sg, k)!;
      row.path = a.path;
      row.entry = a.entry;
      row.change = { status: a.status, change: a.change };
      row.opens = a.entry.kind === 'dir';
    } else {
      const entry = listings.get(sg.dirId)?.entries[k];
      // A placeholder's path is only a unique key; it never names a node.
      if (!entry) {
        row.path = `${sg.dirPath}\u0000${k}`;
        return row;
      }
      row.path = childPath(sg.dirPath, entry.name);
      row.entry = entry;
      row.opens = entry.kind === 'dir';
      if (ov && (sg.inherit || ov.containing.has(sg.dirPath))) {
        const change = ownChange(row.path, sg.inherit);
        if (change) row.change = change;
        if (!row.opens && ov.afterOnly.has(row.path)) row.opens = true;
      }
    }
    if (row.opens && ov?.containing.has(row.path)) row.changesBelow = true;
    return row;
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
        for (let j = 0; j < sg.idx.length; j++) {
          const e = entryAt(sg, sg.idx[j]!);
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
