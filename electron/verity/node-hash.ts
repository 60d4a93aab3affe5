/**
 * The fs-verity digest on node:crypto (OpenSSL, SHA-NI where the CPU has it): the same Merkle code
 * as the format core, with a hash that is about ten times faster than the pure-JS one.
 */
import crypto from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FS_VERITY_HASH_ALG_SHA256, FS_VERITY_HASH_ALG_SHA512 } from '../../shared/verity/descriptor.ts';
import { createFsverityHasher, createVerityTree, digestFromRoot, FS_VERITY_BLOCK_SIZE, rootFromLeaves, type VerityHash } from '../../shared/verity/merkle.ts';

// crypto.hash (Node >= 20.12) skips the Hash object per call, which matters at one call per 4 KiB.
const oneShot = typeof crypto.hash === 'function';

export const nodeSha256: VerityHash = {
  algorithm: FS_VERITY_HASH_ALG_SHA256,
  name: 'sha256',
  digestSize: 32,
  hash: oneShot
    ? (d) => crypto.hash('sha256', d, 'buffer')
    : (d) => crypto.createHash('sha256').update(d).digest(),
};

/** Read size for streaming: large enough to amortise syscalls, small enough to stay flat in memory. */
export const READ_CHUNK = 1 << 20;

const BS = FS_VERITY_BLOCK_SIZE;
const DS = nodeSha256.digestSize;

/** Thrown when a read loop is told to stop; carries the code AbortSignal users expect. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'the operation was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * A read buffer with a ready-made view of each of its blocks, kept by one thread across files.
 * At one native hash call per 4 KiB, making a view per call costs a measurable share of the time.
 */
export interface ReadScratch {
  readonly buffer: Uint8Array;
  readonly blocks: readonly Uint8Array[];
}

export function createScratch(size: number = READ_CHUNK): ReadScratch {
  if (!Number.isInteger(size) || size <= 0 || size % BS !== 0) throw new RangeError(`read buffer of ${size} bytes is not a whole number of blocks`);
  const buffer = new Uint8Array(size);
  return { buffer, blocks: Array.from({ length: size / BS }, (_, k) => buffer.subarray(k * BS, (k + 1) * BS)) };
}

// A binary (latin1) string written into the output costs less than a Buffer per hash: ~20% in all.
const hashLatin1: (d: Uint8Array) => string = oneShot
  ? (d) => crypto.hash('sha256', d, 'binary')
  : (d) => crypto.createHash('sha256').update(d).digest('binary');

/**
 * Hashes the first `length` bytes of the scratch buffer, block by block (a short last block is a
 * file's last and is zero-padded), into `out` from hash index `at`; returns the next index.
 */
function hashBlocks(scratch: ReadScratch, length: number, out: Buffer, at: number): number {
  const whole = Math.floor(length / BS);
  for (let k = 0; k < whole; k++) out.write(hashLatin1(scratch.blocks[k]!), (at + k) * DS, 'binary');
  if (length % BS === 0) return at + whole;
  const pad = new Uint8Array(BS);
  pad.set(scratch.buffer.subarray(whole * BS, length));
  out.write(hashLatin1(pad), (at + whole) * DS, 'binary');
  return at + whole + 1;
}

export interface ReadLoopOptions {
  /** Reused read buffer (a thread hashing many files keeps one). */
  scratch?: ReadScratch;
  /** Called after each chunk with its length; return false to stop with an AbortError. */
  onChunk?: (bytes: number) => boolean | void;
  /** Refuse to follow a symlink in the last path component (object store paths are already resolved). */
  noFollow?: boolean;
}

function openRegular(path: string, noFollow: boolean | undefined): { fd: number; size: number } {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any non-file.
  // (Both flags are POSIX; where a platform lacks one it is simply not asked for.)
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (noFollow ? (constants.O_NOFOLLOW ?? 0) : 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL', path });
    }
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads [offset, offset+length) of an open file into the scratch buffer chunk by chunk, calling
 * `visit` with each chunk's length. A file that ends early changed under us; that is an error
 * rather than a digest of something else.
 */
function readRange(fd: number, path: string, offset: number, length: number, scratch: ReadScratch, visit: (got: number) => void, o: ReadLoopOptions): void {
  const buf = scratch.buffer;
  let done = 0;
  while (done < length) {
    const want = Math.min(buf.length, length - done);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + done + got);
      if (n === 0) throw Object.assign(new Error('file shrank while being read'), { code: 'ESHRANK', path });
      got += n;
    }
    visit(got);
    done += got;
    if (o.onChunk?.(got) === false) throw new AbortError();
  }
}

/** A scratch for one call: no bigger than the file needs. */
const scratchFor = (o: ReadLoopOptions, length: number): ReadScratch =>
  o.scratch ?? createScratch(Math.min(READ_CHUNK, Math.max(BS, Math.ceil(length / BS) * BS)));

/** fs-verity digest of a whole file, streaming in constant memory. */
export function digestFileSync(path: string, o: ReadLoopOptions = {}): { digest: Uint8Array; size: number } {
  const { fd, size } = openRegular(path, o.noFollow);
  try {
    const params = { hash: nodeSha256 };
    const scratch = scratchFor(o, size);
    const leaves = Buffer.allocUnsafe(scratch.blocks.length * DS);
    let root: Uint8Array;
    if (size <= scratch.buffer.length) {
      // One read holds the file (the usual object): no tree object, just its root.
      let count = 0;
      readRange(fd, path, 0, size, scratch, (got) => (count = hashBlocks(scratch, got, leaves, 0)), o);
      root = rootFromLeaves(leaves, count, params);
    } else {
      const tree = createVerityTree(params);
      readRange(fd, path, 0, size, scratch, (got) => tree.addLeafHashes(leaves, hashBlocks(scratch, got, leaves, 0)), o);
      root = tree.root();
    }
    return { digest: digestFromRoot(root, size, params), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Leaf (data block) hashes of one block-aligned segment of a file, for building a large file's
 * tree across threads. The segment must lie inside the file; only the file's last block is padded.
 */
export function leafHashesOfRangeSync(path: string, offset: number, length: number, o: ReadLoopOptions = {}): Uint8Array {
  if (offset % BS !== 0) throw new RangeError(`segment offset ${offset} is not block-aligned`);
  const { fd, size } = openRegular(path, o.noFollow);
  try {
    if (offset + length > size) {
      throw Object.assign(new Error('file shrank while being read'), { code: 'ESHRANK', path });
    }
    const scratch = scratchFor(o, length);
    const out = Buffer.alloc(Math.ceil(length / BS) * DS);
    let k = 0;
    readRange(fd, path, offset, length, scratch, (got) => (k = hashBlocks(scratch, got, out, k)), o);
    // A plain Uint8Array over its own memory: transferable, and no Buffer pool slab attached.
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } finally {
    closeSync(fd);
  }
}

/** An fs-verity hash on node:crypto by name (sha512 repositories, `measure --hash sha512`). */
export function nodeVerityHash(name: 'sha256' | 'sha512'): VerityHash {
  if (name === 'sha256') return nodeSha256;
  return {
    algorithm: FS_VERITY_HASH_ALG_SHA512,
    name: 'sha512',
    digestSize: 64,
    hash: oneShot ? (d) => crypto.hash('sha512', d, 'buffer') : (d) => crypto.createHash('sha512').update(d).digest(),
  };
}

/**
 * One file's fs-verity digest on this thread, for what the pool does not do (sha512, block sizes
 * other than 4096): the format core's Merkle code over reads of `buf`. A caller measuring many
 * files passes one buffer for all of them: a fresh 1 MiB buffer per file cost 10 s of 23 in a
 * 44k-object repository check. A FIFO or device is refused, never waited on.
 */
export function digestFileHere(path: string, hash: VerityHash, blockSize = FS_VERITY_BLOCK_SIZE, buf: Uint8Array = new Uint8Array(READ_CHUNK)): Uint8Array {
  const h = createFsverityHasher({ hash, blockSize });
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${path}: not a regular file`), { code: 'ENOTREG' });
    for (let off = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest();
}
