/**
 * The inspector as the Electron main process uses it: every image gets its own service host (a
 * worker thread running electron/services/host-worker.ts) and every diff a short-lived one, so no
 * parsing, check, verify or diff runs in the main process. Each host runs under
 *  - a memory ceiling (the worker's V8 heap limit), and
 *  - a watchdog per request: a tree request or a check/diff that overruns its time budget stops
 *    the host (that is the cancel: terminating the thread ends whatever it was doing).
 * A stopped host rejects its pending and later requests with a message starting with
 * SERVICE_STOPPED (shared/api.ts); the renderer shows it in that image's tab with "Reopen". The
 * other images' hosts are untouched, so the app stays responsive.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SERVICE_STOPPED, type CheckProgress, type CheckReport, type DiffOptions, type DiffReport, type ImageId, type ImageSummary, type Unsubscribe, type VerifyProgress, type VerifySummary } from '../../shared/api.ts';
import { shareJobs } from './share-jobs.ts';
import type { HostMessage, HostMethod } from './host-protocol.ts';
import type { Inspector, InspectorOptions } from './inspector.ts';
import { repoJobs } from './repo-jobs.ts';

export interface IsolationOptions {
  /** Time budget of one tree request (open, children, node, lookup, bytes, stores, verify start). */
  requestMs?: number;
  /** Time budget of a check or a diff. */
  jobMs?: number;
  /** V8 heap ceiling of each host thread, in MiB. */
  heapMb?: number;
  /** Host entry; defaults to host-worker.ts beside this file (service-worker.mjs in a bundle). */
  workerUrl?: URL;
  /** Options for the inspector inside each host (plain data: they cross a thread boundary). */
  inspector?: Pick<InspectorOptions, 'maxFindings' | 'measureOnSelectMax'>;
}

export const DEFAULT_REQUEST_MS = 60_000;
export const DEFAULT_JOB_MS = 15 * 60_000;
export const DEFAULT_HEAP_MB = 2048;

function defaultWorkerUrl(): URL {
  // A CommonJS bundle has no import.meta.url; there the host is a sibling bundle.
  const here: string | undefined = import.meta.url;
  const base = here ?? pathToFileURL(__filename).href;
  return new URL(base.endsWith('.ts') ? './host-worker.ts' : './service-worker.mjs', base);
}

/** As in electron/verity/pool.ts: a TypeScript entry registers tsx in the worker first. */
function bootstrapCode(url: URL): string {
  const entry = JSON.stringify(url.href);
  if (!url.pathname.endsWith('.ts')) return `import(${entry});`;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((api) => api.register()).then(() => import(${entry}));`;
}

const stoppedError = (reason: string): Error =>
  Object.assign(new Error(`${SERVICE_STOPPED}: ${reason}. Reopen the image to continue.`), { code: 'ESERVICE' });

interface Host {
  call<T>(method: HostMethod, args: unknown[], budgetMs: number): Promise<T>;
  /** Why the host stopped, once it has. */
  readonly stopped: string | undefined;
  close(): Promise<void>;
}

interface HostEvents {
  onProgress(p: VerifyProgress): void;
  onDone(s: VerifySummary): void;
  onCheckProgress?(p: CheckProgress): void;
  onStopped(reason: string): void;
}

function startHost(bootstrap: string, heapMb: number, options: IsolationOptions['inspector'], events: HostEvents): Host {
  const worker = new Worker(bootstrap, { eval: true, workerData: { options: options ?? {} }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout }>();
  let nextId = 1;
  let stopped: string | undefined;
  let markReady!: () => void;
  // Starting the thread (loading the core) is not part of any request's budget.
  const ready = new Promise<void>((r) => (markReady = r));

  const stop = (reason: string) => {
    if (stopped) return;
    stopped = reason;
    markReady();
    void worker.terminate();
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(stoppedError(reason));
    }
    pending.clear();
    events.onStopped(reason);
  };

  worker.on('message', (m: HostMessage) => {
    if (m.kind === 'ready') return markReady();
    if (m.kind === 'verifyProgress') return events.onProgress(m.value);
    if (m.kind === 'verifyDone') return events.onDone(m.value);
    if (m.kind === 'checkProgress') return events.onCheckProgress?.(m.value);
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
  });
  worker.on('error', (e: NodeJS.ErrnoException) => {
    stop(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the image's service ran out of its ${heapMb} MiB memory ceiling` : `the image's service crashed (${e.message})`);
  });
  worker.on('exit', (code) => stop(`the image's service exited (code ${code})`));

  return {
    get stopped() {
      return stopped;
    },
    async call<T>(method: HostMethod, args: unknown[], budgetMs: number): Promise<T> {
      await ready;
      if (stopped) throw stoppedError(stopped);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => stop(`${method} took longer than ${budgetMs / 1000} s, the watchdog's budget for it`), budgetMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        worker.postMessage({ id, method, args });
      });
    },
    async close() {
      stopped ??= 'closed';
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(stoppedError('the image was closed'));
      }
      pending.clear();
      await worker.terminate();
    },
  };
}

function listeners<T>() {
  const set = new Set<(v: T) => void>();
  return {
    on(cb: (v: T) => void): Unsubscribe {
      set.add(cb);
      return () => void set.delete(cb);
    },
    emit(v: T) {
      for (const cb of [...set]) {
        try {
          cb(v);
        } catch {
          // One failing subscriber must not starve the others.
        }
      }
    },
  };
}

interface Entry {
  imageId: ImageId;
  host: Host;
  remoteId: ImageId;
  summary: ImageSummary;
  /** Verify jobs running in this host: remote job id -> ours. */
  jobs: Map<string, string>;
}

export function createIsolatedInspector(options: IsolationOptions = {}): Inspector {
  const requestMs = options.requestMs ?? DEFAULT_REQUEST_MS;
  const jobMs = options.jobMs ?? DEFAULT_JOB_MS;
  const heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
  const bootstrap = bootstrapCode(options.workerUrl ?? defaultWorkerUrl());
  const entries = new Map<ImageId, Entry>();
  const opening = new Map<string, Promise<ImageSummary>>();
  const progress = listeners<VerifyProgress>();
  const done = listeners<VerifySummary>();
  const checkProgress = listeners<CheckProgress>();
  let nextImage = 1;
  // Share jobs read the image files on share's own worker threads, not in the images' hosts.
  const shares = shareJobs((imageId) => entry(imageId).summary);

  const entry = (imageId: ImageId): Entry => {
    const e = entries.get(imageId);
    if (!e) throw new Error(`no open image with id ${imageId}`);
    return e;
  };
  const ours = (e: Entry, s: ImageSummary): ImageSummary => ({ ...s, imageId: e.imageId });

  const open = async (full: string): Promise<ImageSummary> => {
    const imageId = `img-${nextImage++}`;
    let e: Entry | undefined;
    const host = startHost(bootstrap, heapMb, options.inspector, {
      onProgress: (p) => {
        const jobId = e?.jobs.get(p.jobId);
        if (jobId) progress.emit({ ...p, jobId });
      },
      onDone: (s) => {
        const jobId = e?.jobs.get(s.jobId);
        if (!jobId || !e) return;
        e.jobs.delete(s.jobId);
        done.emit({ ...s, jobId, imageId: e.imageId });
      },
      onCheckProgress: (p) => checkProgress.emit({ ...p, imageId }),
      onStopped: () => {
        // Jobs that were running end, cancelled, so the verify bar does not wait forever.
        for (const jobId of e?.jobs.values() ?? []) done.emit({ jobId, imageId, cancelled: true, counts: {}, results: [] });
        e?.jobs.clear();
      },
    });
    try {
      const remote = await host.call<ImageSummary>('openImage', [full], requestMs);
      e = { imageId, host, remoteId: remote.imageId, summary: { ...remote, imageId }, jobs: new Map() };
      entries.set(imageId, e);
      return e.summary;
    } catch (err) {
      await host.close();
      throw err;
    }
  };

  const call = async <T>(imageId: ImageId, method: HostMethod, rest: unknown[], budgetMs = requestMs): Promise<T> => {
    const e = entry(imageId);
    return e.host.call<T>(method, [e.remoteId, ...rest], budgetMs);
  };

  // Repositories open their images through this inspector's own openImage and setObjectStores.
  const repos = repoJobs({ openImage: (p) => api.openImage(p), setObjectStores: (id, dirs) => api.setObjectStores(id, dirs) });
  const { close: closeRepos, ...repoMethods } = repos;

  const api: Inspector = {
    ...repoMethods,
    async openImage(path) {
      if (typeof path !== 'string' || !isAbsolute(path)) throw new Error(`not an absolute path: ${String(path)}`);
      const full = resolve(path);
      for (const e of entries.values()) if (e.summary.path === full && !e.host.stopped) return e.summary;
      const pending = opening.get(full);
      if (pending) return pending;
      const p = open(full).finally(() => opening.delete(full));
      opening.set(full, p);
      return p;
    },
    async closeImage(imageId) {
      const e = entries.get(imageId);
      if (!e) return;
      entries.delete(imageId);
      await e.host.close();
    },
    async listImages() {
      return [...entries.values()].map((e) => e.summary);
    },
    children: (imageId, nodeId, start, count) => call(imageId, 'children', [nodeId, start, count]),
    node: (imageId, nodeId) => call(imageId, 'node', [nodeId]),
    lookup: (imageId, path) => call(imageId, 'lookup', [path]),
    bytes: (imageId, offset, length) => call(imageId, 'bytes', [offset, length]),
    async check(imageId) {
      const r = await call<CheckReport>(imageId, 'check', [], jobMs);
      return { ...r, imageId };
    },
    cancelCheck: (imageId) => call(imageId, 'cancelCheck', []),
    onCheckProgress: (cb) => checkProgress.on(cb),
    async setObjectStores(imageId, dirs) {
      const e = entry(imageId);
      e.summary = ours(e, await call<ImageSummary>(imageId, 'setObjectStores', [dirs]));
      return e.summary;
    },
    async verify(imageId, expectedImageDigest) {
      const e = entry(imageId);
      const { jobId: remote } = await call<{ jobId: string }>(imageId, 'verify', expectedImageDigest === undefined ? [] : [expectedImageDigest]);
      const jobId = `${imageId}:${remote}`; // ids pass validate.ts opaqueId (no "/")
      e.jobs.set(remote, jobId);
      return { jobId };
    },
    async cancelVerify(jobId) {
      for (const e of entries.values()) {
        for (const [remote, mine] of e.jobs) if (mine === jobId) await e.host.call('cancelVerify', [remote], requestMs);
      }
    },
    layoutAt: (imageId, offset) => call(imageId, 'layoutAt', [offset]),
    blockMap: (imageId, buckets) => call(imageId, 'blockMap', [buckets]),
    content: (imageId, nodeId, offset, length) => call(imageId, 'content', [nodeId, offset, length]),
    search: (imageId, query, limit) => call(imageId, 'search', [query, limit]),
    onVerifyProgress: (cb) => progress.on(cb),
    onVerifyDone: (cb) => done.on(cb),
    share: shares.share,
    cancelShare: shares.cancelShare,
    onShareProgress: shares.onShareProgress,
    onShareDone: shares.onShareDone,
    async diff(a, b, diffOptions?: DiffOptions): Promise<DiffReport> {
      // A diff reads both images whole: it gets its own host, opened on the two files and then stopped.
      const [pa, pb] = [entry(a).summary.path, entry(b).summary.path];
      const host = startHost(bootstrap, heapMb, options.inspector, { onProgress: () => {}, onDone: () => {}, onStopped: () => {} });
      try {
        const ra = await host.call<ImageSummary>('openImage', [pa], requestMs);
        const rb = pa === pb ? ra : await host.call<ImageSummary>('openImage', [pb], requestMs);
        const r = await host.call<DiffReport>('diff', [ra.imageId, rb.imageId, ...(diffOptions ? [diffOptions] : [])], jobMs);
        return { ...r, a, b };
      } finally {
        await host.close();
      }
    },
    async closeAll() {
      shares.cancelAll();
      await closeRepos();
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.host.close()));
    },
  };
  return api;
}
