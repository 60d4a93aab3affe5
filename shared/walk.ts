/**
 * Depth-first, name-sorted walk of an image, the order composefs-info prints in. Bounded: cycles
 * and directories reachable twice are reported, not followed; depth is capped.
 */
import { DecodeError } from './bytes/cursor.ts';
import { BUDGETS } from './budgets.ts';
import { compareBytes, type DirEntry, type ImageNode, type ImageReader } from './model.ts';

export interface WalkEntry {
  /** Absolute path bytes ("/" for the root). */
  path: Uint8Array;
  id: number;
  node: ImageNode;
  depth: number;
  /** For a second or later name of the same inode: the path it was first met at. */
  hardlinkOf?: Uint8Array;
  /** The directory entry that led here (undefined for the root). */
  entry?: DirEntry;
}

export interface WalkProblem {
  path: Uint8Array;
  id: number;
  error?: unknown;
  reason: 'decode' | 'cycle' | 'dir-reached-twice' | 'too-deep';
}

export interface WalkOptions {
  /** Skip nodes for which this returns true (they are not visited and not descended into). */
  skip?: (node: ImageNode, entry: DirEntry, depth: number) => boolean;
  /** Called for every problem; the walk goes on with the rest of the tree. */
  onProblem?: (p: WalkProblem) => void;
  maxDepth?: number;
  signal?: AbortSignal;
  /** Path bytes the open directories may hold at once (BUDGETS.walkPathBytes). */
  maxPathBytes?: number;
}

const SLASH = 0x2f;

/**
 * Hands out small byte arrays as views of larger slabs: a walk makes one path per entry, and one
 * ArrayBuffer each would cost more in garbage collection than the walk itself.
 */
export function slabAllocator(slabSize = 1 << 16): (n: number) => Uint8Array {
  let slab = new Uint8Array(slabSize);
  let used = 0;
  return (n) => {
    if (n > slabSize >> 2) return new Uint8Array(n);
    if (used + n > slab.length) {
      slab = new Uint8Array(slabSize);
      used = 0;
    }
    const out = slab.subarray(used, used + n);
    used += n;
    return out;
  };
}

export function joinPath(parent: Uint8Array, name: Uint8Array, alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array {
  const isRoot = parent.length === 1 && parent[0] === SLASH;
  const out = alloc((isRoot ? 1 : parent.length + 1) + name.length);
  if (isRoot) {
    out[0] = SLASH;
    out.set(name, 1);
  } else {
    out.set(parent);
    out[parent.length] = SLASH;
    out.set(name, parent.length + 1);
  }
  return out;
}

/** nid -> first path, stored as bytes in one growing buffer. */
function pathArena() {
  const index = new Map<number, number>();
  let buf = new Uint8Array(1 << 16);
  let used = 0;
  return {
    get(id: number): Uint8Array | undefined {
      const at = index.get(id);
      if (at === undefined) return undefined;
      const len = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000;
      return buf.slice(at + 4, at + 4 + len);
    },
    set(id: number, path: Uint8Array): void {
      const need = used + 4 + path.length;
      if (need > buf.length) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, need));
        bigger.set(buf.subarray(0, used));
        buf = bigger;
      }
      const n = path.length;
      buf[used] = n & 0xff;
      buf[used + 1] = (n >>> 8) & 0xff;
      buf[used + 2] = (n >>> 16) & 0xff;
      buf[used + 3] = n >>> 24;
      buf.set(path, used + 4);
      index.set(id, used);
      used = need;
    },
  };
}

export async function walk(
  reader: ImageReader,
  visit: (e: WalkEntry) => void | Promise<void>,
  options: WalkOptions = {},
): Promise<void> {
  const maxDepth = options.maxDepth ?? 4096;
  const maxPathBytes = options.maxPathBytes ?? BUDGETS.walkPathBytes;
  // Sum of the open frames' path lengths: nested long names make it grow with the square of the
  // depth (4,000 levels of 255-byte names would hold 2 GB), so it has its own budget.
  let heldPathBytes = 0;
  // Every non-directory's first path, as composefs-info finds hardlinks by nid (not by nlink, which
  // a damaged or hand-made image may get wrong). Kept as offsets into a byte arena: hundreds of
  // thousands of retained small objects would make garbage collection the walk's main cost.
  const firstPath = pathArena();
  const alloc = slabAllocator();
  const dirsSeen = new Set<number>();
  const problem = (p: WalkProblem) => options.onProblem?.(p);

  const root = await reader.node(reader.rootId);
  const rootPath = new Uint8Array([SLASH]);
  firstPath.set(root.id, rootPath);
  dirsSeen.add(root.id);
  await visit({ path: rootPath, id: root.id, node: root, depth: 0 });
  if (root.kind !== 'dir') return;

  // Explicit stack of directories whose children are still to be visited, so deep trees cannot
  // overflow the JS stack; the stack itself is the ancestor chain for telling cycles apart.
  type Frame = { id: number; path: Uint8Array; entries: DirEntry[]; next: number; depth: number };
  const open = async (id: number, path: Uint8Array, depth: number): Promise<Frame | undefined> => {
    try {
      const entries = reader.tryChildren?.(id) ?? (await reader.children(id));
      // On-disk order is already sorted in valid images; sort (a copy) only when it is not.
      let sorted = true;
      for (let i = 1; i < entries.length && sorted; i++) sorted = compareBytes(entries[i - 1]!.name, entries[i]!.name) < 0;
      if (!sorted) entries.sort((a, b) => compareBytes(a.name, b.name));
      return { id, path, entries, next: 0, depth };
    } catch (error) {
      problem({ path, id, error, reason: 'decode' });
      return undefined;
    }
  };
  const first = await open(root.id, rootPath, 0);
  const stack: Frame[] = first ? [first] : [];
  if (first) heldPathBytes = rootPath.length;
  while (stack.length) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    const f = stack[stack.length - 1]!;
    if (f.next >= f.entries.length) {
      stack.pop();
      heldPathBytes -= f.path.length;
      continue;
    }
    const entry = f.entries[f.next++]!;
    const path = joinPath(f.path, entry.name, alloc);
    let node: ImageNode;
    try {
      node = reader.tryNode?.(entry.id) ?? (await reader.node(entry.id));
    } catch (error) {
      problem({ path, id: entry.id, error, reason: 'decode' });
      continue;
    }
    const depth = f.depth + 1;
    if (options.skip?.(node, entry, depth)) continue;
    const seenAt = firstPath.get(entry.id);
    if (node.kind === 'dir') {
      if (dirsSeen.has(entry.id)) {
        const cycle = stack.some((fr) => fr.id === entry.id);
        problem({ path, id: entry.id, reason: cycle ? 'cycle' : 'dir-reached-twice' });
        continue;
      }
      dirsSeen.add(entry.id);
    }
    if (!seenAt && node.kind !== 'dir') firstPath.set(entry.id, path);
    const e: WalkEntry = { path, id: entry.id, node, depth, entry };
    if (seenAt) e.hardlinkOf = seenAt;
    const pending = visit(e);
    if (pending) await pending;
    if (node.kind === 'dir') {
      if (depth >= maxDepth) {
        problem({ path, id: entry.id, reason: 'too-deep' });
        continue;
      }
      if (heldPathBytes + path.length > maxPathBytes) {
        const r = entry.range ?? { offset: 0, length: 0 };
        const error = new DecodeError(
          `the walk already holds ${heldPathBytes} bytes of directory paths; entering this ${path.length}-byte path would pass the budget of ${maxPathBytes} (BUDGETS.walkPathBytes); not followed`,
          r.offset,
          r.length,
          'budget.walk-path-bytes',
        );
        problem({ path, id: entry.id, error, reason: 'decode' });
        continue;
      }
      const child = await open(entry.id, path, depth);
      if (child) {
        stack.push(child);
        heldPathBytes += path.length;
      }
    }
  }
}
