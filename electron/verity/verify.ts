/**
 * Verifies an image against its object stores: every regular file's backing object is found
 * (store.ts), its size compared with the inode's, and its fs-verity digest compared with the one
 * recorded in the metacopy xattr. Objects shared by several files are digested once. Optionally
 * the image file's own fs-verity digest is measured and compared with an expected one (what the
 * `digest=` mount option enforces).
 */
import { statSync } from 'node:fs';
import type { VerityResult, VerityStatus } from '../../shared/api.ts';
import { imageDataLayout } from '../../shared/composefs/data.ts';
import { walkComposefs } from '../../shared/composefs/dump.ts';
import { latin1 } from '../../shared/composefs/escape.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { bytesEqual, S_IFMT, S_IFREG, toHex, type ImageReader } from '../../shared/model.ts';
import { AbortError, digestFileHere, nodeVerityHash } from './node-hash.ts';
import { createVerityPool, type FileDigest, type VerityPool } from './pool.ts';
import { createResolver } from './store.ts';

export interface VerifyCounters {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface VerifyOptions {
  /** The image file, to measure its own fs-verity digest. */
  imagePath?: string;
  /** Object store directories, tried in order. */
  stores: string[];
  /** Hex fs-verity digest the image must have ("sha256:" prefix allowed). */
  expectedImageDigest?: string;
  signal?: AbortSignal;
  onProgress?: (p: VerifyCounters) => void;
  /** Each file's result as soon as it is known (in completion order). */
  onResult?: (r: VerityResult) => void;
  /** A long-lived pool to use; otherwise one is made for this call and closed afterwards. */
  pool?: VerityPool;
}

export interface VerifyOutcome {
  cancelled: boolean;
  counts: Partial<Record<VerityStatus, number>>;
  imageDigest?: string;
  expectedImageDigest?: string;
  /** One result per regular file (hardlinks once), in walk order. */
  results: VerityResult[];
  /** Parts of the image that could not be walked (their files are not in the results). */
  problems: string[];
}

/**
 * Objects in flight: more than the pool keeps busy at once (threads x 2 jobs x 64-file batches),
 * so batches fill; few enough that memory stays flat however many objects an image has.
 */
const MAX_IN_FLIGHT = 1024;
const PROGRESS_INTERVAL_MS = 100;

interface FileRec {
  index: number;
  nodeId: number;
  path: string;
  size: number;
  payload?: Uint8Array;
  digest?: Uint8Array;
  /** Its bytes are in the image (info counts the same files as "with data in the image"). */
  inImage?: boolean;
}

const NO_OBJECT_MESSAGE = {
  empty: 'empty file: no bytes to verify',
  data: 'data stored in the image: no backing object',
  hole: 'no backing object and no data in the image: the file reads as zeros',
};

/**
 * Accepts `hex`, `sha256:hex` (64 digits) or `sha512:hex` (128 digits); returns lower-case hex, whose
 * length says the hash, or throws a message fit for a user.
 */
export function normalizeDigest(text: string): string {
  const t = text.trim().toLowerCase();
  const hex = t.replace(/^sha(256|512):/, '');
  const want = t.startsWith('sha512:') ? [128] : t.startsWith('sha256:') ? [64] : [64, 128];
  if (!/^[0-9a-f]+$/.test(hex) || !want.includes(hex.length)) {
    throw new Error(`'${text}' is not an fs-verity digest (64 hex digits for sha256, 128 for sha512)`);
  }
  return hex;
}

/** sha512 digests (64 bytes) are measured on this thread: the pool hashes sha256 only. */
function digestSha512(path: string): Promise<FileDigest> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        const digest = digestFileHere(path, nodeVerityHash('sha512'));
        resolve({ digest, size: statSync(path).size });
      } catch (e) {
        reject(e);
      }
    });
  });
}

const isAbort = (e: unknown): boolean => (e as { code?: string })?.code === 'ABORT_ERR' || (e as Error)?.name === 'AbortError';
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export async function verifyImage(reader: ImageReader, opts: VerifyOptions): Promise<VerifyOutcome> {
  const expectedImageDigest = opts.expectedImageDigest === undefined ? undefined : normalizeDigest(opts.expectedImageDigest);
  const { signal } = opts;
  const problems: string[] = [];
  const files: FileRec[] = [];
  const results: (VerityResult | undefined)[] = [];
  const counts: Partial<Record<VerityStatus, number>> = {};
  const progress: VerifyCounters = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  let lastProgress = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastProgress < PROGRESS_INTERVAL_MS)) return;
    lastProgress = now;
    opts.onProgress({ ...progress });
  };
  const onBytes = (n: number) => {
    progress.bytesDone += n;
    report();
  };
  const emit = (f: FileRec, status: VerityStatus, extra?: Partial<VerityResult>) => {
    // Built field by field: object spreads are a runtime call each, at one result per file.
    const r = { nodeId: f.nodeId, path: f.path, status } as VerityResult;
    if (f.digest) r.expected = toHex(f.digest);
    r.expectedSize = f.size;
    if (extra) Object.assign(r, extra);
    results[f.index] = r;
    counts[status] = (counts[status] ?? 0) + 1;
    progress.filesDone++;
    opts.onResult?.(r);
    report();
  };

  const pool = opts.pool ?? createVerityPool();
  const resolver = createResolver(opts.stores);
  // Keyed by the object's real path, so two payloads reaching one file (through a symlink) cost one digest.
  const digests = new Map<string, Promise<FileDigest>>();
  let imageDigest: string | undefined;
  let cancelled = false;
  /** A pool that cannot run says nothing about the objects: stop and report it, not N unreadables. */
  let fatal: Error | undefined;

  /**
   * Resolves a group's object and settles every file that needs no digest, synchronously: a store
   * missing most objects must not cost a promise chain per object. Returns what is left to digest.
   */
  const resolveGroup = (group: FileRec[]): { path: string; size: number; files: FileRec[]; wanted: number } | undefined => {
    const wanted = group.some((f) => f.digest) ? group[0]!.size : 0;
    const r = resolver.resolve(group[0]!.payload!);
    if (!r.ok) {
      const extra: Partial<VerityResult> = r.path ? { message: r.message, objectPath: r.path } : { message: r.message };
      for (const f of group) emit(f, r.reason, extra);
      onBytes(wanted);
      return undefined;
    }
    const toDigest: FileRec[] = [];
    for (const f of group) {
      const where = { objectPath: r.path, actualSize: r.size };
      if (f.size !== r.size) emit(f, 'size-mismatch', { ...where, message: `object is ${r.size} bytes, the inode says ${f.size}` });
      else if (!f.digest) emit(f, 'no-digest', { ...where, message: 'no fs-verity digest recorded for this file' });
      else toDigest.push(f);
    }
    if (toDigest.length === 0) {
      onBytes(wanted);
      return undefined;
    }
    return { path: r.path, size: r.size, files: toDigest, wanted };
  };

  const digestGroup = async (r: { path: string; size: number; files: FileRec[]; wanted: number }): Promise<void> => {
    const toDigest = r.files;
    const sha512 = toDigest[0]!.digest!.length === 64;
    const key = sha512 ? `sha512:${r.path}` : r.path;
    let pending = digests.get(key);
    if (!pending) {
      pending = sha512
        ? digestSha512(r.path).then((d) => (onBytes(r.size), d))
        : pool.digestFile(r.path, { size: r.size, noFollow: true, onBytes, ...(signal ? { signal } : {}) });
      digests.set(key, pending);
    } else {
      onBytes(r.wanted);
    }
    let measured: FileDigest;
    try {
      measured = await pending;
    } catch (e) {
      if (isAbort(e)) return; // cancelled: these files stay unreported
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EWORKER') {
        fatal ??= e as Error;
        return;
      }
      for (const f of toDigest) {
        emit(f, code === 'ENOENT' ? 'missing' : 'unreadable', { objectPath: r.path, message: (e as Error).message });
      }
      return;
    }
    const actual = toHex(measured.digest);
    for (const f of toDigest) {
      const extra = { objectPath: r.path, actual, actualSize: measured.size };
      if (bytesEqual(measured.digest, f.digest!)) emit(f, 'verified', extra);
      else emit(f, 'mismatch', { ...extra, message: 'the object does not have the fs-verity digest recorded in the image' });
    }
  };

  try {
    // The image's own digest is hashed by the workers while this thread walks the tree.
    let imageJob: Promise<void> | undefined;
    if (opts.imagePath) {
      const imagePath = opts.imagePath;
      const size = statSync(imagePath).size;
      progress.bytesTotal += size;
      const imageHash = expectedImageDigest?.length === 128 ? digestSha512(imagePath).then((d) => (onBytes(size), d)) : pool.digestFile(imagePath, { size, onBytes, ...(signal ? { signal } : {}) });
      imageJob = imageHash.then((d) => {
        imageDigest = toHex(d.digest);
      });
      imageJob.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    }
    report(true);
    try {
      // A bulk walk: one large read of the whole image beats thousands of small cached ones.
      const bulk = reader as { prefetchAll?: () => Promise<boolean> };
      if (bulk.prefetchAll) await bulk.prefetchAll();
      await walkComposefs(
        reader,
        (e) => {
          if (signal?.aborted) throw new AbortError();
          if (e.hardlinkOf || (e.view.mode & S_IFMT) !== S_IFREG) return;
          const digest = e.view.digest ?? e.view.legacyDigest;
          const f: FileRec = { index: files.length, nodeId: e.id, path: displayBytes(e.path), size: e.view.size };
          if (e.view.payload) f.payload = e.view.payload;
          if (digest) f.digest = digest;
          if (imageDataLayout(reader.format, e.node, e.view)) f.inImage = true;
          files.push(f);
        },
        (p) => problems.push(`${displayBytes(p.path)}: ${p.reason === 'decode' ? String((p.error as Error)?.message ?? p.error) : p.reason}`),
      );
    } catch (e) {
      if (!isAbort(e)) throw e;
    }
    progress.filesTotal = files.length;

    // Files with the same payload share one object.
    const objects = new Map<string, FileRec[]>();
    for (const f of files) {
      if (signal?.aborted) break;
      if (!f.payload) {
        // 'inline' means what info's "files with data in the image" counts; the rest have no bytes to check.
        if (f.inImage) emit(f, 'inline', { message: NO_OBJECT_MESSAGE.data });
        else emit(f, 'empty', { message: NO_OBJECT_MESSAGE[f.size === 0 ? 'empty' : 'hole'] });
        continue;
      }
      const key = latin1(f.payload);
      const group = objects.get(key);
      if (group) group.push(f);
      else objects.set(key, [f]);
    }
    for (const group of objects.values()) if (group.some((f) => f.digest)) progress.bytesTotal += group[0]!.size;
    report(true);

    // A counter and a single waiter: Promise.race over the in-flight set would cost O(in-flight)
    // allocations per object, which at 200,000 objects is most of the run in garbage collection.
    let active = 0;
    let wake: (() => void) | undefined;
    const slotFreed = () => new Promise<void>((r) => (wake = r));
    const settled = () => {
      active--;
      const w = wake;
      wake = undefined;
      w?.();
    };
    let started = 0;
    for (const group of objects.values()) {
      if (signal?.aborted || fatal) break;
      // Resolution is synchronous; give progress, results and cancellation a turn now and then.
      if (++started % 256 === 0) await nextTurn();
      const job = resolveGroup(group);
      if (!job) continue;
      while (active >= MAX_IN_FLIGHT) await slotFreed();
      active++;
      digestGroup(job)
        .catch((e: Error) => void (fatal ??= e))
        .finally(settled);
    }
    while (active > 0) await slotFreed();
    if (fatal) throw fatal;
    if (imageJob) {
      try {
        await imageJob;
      } catch (e) {
        if (!isAbort(e)) throw e;
      }
    }
    cancelled = signal?.aborted ?? false;
  } finally {
    if (!opts.pool) await pool.close();
  }
  report(true);
  return {
    cancelled,
    counts,
    ...(imageDigest ? { imageDigest } : {}),
    ...(expectedImageDigest ? { expectedImageDigest } : {}),
    results: results.filter((r): r is VerityResult => r !== undefined),
    problems,
  };
}
