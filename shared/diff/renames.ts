/**
 * Pairing removed and added entries into renames: "the same content and metadata at another
 * path". Whole directories first, outermost first, so a moved tree is one rename; then single
 * entries. A pair is decided exactly, by the same comparison a path present in both images gets
 * (nothing but the name may differ), so candidates only need a key that equal entries share: a
 * collision costs time, never a wrong answer. Among several equal candidates the first in path
 * order wins, which keeps the result deterministic.
 *
 * Keys come in two strengths (identity.ts). Every entry has a cheap key from its inode fields;
 * a directory's key folds in its entries' names and keys. Directories pair by that key. A
 * single entry whose key the other side lacks cannot pair, so only entries whose keys meet are
 * decoded for their full identity (xattrs, digest, target, small in-image data), which then finds
 * their candidates. Unrelated trees thus cost no decoding, and a moved tree is matched by its key
 * and proved equal from raw bytes.
 */
import type { ChangeNodeKind } from '../api.ts';
import { bytesEqual, type ImageNode, type ImageReader } from '../model.ts';
import { compareData, compareMeta, type CompareContext, type Side, type ViewFn } from './compare.ts';
import { NEEDS_READ, type Shortcut } from './erofs-shortcut.ts';

/**
 * A path present in one image only. A directory's descendants follow it in the record list.
 * Every field is set when a record is made (undefined until known), so all records share a shape.
 */
export interface OneSided {
  kind: 'added' | 'removed';
  /** The containing directory's path with its trailing slash, and the entry's name (the path is built when reported). */
  dir: string;
  name: Uint8Array;
  nodeKind: ChangeNodeKind;
  /** Node id in its image (A for removed, B for added). */
  id: number;
  /** inodeKey; for a directory combined with its entries' names and keys. */
  key: number;
  /** identityHash with in-image data, for a non-directory once decoded. */
  hash?: number;
  /**
   * Whether the entry (or, for a directory, something below it) carries identifying content;
   * undefined until known (a non-directory once decoded, a directory once asked).
   */
  content?: boolean;
  descendants: number;
  link?: number;
}

export interface RenameContext extends CompareContext {
  a: ImageReader;
  b: ImageReader;
  view: ViewFn;
  shortcut?: Shortcut;
  /** Sets a non-directory record's hash and content, decoding its node. */
  identify(r: OneSided): Promise<void> | undefined;
}

/** Fields that follow from a directory's entries, which are compared one by one instead. */
const DERIVED_DIR_FIELDS = new Set(['size', 'nlink']);

async function nodeOf(r: ImageReader, id: number): Promise<ImageNode> {
  return r.tryNode?.(id) ?? r.node(id);
}

/** Would node `idA` of A and node `idB` of B compare as unchanged if they were at the same path? */
async function sameNode(ctx: RenameContext, idA: number, idB: number): Promise<boolean> {
  const raw = await ctx.shortcut?.examineLoaded(idA, idB);
  if (raw && 'kind' in raw) return true;
  const [na, nb] = [await nodeOf(ctx.a, idA), await nodeOf(ctx.b, idB)];
  const sa: Side = { reader: ctx.a, node: na, view: ctx.view(na) };
  const sb: Side = { reader: ctx.b, node: nb, view: ctx.view(nb) };
  const dirs = na.kind === 'dir' && nb.kind === 'dir';
  if (compareMeta(sa, sb, ctx).some((f) => !(dirs && DERIVED_DIR_FIELDS.has(f.field)))) return false;
  return (na.kind !== 'file' && nb.kind !== 'file') || (await compareData(sa, sb)) === undefined;
}

/**
 * Returns, per index of an added record, the index of the removed record it was renamed from;
 * `drop` marks the records folded into a rename (the old side, and everything below a renamed
 * directory on both sides).
 */
export async function pairRenames(
  ctx: RenameContext,
  recs: ({ kind: string } | OneSided)[],
  drop: Uint8Array,
): Promise<Map<number, number>> {
  const one = (i: number) => recs[i] as OneSided;
  const oneSided = (i: number, kind: 'added' | 'removed', dir: boolean): boolean => {
    const r = recs[i]!;
    return !drop[i] && r.kind === kind && ((r as OneSided).nodeKind === 'dir') === dir;
  };
  const untouched = (j: number): boolean => drop.subarray(j, j + one(j).descendants + 1).every((d) => d === 0);

  /** Directories pair by key, single entries by identity hash (known once their keys met). */
  const pairingKey = (i: number, dir: boolean): number => (dir ? one(i).key : one(i).hash!);

  /** Content of a directory: that of the first entry below it that has any. */
  const contentOf = async (i: number): Promise<boolean> => {
    const r = one(i);
    if (r.content === undefined) {
      let found = false;
      for (let k = i + 1; k <= i + r.descendants && !found; k++) {
        const d = one(k);
        if (d.nodeKind === 'dir') continue;
        if (d.content === undefined) await ctx.identify(d);
        found = d.content!;
      }
      r.content = found;
    }
    return r.content;
  };

  /** The two entries and everything below them are equal, names below included. */
  const sameTree = async (j: number, i: number): Promise<boolean> => {
    const below = one(i).descendants;
    if (one(j).descendants !== below) return false;
    // Records are in depth-first order with their descendant counts, so equal names and counts at
    // every position mean equal paths relative to the two roots.
    for (let k = 1; k <= below; k++) {
      const x = one(j + k);
      const y = one(i + k);
      if (x.descendants !== y.descendants || !bytesEqual(x.name, y.name)) return false;
    }
    for (let k = 0; k <= below; k++) {
      const x = one(j + k).id;
      const y = one(i + k).id;
      // Raw bytes settle most pairs of a moved tree without an await.
      const raw = ctx.shortcut?.examine(x, y);
      if (raw && raw !== NEEDS_READ && 'kind' in raw) continue;
      if (!(await sameNode(ctx, x, y))) return false;
    }
    return true;
  };

  /**
   * Values occurring among both the removed and the added records that pass `keep`. Sorted arrays
   * rather than a map of every value: in a diff of unrelated trees there are hundreds of thousands
   * and no match.
   */
  const meeting = (value: (i: number) => number, keep: (i: number, kind: 'added' | 'removed') => boolean): Set<number> => {
    const sorted = (kind: 'added' | 'removed') => {
      const hs: number[] = [];
      for (let i = 0; i < recs.length; i++) if (keep(i, kind)) hs.push(value(i));
      return Float64Array.from(hs).sort();
    };
    const x = sorted('removed');
    const y = sorted('added');
    const both = new Set<number>();
    for (let i = 0, j = 0; i < x.length && j < y.length; ) {
      if (x[i]! < y[j]!) i++;
      else if (x[i]! > y[j]!) j++;
      else both.add(x[i++]!);
    }
    return both;
  };

  const from = new Map<number, number>();
  for (const dir of [true, false]) {
    // Whatever can pair at all: its key meets one on the other side. Those get what the pairing
    // needs (content for directories, identity and content for single entries); nothing else does.
    const keys = meeting((i) => one(i).key, (i, kind) => oneSided(i, kind, dir));
    if (!keys.size) continue;
    for (let i = 0; i < recs.length; i++) {
      if (!oneSided(i, 'added', dir) && !oneSided(i, 'removed', dir)) continue;
      if (!keys.has(one(i).key)) continue;
      if (dir) await contentOf(i);
      else if (one(i).hash === undefined) await ctx.identify(one(i));
    }
    const candidate = (i: number, kind: 'added' | 'removed'): boolean =>
      oneSided(i, kind, dir) && keys.has(one(i).key) && one(i).content === true;
    const both = dir ? keys : meeting((i) => one(i).hash!, candidate);
    if (!both.size) continue;
    /** Removed candidates by pairing key, in path order; `start` skips the front already paired or dropped. */
    const byKey = new Map<number, { items: number[]; start: number }>();
    for (let j = 0; j < recs.length; j++) {
      if (!candidate(j, 'removed') || !both.has(pairingKey(j, dir))) continue;
      const queue = byKey.get(pairingKey(j, dir));
      if (queue) queue.items.push(j);
      else byKey.set(pairingKey(j, dir), { items: [j], start: 0 });
    }
    for (let i = 0; i < recs.length; i++) {
      const queue = candidate(i, 'added') && both.has(pairingKey(i, dir)) ? byKey.get(pairingKey(i, dir)) : undefined;
      if (!queue) continue;
      // Many identical files share one key: moving past the used front keeps pairing them linear.
      while (queue.start < queue.items.length && drop[queue.items[queue.start]!]) queue.start++;
      for (let q = queue.start; q < queue.items.length; q++) {
        const j = queue.items[q]!;
        if (!untouched(j) || !(await sameTree(j, i))) continue;
        from.set(i, j);
        drop.fill(1, j, j + one(j).descendants + 1);
        drop.fill(1, i + 1, i + one(i).descendants + 1);
        break;
      }
    }
  }
  return from;
}
