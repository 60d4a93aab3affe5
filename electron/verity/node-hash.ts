/**
 * The fs-verity digest on node:crypto (OpenSSL, SHA-NI where the CPU has it): the same Merkle code
 * as the format core, with a hash that is about ten times faster than the pure-JS one.
 */
import crypto from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FS_VERITY_HASH_ALG_SHA256 } from '../../shared/verity/descriptor.ts';
import { createVerityTree, digestFromRoot, FS_VERITY_BLOCK_SIZE, rootFromLeaves, type VerityHash } from '../../shared/verity/merkle.ts';

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

/** Thrown when a read loop is told to stop; carries the code AbortSignal users expect. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'the operation was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

export interface ReadLoopOptions {
  /** Reused read buffer (callers on a hot path keep one per thread). */
  buffer?: Uint8Array;
  /** Called after each chunk with its length; return false to stop with an AbortError. */
  onChunk?: (bytes: number) => boolean | void;
  /** Refuse to follow a symlink in the last path component (object store paths are already resolved). */
  noFollow?: boolean;
}

function openRegular(path: string, noFollow: boolean | undefined): { fd: number; size: number } {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any non-file.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
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
 * Reads [offset, offset+length) of an open file into `visit` chunk by chunk. A file that ends
 * early changed under us; that is an error rather than a digest of something else.
 */
function readRange(fd: number, path: string, offset: number, length: number, visit: (chunk: Uint8Array) => void, o: ReadLoopOptions): void {
  const bs = FS_VERITY_BLOCK_SIZE;
  const buf = o.buffer ?? new Uint8Array(Math.min(READ_CHUNK, Math.max(bs, Math.ceil(length / bs) * bs)));
  let done = 0;
  while (done < length) {
    const want = Math.min(buf.length, length - done);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + done + got);
      if (n === 0) throw Object.assign(new Error('file shrank while being read'), { code: 'ESHRANK', path });
      got += n;
    }
    visit(buf.subarray(0, got));
    done += got;
    if (o.onChunk?.(got) === false) throw new AbortError();
  }
}

const DS = nodeSha256.digestSize;

/**
 * Hashes the data blocks of `chunk` (whole blocks, except a file's last one, which is zero-padded)
 * into `out` at hash index `at`. Whole-chunk loops instead of a streaming hasher: at one native
 * call per 4 KiB, every bit of JavaScript around the call shows in the throughput.
 */
function hashBlocks(chunk: Uint8Array, out: Uint8Array, at: number): number {
  const bs = FS_VERITY_BLOCK_SIZE;
  let k = at;
  let p = 0;
  for (; p + bs <= chunk.length; p += bs, k++) out.set(nodeSha256.hash(chunk.subarray(p, p + bs)), k * DS);
  if (p < chunk.length) {
    const pad = new Uint8Array(bs);
    pad.set(chunk.subarray(p));
    out.set(nodeSha256.hash(pad), k++ * DS);
  }
  return k;
}

function requireWholeBlocks(buffer: Uint8Array | undefined): void {
  if (buffer && buffer.length % FS_VERITY_BLOCK_SIZE !== 0) throw new RangeError('read buffer is not a whole number of blocks');
}

/** fs-verity digest of a whole file, streaming in constant memory. */
export function digestFileSync(path: string, o: ReadLoopOptions = {}): { digest: Uint8Array; size: number } {
  requireWholeBlocks(o.buffer);
  const { fd, size } = openRegular(path, o.noFollow);
  try {
    const params = { hash: nodeSha256 };
    const chunkBlocks = Math.ceil(Math.min(o.buffer?.length ?? READ_CHUNK, Math.max(size, 1)) / FS_VERITY_BLOCK_SIZE);
    const leaves = new Uint8Array(chunkBlocks * DS);
    let root: Uint8Array;
    if (size <= chunkBlocks * FS_VERITY_BLOCK_SIZE) {
      // One read holds the file (the usual object): no tree object, just its root.
      let count = 0;
      readRange(fd, path, 0, size, (chunk) => (count = hashBlocks(chunk, leaves, 0)), o);
      root = rootFromLeaves(leaves, count, params);
    } else {
      const tree = createVerityTree(params);
      readRange(fd, path, 0, size, (chunk) => tree.addLeafHashes(leaves, hashBlocks(chunk, leaves, 0)), o);
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
  if (offset % FS_VERITY_BLOCK_SIZE !== 0) throw new RangeError(`segment offset ${offset} is not block-aligned`);
  requireWholeBlocks(o.buffer);
  const { fd, size } = openRegular(path, o.noFollow);
  try {
    if (offset + length > size) {
      throw Object.assign(new Error('file shrank while being read'), { code: 'ESHRANK', path });
    }
    const out = new Uint8Array(Math.ceil(length / FS_VERITY_BLOCK_SIZE) * DS);
    let k = 0;
    readRange(fd, path, offset, length, (chunk) => (k = hashBlocks(chunk, out, k)), o);
    return out;
  } finally {
    closeSync(fd);
  }
}
