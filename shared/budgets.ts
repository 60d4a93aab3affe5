/**
 * The explicit limits every reader and service works within, so that a small hostile image costs
 * bounded time and memory and says which limit it reached, instead of exhausting the machine.
 *
 * Each limit is at least 10x what the largest real image we know of needs (the reference corpus in
 * ../shared/corpus and the 201,277-inode benchmark image in ../shared/bench, measured 2026-12-04):
 *
 * | limit                        | value              | largest real case                          |
 * |------------------------------|--------------------|--------------------------------------------|
 * | entries per directory        | 2,097,152          | 3,000 (02-fs-tree); the UI's stress case 200,000 |
 * | xattrs per inode             | 10,000             | 71 (04-dump-tree); Linux lists <= 64 KiB of names |
 * | path bytes held by a walk    | 16 MiB             | 522-byte paths, depth 7                    |
 * | CLI output per image         | max(1 GiB, 16x image) | 47 MB dump of the 53 MB benchmark image |
 * | decompressed bytes per layer | max(256 MiB, 1100x compressed) | deflate's own ceiling is ~1032:1 |
 * | chunks per splitstream       | 16,777,216         | 2 per tar member                           |
 * | named refs per splitstream   | 65,536             | 1 + layers per OCI manifest                |
 *
 * Reaching one is reported as a DecodeError or Finding whose code starts with `budget.` and whose
 * message names the limit and its value. Functions take overrides so tests can probe each edge.
 */
import { ruleError, type CodeInfo } from './model.ts';

export const BUDGETS = {
  /**
   * Entries in one directory. A directory's entries are materialised as one list (the UI pages
   * it, the walk sorts it); without a cap a block map repeating one block turns 276 KB into 14.7 M
   * entries and gigabytes of heap.
   */
  dirEntries: 1 << 21,
  /**
   * xattrs on one inode (inline and shared together, or pax SCHILY.xattr records on one member).
   * Linux's listxattr returns at most 64 KiB of names, so no inode a kernel can list has more than
   * about 9,300.
   */
  xattrsPerInode: 10_000,
  /**
   * Path bytes a depth-first walk holds at once (the open directories' paths). 4,000 nested
   * 255-byte names would otherwise hold 2 GB of ancestor paths.
   */
  walkPathBytes: 16 << 20,
  /** CLI output for one image: the larger of this and `outputPerImageByte` x the image size. */
  outputBytes: 1 << 30,
  outputPerImageByte: 16,
  /** Decompressed bytes of one compressed layer: the larger of this and `decompressRatio` x its compressed size. */
  decompressedBytes: 256 << 20,
  decompressRatio: 1100,
  /** Decompressed bytes an OCI layer reader keeps in memory while scanning (older ones are re-read on demand). */
  inflatedWindowBytes: 64 << 20,
  /**
   * Chunks in one splitstream (two per tar member at most: its header and padding inline, its
   * content as an object), and named refs in one. A layer of 1 M files stays far below either.
   */
  splitstreamChunks: 1 << 24,
  splitstreamNamedRefs: 1 << 16,
} as const;

export type BudgetName = keyof typeof BUDGETS;

/** The decompressed-size limit for a stream of `compressedSize` bytes. */
export const decompressedLimit = (compressedSize: number, b: Pick<typeof BUDGETS, 'decompressedBytes' | 'decompressRatio'> = BUDGETS): number =>
  Math.max(b.decompressedBytes, b.decompressRatio * compressedSize);

/** The output limit for one image of `imageSize` bytes. */
export const outputLimit = (imageSize: number, b: Pick<typeof BUDGETS, 'outputBytes' | 'outputPerImageByte'> = BUDGETS): number =>
  Math.max(b.outputBytes, b.outputPerImageByte * imageSize);

/** Human form of a byte count for messages ("16 MiB"). */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1 << 30], ['MiB', 1 << 20], ['KiB', 1 << 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** Finding codes for reaching a budget, in the same shape as the format code tables (they merge). */
export const BUDGET_CODES = {
  'budget.dir-entries': ruleError(`a directory may hold at most ${BUDGETS.dirEntries} entries (the inspector's budget; no real image comes near it)`),
  'budget.xattrs-per-inode': ruleError(`an inode may carry at most ${BUDGETS.xattrsPerInode} xattrs (the inspector's budget; Linux lists about 9,300 at most)`),
  'budget.walk-path-bytes': ruleError(`a walk holds at most ${formatBytes(BUDGETS.walkPathBytes)} of open directory paths; deeper directories are not entered`),
  'budget.decompressed-bytes': ruleError(`a compressed layer may decompress to at most ${BUDGETS.decompressRatio}x its size (at least ${formatBytes(BUDGETS.decompressedBytes)}); the rest is not read`),
  'budget.splitstream-chunks': ruleError(`a splitstream may hold at most ${BUDGETS.splitstreamChunks} chunks`),
  'budget.splitstream-named-refs': ruleError(`a splitstream may hold at most ${BUDGETS.splitstreamNamedRefs} named refs`),
  'budget.output-bytes': ruleError(`one image's listing may be at most ${BUDGETS.outputPerImageByte}x the image size (at least ${formatBytes(BUDGETS.outputBytes)})`),
} as const satisfies Record<string, CodeInfo>;
