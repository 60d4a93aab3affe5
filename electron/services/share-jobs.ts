/**
 * Share jobs for the app: the sharing analysis over open images, in the background, with progress
 * and cancel. It reads the image files and their object stores on share's own worker threads (as
 * `cfs-inspect share` does), so it serves the in-process and the isolated inspector alike.
 */
import type { ImageId, ImageSummary, ShareDone, ShareOptions, ShareProgress } from '../../shared/api.ts';
import { describeOpenError } from './file-source.ts';
import { listeners } from './sessions.ts';
import { distinctNames, runShare } from './share-runner.ts';

/** Progress events at most this often per job: a large run reads gigabytes in 1 MiB steps. */
const PROGRESS_STEP = 1 << 20;

export function shareJobs(summaryOf: (imageId: ImageId) => ImageSummary) {
  const progress = listeners<ShareProgress>();
  const done = listeners<ShareDone>();
  const running = new Map<string, AbortController>();
  let nextJob = 1;

  const run = async (jobId: string, imageIds: ImageId[], summaries: ImageSummary[], options: ShareOptions, abort: AbortController) => {
    const byPath = new Map(summaries.map((s, k) => [s.path, imageIds[k]!]));
    let last = -PROGRESS_STEP;
    // Named as `cfs-inspect share` names them ("v1/image.cfs"), so the view and the CLI agree.
    const names = distinctNames(summaries.map((s) => s.path));
    try {
      const r = await runShare(
        summaries.map((s, k) => ({ path: s.path, name: names[k]!, stores: s.objectStores })),
        {
          ...(options.blockSize ? { blockSize: options.blockSize } : {}),
          signal: abort.signal,
          onProgress: (bytesDone, bytesTotal) => {
            if (bytesDone - last < PROGRESS_STEP && bytesDone < bytesTotal) return;
            last = bytesDone;
            progress.emit({ jobId, bytesDone, bytesTotal });
          },
        },
      );
      const skipped = r.skipped.map((x) => ({ imageId: byPath.get(x.image) ?? '', path: x.path, reason: x.reason }));
      done.emit({ jobId, imageIds, cancelled: false, report: r.report, skipped });
    } catch (e) {
      if (abort.signal.aborted) done.emit({ jobId, imageIds, cancelled: true, skipped: [] });
      else {
        const image = (e as { image?: string }).image;
        done.emit({ jobId, imageIds, cancelled: false, skipped: [], error: image ? (describeOpenError(image, e) ?? `${image}: ${(e as Error).message}`) : (e as Error).message });
      }
    } finally {
      running.delete(jobId);
    }
  };

  return {
    async share(imageIds: ImageId[], options: ShareOptions = {}): Promise<{ jobId: string }> {
      if (imageIds.length < 2) throw new Error('the sharing analysis needs two or more images');
      const summaries = imageIds.map(summaryOf);
      const jobId = `share-${nextJob++}`;
      const abort = new AbortController();
      running.set(jobId, abort);
      // Starts on the next turn so the caller has the job id before the first event can arrive.
      setImmediate(() => void run(jobId, imageIds, summaries, options, abort));
      return { jobId };
    },
    async cancelShare(jobId: string): Promise<void> {
      running.get(jobId)?.abort(new Error('cancelled'));
    },
    onShareProgress: (cb: (p: ShareProgress) => void) => progress.on(cb),
    onShareDone: (cb: (d: ShareDone) => void) => done.on(cb),
    /** Cancels every running job (app quit, test teardown). */
    cancelAll(): void {
      for (const a of running.values()) a.abort(new Error('cancelled'));
    },
  };
}
