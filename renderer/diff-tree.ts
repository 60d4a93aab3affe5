/**
 * A comparison laid over the tree: the active image is the "before" side and its directory pages
 * stay the tree's backbone (paged, virtualized), so paths that exist in it need nothing new. The
 * diff's changes add the rest: a status for changed before-paths (removed entries become ghost
 * rows where they were), entries only the "after" image has (added, renamed to) inserted in name
 * order among their siblings, and the set of directories with changes below them. Pure, so the
 * merged layout is tested without a DOM.
 *
 * A renamed directory's contents are not listed by the diff (they moved unchanged), so rows below
 * a renamed directory take their status from it: below the old path they moved away, below the new
 * path they are the same entries arriving (listed from the old directory, which holds the same).
 */
import type { Change, TreeEntry } from '../shared/api.ts';
import { compareBytes } from '../shared/model.ts';
import { treeKind } from './format.ts';
import { baseName, parentPath } from './paths.ts';

export type RowStatus = 'added' | 'removed' | 'modified' | 'renamed-from' | 'renamed-to';

export interface RowChange {
  status: RowStatus;
  change: Change;
  /** For an entry below a renamed directory: its own path in each image. */
  moved?: { from: string; to: string };
}

/** An entry that only the after image has, with a stand-in id (negative: never a node id of the before image). */
export interface AfterEntry {
  entry: TreeEntry;
  path: string;
  status: 'added' | 'renamed-to';
  change: Change;
}

export interface DiffOverlay {
  changes: Change[];
  /**
   * Changed paths of the before image (removed, modified, renamed away) by parent directory path and
   * name, so laying out a directory builds no path per entry. See beforeAt.
   */
  beforeByDir: Map<string, Map<string, RowChange>>;
  /** Per directory path, names of entries that only the after image has entries below (a file that became a folder, say). */
  grows: Map<string, Set<string>>;
  /** Entries only the after image has, per parent directory path, in name order. */
  afterOnly: Map<string, AfterEntry[]>;
  /** The same entries by their own path, and by stand-in id. */
  afterPaths: Map<string, AfterEntry>;
  afterIds: Map<number, AfterEntry>;
  /** Directories with a change somewhere below them, in either image. */
  containing: Set<string>;
}

/** Display names back to their bytes (the inverse of the service's escaping), for byte order. */
const encoder = new TextEncoder();
function nameBytes(name: string): Uint8Array {
  const out: number[] = [];
  let run = '';
  const flush = () => {
    if (run) for (const b of encoder.encode(run)) out.push(b);
    run = '';
  };
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '\\') {
      run += name[i];
      continue;
    }
    flush();
    if (name[i + 1] === 'x') {
      out.push(parseInt(name.slice(i + 2, i + 4), 16) || 0);
      i += 3;
    } else {
      out.push(0x5c);
      i += 1;
    }
  }
  flush();
  return Uint8Array.from(out);
}

// Without escapes or surrogate pairs, UTF-16 order is code point order, which is UTF-8 byte order.
const PLAIN = /^[^\\\uD800-\uDFFF]*$/;

/** Orders display names as the images order the names' bytes. */
export function compareNames(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return compareBytes(nameBytes(a), nameBytes(b));
}


/** The change recorded for a path of the before image (the root is the empty name in "/"). */
export const beforeAt = (o: DiffOverlay, path: string): RowChange | undefined => o.beforeByDir.get(parentPath(path))?.get(baseName(path));

export function buildOverlay(changes: Change[]): DiffOverlay {
  const o: DiffOverlay = {
    changes,
    beforeByDir: new Map(),
    grows: new Map(),
    afterOnly: new Map(),
    afterPaths: new Map(),
    afterIds: new Map(),
    containing: new Set(),
  };
  const within = (path: string) => {
    // Chains are added whole, so the first directory already present means all above it are too.
    for (let p = parentPath(path); path !== '/' && !o.containing.has(p); p = parentPath(p)) {
      o.containing.add(p);
      if (p === '/') break;
    }
  };
  const insert = (path: string, status: AfterEntry['status'], change: Change) => {
    const entry: TreeEntry = { id: -1 - o.afterPaths.size, name: baseName(path), kind: treeKind(change.nodeKind) };
    if (change.nodeKind === 'whiteout') entry.whiteout = true;
    const a: AfterEntry = { entry, path, status, change };
    o.afterPaths.set(path, a);
    o.afterIds.set(a.entry.id, a);
    const dir = parentPath(path);
    const list = o.afterOnly.get(dir);
    if (list) list.push(a);
    else o.afterOnly.set(dir, [a]);
  };
  const changed = (path: string, rc: RowChange) => {
    const dir = parentPath(path);
    const names = o.beforeByDir.get(dir);
    if (names) names.set(baseName(path), rc);
    else o.beforeByDir.set(dir, new Map([[baseName(path), rc]]));
  };
  for (const c of changes) {
    within(c.path);
    if (c.kind === 'added') insert(c.path, 'added', c);
    else if (c.kind === 'renamed') {
      insert(c.path, 'renamed-to', c);
      if (c.oldPath !== undefined) {
        changed(c.oldPath, { status: 'renamed-from', change: c });
        within(c.oldPath);
      }
    } else changed(c.path, { status: c.kind, change: c });
  }
  for (const [dir, list] of o.afterOnly) {
    list.sort((x, y) => compareNames(x.entry.name, y.entry.name));
    if (dir === '/') continue;
    const names = o.grows.get(parentPath(dir));
    if (names) names.add(baseName(dir));
    else o.grows.set(parentPath(dir), new Set([baseName(dir)]));
  }
  // An added directory's entries are all in the diff; a renamed one's are not (they moved unchanged).
  for (const a of o.afterPaths.values()) {
    if (a.entry.kind === 'dir' && a.status === 'added') a.entry.childCount = o.afterOnly.get(a.path)?.length ?? 0;
  }
  return o;
}

/**
 * What a directory's status means for the rows below it: entries below a renamed directory
 * moved with it; anything else leaves its children their own status.
 */
export function inheritedBy(dirPath: string, dir: RowChange | undefined): RowChange | undefined {
  if (!dir) return undefined;
  const c = dir.change;
  if (c.kind !== 'renamed' || c.oldPath === undefined) return undefined;
  if (dir.moved) return dir;
  return { status: dir.status, change: c, moved: { from: c.oldPath, to: c.path } };
}

/** The status of a row at `path` below a directory whose inherited status is `inherit`. */
export function movedRow(path: string, inherit: RowChange): RowChange {
  const { from, to } = inherit.moved!;
  const fromDir = inherit.status === 'renamed-from';
  const base = fromDir ? from : to;
  const rest = path.slice(base.length);
  return { status: inherit.status, change: inherit.change, moved: { from: from + rest, to: to + rest } };
}

/**
 * The comparison's status of the node shown at `path` (a before-image entry, or with `afterOnly`
 * the stand-in entry of an after-only one), including statuses inherited from a renamed directory.
 */
export function changeAt(o: DiffOverlay, path: string, afterOnly: boolean): RowChange | undefined {
  if (afterOnly) {
    const a = o.afterPaths.get(path);
    return a ? { status: a.status, change: a.change } : undefined;
  }
  const own = beforeAt(o, path);
  if (own) return own;
  for (let p = parentPath(path), child = path; child !== '/'; child = p, p = parentPath(p)) {
    const renamedAway = beforeAt(o, p);
    if (renamedAway?.status === 'renamed-from') return movedRow(path, inheritedBy(p, renamedAway)!);
    const arrived = o.afterPaths.get(p);
    if (arrived?.status === 'renamed-to') return movedRow(path, inheritedBy(p, { status: 'renamed-to', change: arrived.change })!);
    if (p === '/') break;
  }
  return undefined;
}

/** Path of a (before-image) row's node in the after image, and the reverse: where the comparison looks it up. */
export function otherPath(path: string, rc: RowChange | undefined): string {
  if (rc?.moved) return rc.status === 'renamed-from' ? rc.moved.to : rc.moved.from;
  if (rc?.status === 'renamed-from') return rc.change.path;
  if (rc?.status === 'renamed-to') return rc.change.oldPath ?? path;
  return path;
}
