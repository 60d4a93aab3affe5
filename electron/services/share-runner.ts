/**
 * Runs the sharing analysis over image files: each image is cut into units on a worker thread (as
 * many at once as there are cores), and the units are added to the ledger in the images' order as
 * they arrive. Only finished-but-not-yet-added images wait in memory.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ShareAnalysis, type ShareReport } from '../../shared/share/analysis.ts';
import { DEFAULT_UNIT_OPTIONS, type ImageUnits } from '../../shared/share/units.ts';
import { bootstrapCode } from '../verity/pool.ts';
import type { ShareJob, ShareWorkerReply } from './share-protocol.ts';
import type { SkippedFile } from './share-source.ts';

export interface ShareInput {
  path: string;
  name: string;
  stores: string[];
}

export interface ShareRunOptions {
  blockSize?: number;
  threads?: number;
  signal?: AbortSignal;
  /** Bytes read so far over all images, and the total once every image's file list is known. */
  onProgress?: (done: number, knownTotal: number) => void;
}

export interface ShareRun {
  report: ShareReport;
  skipped: (SkippedFile & { image: string })[];
}

function workerUrl(): URL {
  if (process.env.CFS_SHARE_WORKER) return pathToFileURL(process.env.CFS_SHARE_WORKER);
  const here: string | undefined = import.meta.url;
  const base = here ?? pathToFileURL(__filename).href;
  return new URL(base.endsWith('.ts') ? './share-worker.ts' : './share-worker.mjs', base);
}

/** Cuts one image on a fresh worker; the worker ends with the job. */
function extractOnWorker(job: ShareJob, signal: AbortSignal | undefined, onBytes: (n: number, total: number) => void) {
  return new Promise<{ units: ImageUnits; skipped: SkippedFile[] }>((resolve, reject) => {
    const worker = new Worker(bootstrapCode(workerUrl()), { eval: true });
    const onAbort = () => worker.postMessage({ type: 'cancel' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
    };
    worker.on('message', (m: ShareWorkerReply) => {
      if (m.type === 'progress') onBytes(m.bytes, m.total);
      else if (m.type === 'done') {
        onBytes(m.bytes, m.total);
        finish();
        resolve({ units: m.units, skipped: m.skipped });
      } else {
        finish();
        reject(Object.assign(new Error(m.message), { code: m.code }));
      }
    });
    worker.on('error', (e) => {
      finish();
      reject(e);
    });
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`share worker stopped (exit ${code})`));
    });
    worker.postMessage(job);
  });
}

/** Shortest trailing path of each image that tells it from the others ("v1/image.cfs"). */
export function distinctNames(paths: string[]): string[] {
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  return parts.map((mine, i) => {
    for (let n = 1; n <= mine.length; n++) {
      const tail = mine.slice(-n).join('/');
      if (parts.every((o, j) => j === i || o.slice(-n).join('/') !== tail)) return tail;
    }
    return paths[i]!;
  });
}

export async function runShare(inputs: ShareInput[], options: ShareRunOptions = {}): Promise<ShareRun> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), inputs.length));
  const blockSize = options.blockSize ?? DEFAULT_UNIT_OPTIONS.blockSize;
  const analysis = new ShareAnalysis();
  const skipped: ShareRun['skipped'] = [];
  const results = new Map<number, { units: ImageUnits; skipped: SkippedFile[] }>();
  const totals = new Map<number, number>();
  let done = 0;
  let nextToStart = 0;
  let nextToAdd = 0;

  const progress = (i: number) => (n: number, total: number) => {
    done += n;
    totals.set(i, total);
    options.onProgress?.(done, [...totals.values()].reduce((a, b) => a + b, 0));
  };
  const addReady = () => {
    for (let r = results.get(nextToAdd); r; r = results.get(nextToAdd)) {
      results.delete(nextToAdd);
      analysis.add(inputs[nextToAdd]!.name, r.units);
      for (const s of r.skipped) skipped.push({ image: inputs[nextToAdd]!.path, ...s });
      nextToAdd++;
    }
  };
  let failed = false;
  const lane = async (): Promise<void> => {
    while (nextToStart < inputs.length && !failed) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('cancelled');
      const i = nextToStart++;
      const input = inputs[i]!;
      const job: ShareJob = { type: 'job', image: input.path, stores: input.stores, blockSize };
      try {
        results.set(i, await extractOnWorker(job, options.signal, progress(i)));
      } catch (e) {
        failed = true;
        throw Object.assign(e as Error, { image: input.path });
      }
      addReady();
    }
  };
  await Promise.all(Array.from({ length: threads }, lane));
  addReady();
  return { report: analysis.report(), skipped };
}
