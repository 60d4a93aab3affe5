/**
 * composefs repositories for the app: what the renderer asks of a repository, over the repository
 * service (electron/services/repository.ts) and the image service. An image of a repository opens
 * like any image file, with the repository's objects/ as its only store (no question asked: that
 * is where its objects are). A layer stream is reassembled from its splitstream and objects into a
 * private temporary .tar that the OCI tar reader opens, as `repo open` does. Health checks are jobs
 * with progress and cancel, like the sharing analysis.
 */
import { mkdtemp, open as openFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ImageSummary, RepositoryCheckDone, RepositoryCheckProgress, RepositoryStreamJson } from '../../shared/api.ts';
import type { RepositorySummary } from '../../shared/repository/model.ts';
import { imagePathOf, objectStoreOf, openRepository, reassembleStream, repositoryHealth, resolveImage, resolveStream, streamJson, type Repository } from './repository.ts';
import { listeners } from './sessions.ts';

/** Progress events at most this often per job. */
const PROGRESS_EVERY_MS = 100;
/** Bytes copied per read while a layer is written out: bounded memory for any layer size. */
const COPY_CHUNK = 4 << 20;

/** What the repository jobs need of the image service. */
export interface ImageOpener {
  openImage(path: string): Promise<ImageSummary>;
  setObjectStores(imageId: string, dirs: string[]): Promise<ImageSummary>;
}

/** The summary without the service's scan tables: what crosses IPC. */
export const summaryOf = (r: Repository): RepositorySummary => ({
  path: r.path,
  meta: r.meta,
  images: r.images,
  streams: r.streams,
  objectCount: r.objectCount,
  objectBytes: r.objectBytes,
});

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);

export function repoJobs(images: ImageOpener) {
  // Repositories stay open by path until reopened: picking an image must not rescan objects/.
  const open = new Map<string, Repository>();
  const progress = listeners<RepositoryCheckProgress>();
  const done = listeners<RepositoryCheckDone>();
  const running = new Map<string, AbortController>();
  const tempDirs = new Set<string>();
  let nextJob = 1;

  const repository = async (path: string): Promise<Repository> => open.get(resolve(path)) ?? (await load(path));
  const load = async (path: string): Promise<Repository> => {
    const r = await openRepository(path);
    open.set(r.path, r);
    return r;
  };

  /** Writes a stream's original bytes to a private temporary file, a chunk at a time. */
  const writeStream = async (r: Repository, name: string): Promise<string> => {
    const s = resolveStream(r, name);
    const src = await reassembleStream(r, s);
    const dir = await mkdtemp(join(tmpdir(), 'cfs-repo-stream-'));
    tempDirs.add(dir);
    const path = join(dir, `${safeName(s.name)}.tar`);
    const out = await openFile(path, 'wx', 0o600);
    try {
      for (let off = 0; off < src.size; off += COPY_CHUNK) await out.write(await src.read(off, Math.min(COPY_CHUNK, src.size - off)));
    } finally {
      await out.close();
      await src.close?.();
    }
    return path;
  };

  const runCheck = async (jobId: string, r: Repository, abort: AbortController) => {
    let last = 0;
    try {
      const health = await repositoryHealth(r, {
        signal: abort.signal,
        onProgress: (d, total) => {
          const now = Date.now();
          if (now - last < PROGRESS_EVERY_MS && d < total) return;
          last = now;
          progress.emit({ jobId, done: d, total });
        },
      });
      done.emit({ jobId, repoPath: r.path, health, ...(abort.signal.aborted ? { cancelled: true } : {}) });
    } catch (e) {
      done.emit({ jobId, repoPath: r.path, ...(abort.signal.aborted ? { cancelled: true } : { error: (e as Error).message ?? String(e) }) });
    } finally {
      running.delete(jobId);
    }
  };

  return {
    async openRepository(path: string): Promise<RepositorySummary> {
      return summaryOf(await load(path));
    },
    async openRepositoryImage(repoPath: string, name: string): Promise<ImageSummary> {
      const r = await repository(repoPath);
      const summary = await images.openImage(imagePathOf(r, resolveImage(r, name)));
      return images.setObjectStores(summary.imageId, [objectStoreOf(r)]);
    },
    async openRepositoryStream(repoPath: string, name: string): Promise<ImageSummary> {
      return images.openImage(await writeStream(await repository(repoPath), name));
    },
    async repositoryStreamJson(repoPath: string, name: string): Promise<RepositoryStreamJson> {
      const r = await repository(repoPath);
      return streamJson(r, resolveStream(r, name));
    },
    async checkRepository(repoPath: string): Promise<{ jobId: string }> {
      const r = await repository(repoPath);
      const jobId = `repo-check-${nextJob++}`;
      const abort = new AbortController();
      running.set(jobId, abort);
      // Starts on the next turn so the caller has the job id before the first event can arrive.
      setImmediate(() => void runCheck(jobId, r, abort));
      return { jobId };
    },
    async cancelRepositoryCheck(jobId: string): Promise<void> {
      running.get(jobId)?.abort();
    },
    onRepositoryCheckProgress: (cb: (p: RepositoryCheckProgress) => void) => progress.on(cb),
    onRepositoryCheckDone: (cb: (d: RepositoryCheckDone) => void) => done.on(cb),
    /** Cancels every check and removes the layers written out (app quit, test teardown). */
    async close() {
      for (const a of running.values()) a.abort();
      await Promise.all([...tempDirs].map((d) => rm(d, { recursive: true, force: true })));
      tempDirs.clear();
      open.clear();
    },
  };
}
