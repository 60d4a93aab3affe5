/**
 * A pool of worker threads computing fs-verity digests of files. Small files travel in batches (one
 * message per tiny file would leave the threads idle), large files are cut into block-aligned
 * segments hashed on every thread at once and joined here into one Merkle tree.
 *
 * Idle workers are unref'd, so a pool never keeps the process alive once nothing is pending; an
 * aborted request rejects at once and its worker drops the file at its next 1 MiB chunk.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { createVerityTree, digestFromRoot } from '../../shared/verity/merkle.ts';
import { AbortError, nodeSha256, READ_CHUNK } from './node-hash.ts';
import type { CancelMessage, ItemResult, WorkItem, WorkJob, WorkerReply } from './protocol.ts';

export interface PoolOptions {
  /** Worker threads; the machine's parallelism unless told. */
  threads?: number;
  /** Worker entry; defaults to worker.ts beside this file (or the bundle's verity-worker.mjs). */
  workerUrl?: URL;
  /** Segment size for large files (a multiple of READ_CHUNK). */
  segmentSize?: number;
  /** Files at least this big are split across threads. */
  splitThreshold?: number;
}

export interface DigestOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes read since the last call. */
  onBytes?: (bytes: number) => void;
  /** The file's size when the caller knows it already (saves a stat; decides batching and splitting). */
  size?: number;
  /** Do not follow a symlink in the last component (for paths that were resolved already). */
  noFollow?: boolean;
}

export interface FileDigest {
  digest: Uint8Array;
  size: number;
}

export interface VerityPool {
  readonly threads: number;
  digestFile(path: string, opts?: DigestOptions): Promise<FileDigest>;
  /** Starts every worker thread and resolves once all can take work (an app does this at launch). */
  warm(): Promise<void>;
  /** Stops the workers; pending requests reject. */
  close(): Promise<void>;
}

/** Batches stop at this many files or bytes, whichever comes first. */
const BATCH_FILES = 64;
const BATCH_BYTES = 4 << 20;
/**
 * Jobs sent ahead to a worker so it never waits for a round trip: on a loaded machine the main
 * thread may take several milliseconds to be scheduled, about the time one 8 MiB segment takes.
 */
const JOBS_PER_WORKER = 4;
/** A worker that dies this many times in a row without finishing a job is not coming back. */
const MAX_SPAWN_FAILURES = 3;

interface Task {
  item: WorkItem;
  weight: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  reported: number;
  settled: boolean;
  slot?: Slot;
  jobId?: number;
  index?: number;
  settle(r: ItemResult): void;
}

interface Slot {
  worker: Worker;
  control: MessagePort;
  jobs: Map<number, Task[]>;
  finishedAny: boolean;
}

function defaultWorkerUrl(): URL {
  if (process.env.CFS_VERITY_WORKER) return pathToFileURL(process.env.CFS_VERITY_WORKER);
  // A CommonJS bundle has no import.meta.url; there the worker is a sibling bundle.
  const here: string | undefined = import.meta.url;
  const base = here ?? pathToFileURL(__filename).href;
  return new URL(base.endsWith('.ts') ? './worker.ts' : './verity-worker.mjs', base);
}

/**
 * The worker's first code. On Node 20, loader hooks given to a worker (execArgv --import tsx) are
 * not active for its entry module, and tsx registers itself only on the main thread; so a
 * TypeScript worker registers tsx explicitly before importing its entry. A bundled worker is plain
 * JavaScript and is imported directly.
 */
export function bootstrapCode(url: URL): string {
  const entry = JSON.stringify(url.href);
  if (!url.pathname.endsWith('.ts')) return `import(${entry});`;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((api) => api.register()).then(() => import(${entry}));`;
}

const errorOf = (r: { code: string; message: string }): Error =>
  r.code === 'ABORT_ERR' ? new AbortError(r.message) : Object.assign(new Error(r.message), { code: r.code });

export function createVerityPool(options: PoolOptions = {}): VerityPool {
  const threads = Math.max(1, Math.floor(options.threads ?? Math.min(availableParallelism(), 8)));
  const segmentSize = options.segmentSize ?? 8 * READ_CHUNK;
  if (segmentSize <= 0 || segmentSize % READ_CHUNK !== 0) throw new RangeError(`segment size must be a multiple of ${READ_CHUNK}`);
  const splitThreshold = options.splitThreshold ?? 4 * segmentSize;
  const bootstrap = bootstrapCode(options.workerUrl ?? defaultWorkerUrl());
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let nextJob = 1;
  let spawnFailures = 0;
  let broken: string | undefined;
  let closed = false;

  /**
   * One abort listener per signal, however many requests share it: a verify run passes its signal
   * to thousands of requests, and an EventTarget warns (and slows) past ten listeners.
   */
  const watched = new Map<AbortSignal, { callbacks: Set<() => void>; listener: () => void }>();
  const onAbortOf = (signal: AbortSignal | undefined, cb: () => void): (() => void) => {
    if (!signal) return () => {};
    let w = watched.get(signal);
    if (!w) {
      const entry = {
        callbacks: new Set<() => void>(),
        listener: () => {
          watched.delete(signal);
          for (const f of entry.callbacks) f();
        },
      };
      w = entry;
      watched.set(signal, w);
      signal.addEventListener('abort', w.listener, { once: true });
    }
    const entry = w;
    entry.callbacks.add(cb);
    return () => {
      entry.callbacks.delete(cb);
      if (entry.callbacks.size === 0 && watched.get(signal) === entry) {
        watched.delete(signal);
        signal.removeEventListener('abort', entry.listener);
      }
    };
  };

  /** Empty jobs sent by warm(); a worker answers one only when its modules are loaded. */
  const pings = new Map<number, () => void>();

  const failQueued = (err: () => Error) => {
    for (const t of queue.splice(0)) t.settle({ ok: false, code: (err() as NodeJS.ErrnoException).code ?? 'EWORKER', message: err().message });
  };

  const spawn = (): Slot => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { control: port2 },
      transferList: [port2],
    });
    port1.unref();
    const slot: Slot = { worker, control: port1, jobs: new Map(), finishedAny: false };
    const lost = (why: string) => {
      const i = slots.indexOf(slot);
      if (i < 0) return;
      slots.splice(i, 1);
      port1.close();
      for (const tasks of slot.jobs.values()) for (const t of tasks) t.settle({ ok: false, code: 'EWORKER', message: why });
      slot.jobs.clear();
      if (!slot.finishedAny && ++spawnFailures >= MAX_SPAWN_FAILURES) {
        broken = `verity worker cannot start: ${why}`;
        failQueued(() => Object.assign(new Error(broken), { code: 'EWORKER' }));
      }
      pump();
    };
    worker.on('message', (m: WorkerReply) => {
      const ping = pings.get(m.id);
      if (ping) {
        pings.delete(m.id);
        slot.finishedAny = true;
        ping();
        return;
      }
      const tasks = slot.jobs.get(m.id);
      if (!tasks) return;
      if (m.type === 'progress') {
        const t = tasks[m.index];
        if (t && !t.settled) {
          t.reported += m.bytes;
          t.onBytes?.(m.bytes);
        }
        return;
      }
      slot.jobs.delete(m.id);
      slot.finishedAny = true;
      spawnFailures = 0;
      m.results.forEach((r, i) => tasks[i]!.settle(r));
      schedulePump();
    });
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`worker exited with code ${code}`));
    slots.push(slot);
    return slot;
  };

  /** Takes the next job off the queue: one big item, or a run of small whole-file items. */
  const takeJob = (): Task[] => {
    const first = queue.shift()!;
    const batch = [first];
    if (first.item.op !== 'file' || first.weight >= BATCH_BYTES) return batch;
    let bytes = first.weight;
    while (batch.length < BATCH_FILES && queue.length > 0) {
      const next = queue[0]!;
      if (next.item.op !== 'file' || bytes + next.weight > BATCH_BYTES) break;
      bytes += next.weight;
      batch.push(queue.shift()!);
    }
    return batch;
  };

  // Dispatch waits for the end of the current turn, so requests made together travel as one batch.
  let pumpQueued = false;
  const schedulePump = () => {
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  };

  function pump(): void {
    if (closed) return;
    while (queue.length > 0) {
      let slot = slots.reduce<Slot | undefined>((best, s) => (!best || s.jobs.size < best.jobs.size ? s : best), undefined);
      if (slot && (slot.jobs.size >= JOBS_PER_WORKER || (slot.jobs.size > 0 && slots.length < threads))) slot = undefined;
      if (!slot) {
        if (slots.length >= threads || spawnFailures >= MAX_SPAWN_FAILURES) break;
        slot = spawn();
      }
      const tasks = takeJob();
      const id = nextJob++;
      tasks.forEach((t, index) => Object.assign(t, { slot, jobId: id, index }));
      slot.jobs.set(id, tasks);
      slot.worker.ref();
      slot.worker.postMessage({ id, items: tasks.map((t) => t.item) } satisfies WorkJob);
    }
    for (const s of slots) if (s.jobs.size === 0) s.worker.unref();
  }

  /** Queues one work item; resolves with its result, rejects on error or abort. */
  const submit = (item: WorkItem, weight: number, signal: AbortSignal | undefined, onBytes?: (n: number) => void) =>
    new Promise<ItemResult & { ok: true }>((resolve, reject) => {
      if (closed) return reject(new AbortError('verity pool closed'));
      if (signal?.aborted) return reject(new AbortError());
      if (broken) return reject(Object.assign(new Error(broken), { code: 'EWORKER' }));
      const onAbort = () => {
        if (task.settled) return;
        const q = queue.indexOf(task);
        if (q >= 0) queue.splice(q, 1);
        else if (task.slot && slots.includes(task.slot)) {
          task.slot.control.postMessage({ cancel: task.jobId!, index: task.index! } satisfies CancelMessage);
        }
        task.settle({ ok: false, code: 'ABORT_ERR', message: 'the operation was aborted' });
      };
      const task: Task = {
        item,
        weight,
        signal,
        onBytes,
        reported: 0,
        settled: false,
        settle(r) {
          if (task.settled) return;
          task.settled = true;
          unwatch();
          if (!r.ok) return reject(errorOf(r));
          if (r.size > task.reported) onBytes?.(r.size - task.reported);
          resolve(r);
        },
      };
      const unwatch = onAbortOf(signal, onAbort);
      queue.push(task);
      schedulePump();
    });

  async function digestSplit(path: string, size: number, o: DigestOptions): Promise<FileDigest> {
    // Our own controller stops the remaining segments when one fails.
    const inner = new AbortController();
    const stop = () => inner.abort();
    const unwatch = onAbortOf(o.signal, stop);
    const tree = createVerityTree({ hash: nodeSha256 });
    const count = Math.ceil(size / segmentSize);
    const window = Math.max(2, threads * JOBS_PER_WORKER);
    const pending: Promise<ItemResult & { ok: true }>[] = [];
    let next = 0;
    const fill = () => {
      while (next < count && pending.length < window) {
        const offset = next++ * segmentSize;
        const length = Math.min(segmentSize, size - offset);
        const item: WorkItem = { op: 'leaves', path, offset, length, noFollow: o.noFollow };
        const p = submit(item, length, inner.signal, o.onBytes);
        p.catch(() => {}); // handled in order below; this keeps a later failure from going unhandled
        pending.push(p);
      }
    };
    try {
      fill();
      while (pending.length > 0) {
        const r = await pending.shift()!;
        tree.addLeafHashes(r.hashes!);
        fill();
      }
      if (statSync(path).size !== size) {
        throw Object.assign(new Error('file changed size while being read'), { code: 'ESHRANK', path });
      }
      return { digest: digestFromRoot(tree.root(), size, { hash: nodeSha256 }), size };
    } catch (e) {
      inner.abort();
      throw o.signal?.aborted ? new AbortError() : e;
    } finally {
      unwatch();
    }
  }

  return {
    threads,
    async digestFile(path, o = {}) {
      const size = o.size ?? statSync(path).size;
      if (threads > 1 && size >= splitThreshold) return digestSplit(path, size, o);
      const r = await submit({ op: 'file', path, noFollow: o.noFollow }, size, o.signal, o.onBytes);
      return { digest: r.digest!, size: r.size };
    },
    async warm() {
      if (closed || broken) return;
      while (slots.length < threads) spawn();
      await Promise.all(
        slots.map(
          (slot) =>
            new Promise<void>((resolve) => {
              const id = nextJob++;
              pings.set(id, resolve);
              // A worker lost before answering must not leave warm() waiting forever.
              slot.worker.once('exit', () => pings.delete(id) && resolve());
              slot.worker.postMessage({ id, items: [] } satisfies WorkJob);
            }),
        ),
      );
      pump();
    },
    async close() {
      if (closed) return;
      closed = true;
      failQueued(() => new AbortError('verity pool closed'));
      const all = slots.splice(0);
      for (const s of all) {
        for (const tasks of s.jobs.values()) for (const t of tasks) t.settle({ ok: false, code: 'ABORT_ERR', message: 'verity pool closed' });
        s.control.close();
      }
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}
