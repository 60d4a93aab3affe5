/**
 * Pairing removed and added entries into renames: "the same content and metadata at another
 * path". Whole directories first, outermost first, so a moved tree is one rename; then single
 * entries. Candidates are found by identity hash (identity.ts); a pair is decided exactly, by the
 * same comparison a path present in both images gets (nothing but the name may differ), so a hash
 * collision costs time, never a wrong answer. Among several equal candidates the first in path
 * order wins, which keeps the result deterministic.
 */
import { bytesEqual, type ImageNode, type ImageReader, type NodeKind } from '../model.ts';
import { compareData, compareMeta, type CompareContext, type Side, type ViewFn } from './compare.ts';
import { NEEDS_READ, type Shortcut } from './erofs-shortcut.ts';

/** A path present in one image only. A directory's descendants follow it in the record list. */
export interface OneSided {
  kind: 'added' | 'removed';
  /** The path of the containing directory and the entry's name (the path is built when reported). */
  dir: string;
  name: Uint8Array;
  nodeKind: NodeKind;
  /** Node id in its image (A for removed, B for added). */
  id: number;
  /** identityHash, for a directory combined with its entries' names and hashes. */
  hash: number;
  /** Whether the entry (or, for a directory, something below it) carries identifying content. */
  content: boolean;
  descendants: number;
  link?: number;
}

export interface RenameContext extends CompareContext {
  a: ImageReader;
  b: ImageReader;
  view: ViewFn;
  shortcut?: Shortcut;
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
  const candidate = (i: number, kind: 'added' | 'removed', dir: boolean): boolean => {
    const r = recs[i]!;
    return !drop[i] && r.kind === kind && (r as OneSided).content && ((r as OneSided).nodeKind === 'dir') === dir;
  };
  const untouched = (j: number): boolean => drop.subarray(j, j + one(j).descendants + 1).every((d) => d === 0);

  /**
   * The two entries and everything below them are equal, names below included. Records are in
   * depth-first order with their descendant counts, so equal names and counts at every position
   * mean equal paths relative to the two roots.
   */
  const sameTree = async (j: number, i: number): Promise<boolean> => {
    const below = one(i).descendants;
    if (one(j).descendants !== below) return false;
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
   * Hashes occurring among both the removed and the added candidates. Sorted arrays rather than a
   * map of every hash: in a diff of unrelated trees there are hundreds of thousands and no match.
   */
  const sharedHashes = (dir: boolean): Set<number> => {
    const sorted = (kind: 'added' | 'removed') => {
      const hs: number[] = [];
      for (let i = 0; i < recs.length; i++) if (candidate(i, kind, dir)) hs.push(one(i).hash);
      return Float64Array.from(hs).sort();
    };
    const [x, y] = [sorted('removed'), sorted('added')];
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
    const both = sharedHashes(dir);
    if (!both.size) continue;
    /** Removed candidates by hash, in path order; `start` skips the front already paired or dropped. */
    const byHash = new Map<number, { items: number[]; start: number }>();
    for (let j = 0; j < recs.length; j++) {
      if (!candidate(j, 'removed', dir) || !both.has(one(j).hash)) continue;
      const queue = byHash.get(one(j).hash);
      if (queue) queue.items.push(j);
      else byHash.set(one(j).hash, { items: [j], start: 0 });
    }
    for (let i = 0; i < recs.length; i++) {
      const queue = candidate(i, 'added', dir) && both.has(one(i).hash) ? byHash.get(one(i).hash) : undefined;
      if (!queue) continue;
      // Many identical files share one hash: moving past the used front keeps pairing them linear.
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
