/**
 * The fs-verity file digest (Documentation/filesystems/fsverity.rst), over any hash function.
 *
 * Data is cut into blocks (4096 bytes for composefs), the last one zero-padded, and each block is
 * hashed. Those hashes are packed into blocks of the same size (zero-padded) and hashed again,
 * level by level, until one block remains; its hash is the root. A file of one block has that
 * block's hash as its root; an empty file has an all-zero root. The digest is the hash of the
 * descriptor carrying the root (descriptor.ts).
 *
 * Everything streams: the tree keeps one partial block per level, so memory stays at
 * (levels x block size) whatever the file size. The tree builder also accepts leaf hashes made
 * elsewhere, which lets the Node side hash a large file's blocks on several threads.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { encodeDescriptor, FS_VERITY_HASH_ALG_SHA256, FS_VERITY_HASH_ALG_SHA512 } from './descriptor.ts';

export const FS_VERITY_BLOCK_SIZE = 4096;

/** A hash function as fs-verity names it. `hash` must return a fresh array (callers keep it). */
export interface VerityHash {
  algorithm: number;
  name: string;
  digestSize: number;
  hash(data: Uint8Array): Uint8Array;
}

export const nobleSha256: VerityHash = {
  algorithm: FS_VERITY_HASH_ALG_SHA256,
  name: 'sha256',
  digestSize: 32,
  hash: (d) => sha256(d),
};

export const nobleSha512: VerityHash = {
  algorithm: FS_VERITY_HASH_ALG_SHA512,
  name: 'sha512',
  digestSize: 64,
  hash: (d) => sha512(d),
};

export interface VerityParams {
  hash?: VerityHash;
  /** Power of two, at least twice the digest size; 4096 unless told. */
  blockSize?: number;
}

function resolveParams(p: VerityParams = {}): { hash: VerityHash; blockSize: number; logBlockSize: number } {
  const hash = p.hash ?? nobleSha256;
  const blockSize = p.blockSize ?? FS_VERITY_BLOCK_SIZE;
  const logBlockSize = Math.log2(blockSize);
  if (!Number.isInteger(logBlockSize) || blockSize < 2 * hash.digestSize) {
    throw new RangeError(`fs-verity block size ${blockSize} is not a power of two of at least ${2 * hash.digestSize}`);
  }
  return { hash, blockSize, logBlockSize };
}

/** The Merkle tree above the data blocks, fed with leaf (data block) hashes in file order. */
export interface VerityTree {
  /** Appends `count` leaf hashes packed back to back in `hashes` (count defaults to all of them). */
  addLeafHashes(hashes: Uint8Array, count?: number): void;
  /** Number of leaf hashes added so far. */
  readonly leafCount: number;
  /** The root hash; the tree takes no more input afterwards. */
  root(): Uint8Array;
}

export function createVerityTree(params?: VerityParams): VerityTree {
  const { hash, blockSize } = resolveParams(params);
  const ds = hash.digestSize;
  const perBlock = blockSize / ds;
  // levels[i] holds the partial block of level-i hashes (level 0 = data block hashes).
  const levels: { buf: Uint8Array; fill: number; total: number }[] = [];
  let finished: Uint8Array | undefined;

  const levelAt = (i: number) => (levels[i] ??= { buf: new Uint8Array(blockSize), fill: 0, total: 0 });

  const push = (level: number, src: Uint8Array, at: number) => {
    for (let i = level; ; i++) {
      const l = levelAt(i);
      // A byte loop: for 32 bytes it is several times cheaper than set(subarray()).
      const buf = l.buf;
      for (let j = 0, o = l.fill * ds; j < ds; j++) buf[o + j] = src[at + j]!;
      l.fill++;
      l.total++;
      if (l.fill < perBlock) return;
      // A full block of hashes becomes one hash a level up. Stale bytes are overwritten before
      // they matter; the final partial block is zero-filled in root().
      l.fill = 0;
      src = hash.hash(buf);
      at = 0;
    }
  };

  return {
    addLeafHashes(hashes, count = Math.floor(hashes.length / ds)) {
      if (finished) throw new Error('fs-verity tree already finished');
      if (count * ds > hashes.length) throw new RangeError(`${count} hashes need ${count * ds} bytes, got ${hashes.length}`);
      let k = 0;
      const leaves = levelAt(0);
      while (k < count) {
        if (leaves.fill === 0 && count - k >= perBlock) {
          // A whole block of leaf hashes already lies in the input: hash it where it is.
          leaves.total += perBlock;
          push(1, hash.hash(hashes.subarray(k * ds, (k + perBlock) * ds)), 0);
          k += perBlock;
        } else {
          push(0, hashes, k * ds);
          k++;
        }
      }
    },
    get leafCount() {
      return levels[0]?.total ?? 0;
    },
    root() {
      if (finished) return finished.slice();
      for (let i = 0; ; i++) {
        const l = levels[i];
        if (!l) {
          finished = new Uint8Array(ds); // empty file: fs-verity defines the root as zeros
          break;
        }
        if (l.total === 1) {
          // One hash at this level is the root (a single data block is its own tree).
          finished = l.buf.slice(0, ds);
          break;
        }
        if (l.fill > 0) {
          l.buf.fill(0, l.fill * ds);
          const h = hash.hash(l.buf);
          l.fill = 0;
          push(i + 1, h, 0);
        }
      }
      return finished.slice();
    },
  };
}

/**
 * The root over a complete list of leaf hashes in memory. Up to one block of them (a file of at
 * most 128 blocks, 512 KiB) is a single hash, with no tree to build: most objects in a store.
 */
export function rootFromLeaves(hashes: Uint8Array, count: number, params?: VerityParams): Uint8Array {
  const { hash, blockSize } = resolveParams(params);
  const ds = hash.digestSize;
  if (count * ds > hashes.length) throw new RangeError(`${count} hashes need ${count * ds} bytes, got ${hashes.length}`);
  if (count === 0) return new Uint8Array(ds);
  if (count === 1) return Uint8Array.from(hashes.subarray(0, ds)); // a copy, even of a Node Buffer
  if (count * ds <= blockSize) {
    const block = new Uint8Array(blockSize);
    block.set(hashes.subarray(0, count * ds));
    return hash.hash(block);
  }
  const tree = createVerityTree(params);
  tree.addLeafHashes(hashes, count);
  return tree.root();
}

/** Hashes whole data blocks of `data` (its length a multiple of the block size, except at end of file). */
export function leafHashes(data: Uint8Array, params?: VerityParams): Uint8Array {
  const { hash, blockSize } = resolveParams(params);
  const n = Math.ceil(data.length / blockSize);
  const out = new Uint8Array(n * hash.digestSize);
  for (let k = 0; k < n; k++) {
    let block = data.subarray(k * blockSize, (k + 1) * blockSize);
    if (block.length < blockSize) {
      const padded = new Uint8Array(blockSize);
      padded.set(block);
      block = padded;
    }
    out.set(hash.hash(block), k * hash.digestSize);
  }
  return out;
}

/** The file digest from the tree root: the hash of the fs-verity descriptor. */
export function digestFromRoot(rootHash: Uint8Array, dataSize: number, params?: VerityParams): Uint8Array {
  const { hash, logBlockSize } = resolveParams(params);
  return hash.hash(encodeDescriptor({ hashAlgorithm: hash.algorithm, logBlockSize, dataSize, rootHash }));
}

export interface FsverityHasher {
  update(data: Uint8Array): FsverityHasher;
  /** Bytes given to update() so far. */
  readonly size: number;
  /** The fs-verity digest; the hasher takes no more input afterwards. */
  digest(): Uint8Array;
}

/** Streaming fs-verity digest: any chunking of the input gives the same result. */
export function createFsverityHasher(params?: VerityParams): FsverityHasher {
  const p = resolveParams(params);
  const { hash, blockSize } = p;
  const tree = createVerityTree(params);
  const block = new Uint8Array(blockSize);
  let fill = 0;
  let size = 0;
  let done = false;

  const hasher: FsverityHasher = {
    update(data) {
      if (done) throw new Error('fs-verity hasher already finished');
      size += data.length;
      let off = 0;
      if (fill > 0) {
        const n = Math.min(blockSize - fill, data.length);
        block.set(data.subarray(0, n), fill);
        fill += n;
        off = n;
        if (fill === blockSize) {
          tree.addLeafHashes(hash.hash(block), 1);
          fill = 0;
        }
      }
      // Whole blocks are hashed in place, without copying.
      for (; data.length - off >= blockSize; off += blockSize) {
        tree.addLeafHashes(hash.hash(data.subarray(off, off + blockSize)), 1);
      }
      if (off < data.length) {
        block.set(data.subarray(off), 0);
        fill = data.length - off;
      }
      return hasher;
    },
    get size() {
      return size;
    },
    digest() {
      if (done) throw new Error('fs-verity hasher already finished');
      done = true;
      if (fill > 0) {
        block.fill(0, fill);
        tree.addLeafHashes(hash.hash(block), 1);
      }
      return digestFromRoot(tree.root(), size, params);
    },
  };
  return hasher;
}

/** The fs-verity digest of bytes in memory (what `fsverity digest` prints, as raw bytes). */
export function fsverityDigest(data: Uint8Array, params?: VerityParams): Uint8Array {
  return createFsverityHasher(params).update(data).digest();
}
