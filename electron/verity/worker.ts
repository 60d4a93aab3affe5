/**
 * A verity worker thread: runs jobs from the pool one at a time, synchronously (a thread has
 * nothing else to do), polling its control port between 1 MiB chunks so a cancel lands promptly.
 * Runs unchanged from TypeScript under tsx and from a bundle.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createScratch, digestFileSync, leafHashesOfRangeSync } from './node-hash.ts';
import { PROGRESS_STEP, type CancelMessage, type ItemResult, type WorkItem, type WorkJob, type WorkerReply } from './protocol.ts';

if (!parentPort) throw new Error('electron/verity/worker.ts runs only as a worker thread');
const port = parentPort;
const control = (workerData as { control: MessagePort }).control;
const scratch = createScratch();
/** "job:index" of items the pool no longer wants. */
const cancelled = new Set<string>();

function drainControl(): void {
  for (let m = receiveMessageOnPort(control); m; m = receiveMessageOnPort(control)) {
    const c = m.message as CancelMessage;
    cancelled.add(`${c.cancel}:${c.index}`);
  }
}

function runItem(id: number, index: number, item: WorkItem, transfer: ArrayBuffer[]): ItemResult {
  const key = `${id}:${index}`;
  drainControl();
  if (cancelled.has(key)) return { ok: false, code: 'ABORT_ERR', message: 'cancelled' };
  let unreported = 0;
  const onChunk = (n: number): boolean => {
    unreported += n;
    if (unreported >= PROGRESS_STEP) {
      port.postMessage({ type: 'progress', id, index, bytes: unreported } satisfies WorkerReply);
      unreported = 0;
    }
    drainControl();
    return !cancelled.has(key);
  };
  const opts = { scratch, onChunk, noFollow: item.noFollow };
  try {
    if (item.op === 'file') {
      const { digest, size } = digestFileSync(item.path, opts);
      // A fresh 32-byte array: a pooled Buffer would drag its whole 8 KiB slab through postMessage.
      return { ok: true, size, digest: Uint8Array.from(digest) };
    }
    const hashes = leafHashesOfRangeSync(item.path, item.offset, item.length, opts);
    transfer.push(hashes.buffer as ArrayBuffer);
    return { ok: true, size: item.length, hashes };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: typeof err?.code === 'string' ? err.code : 'EIO', message: err?.message ?? String(e) };
  }
}

port.on('message', (job: WorkJob) => {
  // Ids only grow, so marks for earlier jobs can never match again.
  for (const key of cancelled) if (Number(key.slice(0, key.indexOf(':'))) < job.id) cancelled.delete(key);
  const transfer: ArrayBuffer[] = [];
  const results = job.items.map((item, index) => runItem(job.id, index, item, transfer));
  port.postMessage({ type: 'done', id: job.id, results } satisfies WorkerReply, transfer);
});
