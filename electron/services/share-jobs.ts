/**
 * Sharing analysis jobs for the app: the open images, by their paths and object stores, through the
 * same runner as `cfs-inspect share` (worker threads read and cut the images; nothing is parsed
 * here). One job at a time per set of callers is enough, but jobs are independent and each can be
 * cancelled by its id.
 */
import type { ImageId, ImageSummary, ShareDone, ShareOptions, ShareProgress } from '../../shared/api.ts';
import { listeners } from './sessions.ts';
import { distinctNames, runShare } from './share-runner.ts';

/** Progress events at most this often per job: a 5 GiB run must not flood the renderer. */
const PROGRESS_EVERY_MS = 100;

export function shareJobs(summaryOf: (imageId: ImageId) => ImageSummary) {
  const progress = listeners<ShareProgress>();
  const done = listeners<ShareDone>();
  const running = new Map<string, AbortController>();
  let nextJob = 1;

  const run = async (jobId: string, imageIds: ImageId[], summaries: ImageSummary[], options: ShareOptions, abort: AbortController) => {
    const names = distinctNames(summaries.map((s) => s.path));
    const base = { jobId, imageIds, names };
    let last = 0;
    try {
      const r = await runShare(
        summaries.map((s, k) => ({ path: s.path, name: names[k]!, stores: s.objectStores })),
        {
          ...(options.blockSize ? { blockSize: options.blockSize } : {}),
          signal: abort.signal,
          onProgress: (bytes, total) => {
            const now = Date.now();
            if (now - last < PROGRESS_EVERY_MS) return;
            last = now;
            progress.emit({ jobId, bytes, total });
          },
        },
      );
      done.emit({ ...base, report: r.report, skipped: r.skipped.map((s) => ({ image: s.image, path: s.path, reason: s.reason })) });
    } catch (e) {
      if (abort.signal.aborted) done.emit({ ...base, skipped: [], cancelled: true });
      else {
        const image = (e as { image?: string }).image;
        done.emit({ ...base, skipped: [], error: `${image ? `${image}: ` : ''}${(e as Error).message ?? String(e)}` });
      }
    } finally {
      running.delete(jobId);
    }
  };

  return {
    async share(imageIds: ImageId[], options: ShareOptions = {}): Promise<{ jobId: string }> {
      if (imageIds.length === 0) throw new Error('the sharing analysis needs at least one open image');
      // Unknown ids are the caller's mistake: say so now rather than as a failed job later.
      const summaries = imageIds.map(summaryOf);
      const jobId = `share-${nextJob++}`;
      const abort = new AbortController();
      running.set(jobId, abort);
      // Starts on the next turn so the caller has the job id before the first event can arrive.
      setImmediate(() => void run(jobId, imageIds, summaries, options, abort));
      return { jobId };
    },
    async cancelShare(jobId: string): Promise<void> {
      running.get(jobId)?.abort();
    },
    onShareProgress: (cb: (p: ShareProgress) => void) => progress.on(cb),
    onShareDone: (cb: (d: ShareDone) => void) => done.on(cb),
    /** Cancels every running job (app quit, test teardown). */
    close() {
      for (const a of running.values()) a.abort();
    },
  };
}
