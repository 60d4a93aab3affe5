/**
 * Cuts one image's file content into the units each sharing scheme deduplicates, and keys each unit
 * by the first 64 bits of its SHA-256:
 * - file: whole files (composefs and ostree share identical files as one object);
 * - block: aligned blocks of each file (EROFS and Nydus deduplicate blocks);
 * - casync: content-defined chunks of the files' bytes in catar order (depth-first, name-sorted),
 *   cut by casync's buzhash at its default 16/64/256 KiB;
 * - fastcdc: content-defined chunks of the files' bytes in PuzzleFS builder order (directories
 *   depth-first, each directory's files by name), cut by FastCDC v2020 at PuzzleFS's 16/64/256 KiB.
 *
 * Chunkers run over the stream of all files as casync and PuzzleFS do, so a chunk may span files;
 * its bytes are attributed to the files it covers. Metadata (catar entries, PuzzleFS inodes) is
 * not chunked: every figure here is about file data.
 */
import { BuzhashChunker, CASYNC_DEFAULT_SIZES, type ChunkSizes } from './buzhash.ts';
import { FastCdcStream, PUZZLEFS_SIZES } from './fastcdc.ts';

export const SCHEMES = ['file', 'block', 'casync', 'fastcdc'] as const;
export type Scheme = (typeof SCHEMES)[number];

/** One regular file to analyse (a hard-linked inode appears once). */
export interface ShareFile {
  path: string;
  size: number;
  /** Directory visit order for PuzzleFS's stream: the index of the parent in a depth-first walk. */
  dirOrder: number;
  /** Reads `length` bytes at `offset`; may return fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A hash from bytes to a digest of at least 8 bytes (the Node side passes native SHA-256). */
export interface UnitHasher {
  digest(bytes: Uint8Array): Uint8Array;
  /** Incremental form for whole files. */
  create(): { update(bytes: Uint8Array): void; digest(): Uint8Array };
}

/** Units of one scheme: parallel arrays, plus which files each unit's bytes belong to. */
export interface UnitList {
  count: number;
  hi: Uint32Array;
  lo: Uint32Array;
  length: Float64Array;
  /** Attribution triples: unit index, file index, bytes of that file in the unit. */
  attrUnit: Uint32Array;
  attrFile: Uint32Array;
  attrBytes: Float64Array;
  attrCount: number;
}

export interface ImageUnits {
  files: { path: string; size: number }[];
  logical: number;
  units: Record<Scheme, UnitList>;
}

export interface UnitOptions {
  blockSize: number;
  casync: ChunkSizes;
  fastcdc: ChunkSizes;
  /** Bytes read per call; also the granularity of progress and cancellation. */
  readSize: number;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

export const DEFAULT_UNIT_OPTIONS: UnitOptions = {
  blockSize: 4096,
  casync: CASYNC_DEFAULT_SIZES,
  fastcdc: PUZZLEFS_SIZES,
  readSize: 1 << 20,
};

/** A growable UnitList builder. */
class UnitBuilder {
  private l: UnitList;
  constructor() {
    this.l = {
      count: 0, hi: new Uint32Array(64), lo: new Uint32Array(64), length: new Float64Array(64),
      attrUnit: new Uint32Array(64), attrFile: new Uint32Array(64), attrBytes: new Float64Array(64), attrCount: 0,
    };
  }

  add(digest: Uint8Array, length: number): number {
    const l = this.l;
    if (l.count === l.hi.length) {
      const n = l.count * 2;
      l.hi = grow(l.hi, n);
      l.lo = grow(l.lo, n);
      l.length = grow(l.length, n);
    }
    l.hi[l.count] = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
    l.lo[l.count] = ((digest[4]! << 24) | (digest[5]! << 16) | (digest[6]! << 8) | digest[7]!) >>> 0;
    l.length[l.count] = length;
    return l.count++;
  }

  attribute(unit: number, file: number, bytes: number): void {
    const l = this.l;
    if (l.attrCount === l.attrUnit.length) {
      const n = l.attrCount * 2;
      l.attrUnit = grow(l.attrUnit, n);
      l.attrFile = grow(l.attrFile, n);
      l.attrBytes = grow(l.attrBytes, n);
    }
    l.attrUnit[l.attrCount] = unit;
    l.attrFile[l.attrCount] = file;
    l.attrBytes[l.attrCount] = bytes;
    l.attrCount++;
  }

  done(): UnitList {
    return this.l;
  }
}

function grow<T extends Uint32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * Collects a content-defined chunker's output: keeps the bytes of the chunk being cut (at most
 * `max`) and which files they came from, and hashes each chunk when the chunker cuts it.
 */
class ChunkCollector {
  private buf: Uint8Array;
  private used = 0;
  /** Files covering the pending bytes: [file index, bytes] in stream order. */
  private spans: number[] = [];

  constructor(
    max: number,
    private readonly out: UnitBuilder,
    private readonly hasher: UnitHasher,
  ) {
    this.buf = new Uint8Array(max * 2);
  }

  /** Records bytes entering the chunker (before it is told about them). */
  enter(file: number, bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) {
      const b = new Uint8Array(Math.max(this.buf.length * 2, this.used + bytes.length));
      b.set(this.buf.subarray(0, this.used));
      this.buf = b;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
    const n = this.spans.length;
    if (n > 0 && this.spans[n - 2] === file) this.spans[n - 1]! += bytes.length;
    else this.spans.push(file, bytes.length);
  }

  /** The chunker cut `length` bytes off the front of the pending bytes. */
  cut = (length: number): void => {
    const unit = this.out.add(this.hasher.digest(this.buf.subarray(0, length)), length);
    let left = length;
    let i = 0;
    while (left > 0) {
      const take = Math.min(left, this.spans[i + 1]!);
      this.out.attribute(unit, this.spans[i]!, take);
      left -= take;
      this.spans[i + 1]! -= take;
      if (this.spans[i + 1] === 0) i += 2;
    }
    this.spans.splice(0, i);
    this.buf.copyWithin(0, length, this.used);
    this.used -= length;
  };
}

/** PuzzleFS builder order: files grouped by their directory's depth-first index, by name within. */
function puzzlefsOrder(files: ShareFile[]): number[] {
  return files.map((_, i) => i).sort((a, b) => files[a]!.dirOrder - files[b]!.dirOrder || a - b);
}

/**
 * Reads every file once for the file, block and casync units (catar order = the order given), and
 * a second time for the FastCDC stream only when PuzzleFS's order differs from it.
 */
export async function extractUnits(files: ShareFile[], hasher: UnitHasher, options: Partial<UnitOptions> = {}): Promise<ImageUnits> {
  const o = { ...DEFAULT_UNIT_OPTIONS, ...options };
  const builders = { file: new UnitBuilder(), block: new UnitBuilder(), casync: new UnitBuilder(), fastcdc: new UnitBuilder() };
  const casync = new ChunkCollector(o.casync.max, builders.casync, hasher);
  const casyncChunker = new BuzhashChunker(casync.cut, o.casync);
  const fastcdc = new ChunkCollector(o.fastcdc.max, builders.fastcdc, hasher);
  const fastcdcChunker = new FastCdcStream(fastcdc.cut, o.fastcdc);
  const order = puzzlefsOrder(files);
  const sameOrder = order.every((f, i) => f === i);
  let logical = 0;

  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    logical += file.size;
    // A file's key hashes its size and its blocks' digests: equal exactly when the content is
    // (short of a SHA-256 collision), without hashing every byte a second time.
    const whole = hasher.create();
    whole.update(sizePrefix(file.size));
    await readFile(file, o, (piece) => {
      blocksOf(piece, f, o.blockSize, builders.block, hasher, whole);
      casync.enter(f, piece);
      casyncChunker.push(piece);
      if (sameOrder) {
        fastcdc.enter(f, piece);
        fastcdcChunker.push(piece);
      }
    });
    builders.file.attribute(builders.file.add(whole.digest(), file.size), f, file.size);
  }
  if (!sameOrder) {
    for (const f of order) {
      await readFile(files[f]!, { ...o, onBytes: undefined }, (piece) => {
        fastcdc.enter(f, piece);
        fastcdcChunker.push(piece);
      });
    }
  }
  casyncChunker.finish();
  fastcdcChunker.finish();
  return {
    files: files.map((f) => ({ path: f.path, size: f.size })),
    logical,
    units: {
      file: builders.file.done(),
      block: builders.block.done(),
      casync: builders.casync.done(),
      fastcdc: builders.fastcdc.done(),
    },
  };
}

/**
 * Reads one file in pieces aligned to the block size (so block units never straddle two pieces),
 * checking cancellation between reads. A file shorter than it claims is an error, not zeros.
 */
async function readFile(file: ShareFile, o: UnitOptions, each: (piece: Uint8Array) => void): Promise<void> {
  const step = Math.max(o.blockSize, o.readSize - (o.readSize % o.blockSize));
  for (let at = 0; at < file.size; at += step) {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('cancelled');
    const want = Math.min(step, file.size - at);
    const piece = await file.read(at, want);
    if (piece.length !== want) {
      throw new Error(`${file.path}: read ${piece.length} of ${want} bytes at offset ${at}; the file is shorter than its size`);
    }
    each(piece);
    o.onBytes?.(want);
  }
}

function blocksOf(piece: Uint8Array, file: number, blockSize: number, out: UnitBuilder, hasher: UnitHasher, whole: { update(b: Uint8Array): void }): void {
  for (let p = 0; p < piece.length; p += blockSize) {
    const block = piece.subarray(p, Math.min(piece.length, p + blockSize));
    const digest = hasher.digest(block);
    whole.update(digest);
    out.attribute(out.add(digest, block.length), file, block.length);
  }
}

function sizePrefix(size: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, size);
  return b;
}
