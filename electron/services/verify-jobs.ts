/**
 * Verify jobs: every backing object of an image against its fs-verity digest, in the background,
 * with progress events; and the one object of a selected file, measured on the spot when small.
 * One pool of hashing threads serves both; it starts on first use.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ImageId, ImageSummary, VerifyProgress, VerifySummary, VerityResult } from '../../shared/api.ts';
import { bytesEqual, toHex } from '../../shared/model.ts';
import type { ComposefsView } from '../../shared/composefs/overlay.ts';
import { normalizeDigest, verifyImage } from '../verity/verify.ts';
import { createVerityPool, type VerityPool } from '../verity/pool.ts';
import { resolveObject } from '../verity/store.ts';
import { listeners, type Registry, type Session } from './sessions.ts';

export const MEASURE_ON_SELECT_MAX = 16 << 20;

export function verifyJobs(registry: Registry, measureMax: number) {
  const progress = listeners<VerifyProgress>();
  const done = listeners<VerifySummary>();
  let nextJob = 1;
  let pool: VerityPool | undefined;
  const verityPool = () => (pool ??= createVerityPool());

  /**
   * The selected file's object, checked as a verify job would check it: found in a store, the size
   * the inode records, and (when small enough to do at once) the fs-verity digest the metacopy records.
   */
  const measureOne = async (s: Session, nodeId: number, view: ComposefsView): Promise<VerityResult | undefined> => {
    if (!view.payload || measureMax <= 0) return undefined;
    const path = s.paths.get(nodeId) ?? `#${nodeId}`;
    const digest = view.digest ?? view.legacyDigest;
    const base: VerityResult = { nodeId, path, status: 'missing', expectedSize: view.size, ...(digest ? { expected: toHex(digest) } : {}) };
    const r = resolveObject(s.summary.objectStores, view.payload);
    if (!r.ok) return { ...base, status: r.reason, message: r.message, ...(r.path ? { objectPath: r.path } : {}) };
    const where = { objectPath: r.path, actualSize: r.size };
    if (r.size !== view.size) return { ...base, ...where, status: 'size-mismatch', message: `object is ${r.size} bytes, the inode says ${view.size}` };
    if (!digest) return { ...base, ...where, status: 'no-digest', message: 'no fs-verity digest recorded for this file' };
    if (r.size > measureMax) return undefined;
    try {
      const d = await verityPool().digestFile(r.path, { size: r.size, noFollow: true });
      const actual = toHex(d.digest);
      return bytesEqual(d.digest, digest)
        ? { ...base, ...where, status: 'verified', actual }
        : { ...base, ...where, status: 'mismatch', actual, message: 'the object does not have the fs-verity digest recorded in the image' };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { ...base, ...where, status: code === 'ENOENT' ? 'missing' : 'unreadable', message: (e as Error).message };
    }
  };

  return {
    measureOne,

    async setObjectStores(imageId: ImageId, dirs: string[]): Promise<ImageSummary> {
      const s = registry.get(imageId);
      for (const d of dirs) if (typeof d !== 'string' || !isAbsolute(d)) throw new Error(`object store must be an absolute path: ${String(d)}`);
      s.summary = { ...s.summary, objectStores: [...new Set(dirs.map((d) => resolve(d)))] };
      // Results were measured against the old stores; they say nothing about the new ones.
      s.verity.clear();
      // The chosen directory may hold a Nydus bootstrap's data blobs: reopen to look there first.
      await registry.reopenForStores(s);
      return registry.summaryOf(s);
    },

    async verify(imageId: ImageId, expectedImageDigest?: string): Promise<{ jobId: string }> {
      const s = registry.get(imageId);
      // A malformed digest is the caller's mistake: say so now rather than as a failed job later.
      if (expectedImageDigest !== undefined) normalizeDigest(expectedImageDigest);
      const jobId = `verify-${nextJob++}`;
      const abort = new AbortController();
      s.jobs.set(jobId, abort);
      // Starts on the next turn so the caller has the job id before the first event can arrive.
      setImmediate(async () => {
        let summary: VerifySummary;
        try {
          const r = await verifyImage(s.reader, {
            imagePath: s.summary.path,
            stores: s.summary.objectStores,
            ...(expectedImageDigest ? { expectedImageDigest } : {}),
            signal: abort.signal,
            pool: verityPool(),
            onProgress: (p) => progress.emit({ jobId, ...p }),
            onResult: (r) => s.verity.set(r.nodeId, r),
          });
          for (const x of r.results) s.verity.set(x.nodeId, x);
          summary = {
            jobId,
            imageId,
            cancelled: r.cancelled,
            counts: r.counts,
            results: r.results,
            ...(r.imageDigest ? { imageDigest: r.imageDigest } : {}),
            ...(r.expectedImageDigest ? { expectedImageDigest: r.expectedImageDigest } : {}),
          };
        } catch {
          summary = { jobId, imageId, cancelled: true, counts: {}, results: [] };
        } finally {
          s.jobs.delete(jobId);
        }
        done.emit(summary);
      });
      return { jobId };
    },

    async cancelVerify(jobId: string): Promise<void> {
      for (const s of registry.sessions.values()) s.jobs.get(jobId)?.abort();
    },

    onVerifyProgress: (cb: (p: VerifyProgress) => void) => progress.on(cb),
    onVerifyDone: (cb: (s: VerifySummary) => void) => done.on(cb),

    /** Stops the hashing threads (app quit, test teardown). */
    async close(): Promise<void> {
      const p = pool;
      pool = undefined;
      await p?.close();
    },
  };
}
