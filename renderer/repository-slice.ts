/**
 * An open composefs repository in the store (a slice of the app store, kept out of store.ts): its
 * summary, the JSON of the stream being read, and the health check's job, progress and findings.
 * Images and layer streams picked here open as ordinary tabs; only events of the newest health job
 * land, so a cancelled or superseded run cannot overwrite the one on screen.
 */
import type { InspectorApi, RepositoryCheckDone, RepositoryStreamJson } from '../shared/api.ts';
import type { RepositorySummary } from '../shared/repository/model.ts';
import { errorText } from './api.ts';
import type { AppActions, AppState } from './store.ts';

export interface RepositoryState {
  repository: {
    /** The repository view is in front. */
    open: boolean;
    opening?: string;
    summary?: RepositorySummary;
    /** A stream's JSON on show (manifest, config), by the stream's name. */
    json?: { name: string; value: RepositoryStreamJson };
    /** What the user picked is being opened (an image digest or a stream name). */
    busy?: string;
    error?: string;
    health: { jobId?: string; progress?: { done: number; total: number }; done?: RepositoryCheckDone; error?: string };
  };
}

export interface RepositoryActions {
  openRepository(path: string): Promise<void>;
  /** Shows a repository the main process opened (menu, meta.json, a dropped folder). */
  adoptRepository(summary: RepositorySummary): void;
  showRepository(open: boolean): void;
  /** Opens an image of the repository (digest or ref) with objects/ as its store. */
  openRepositoryImage(digestOrRef: string): Promise<void>;
  /** Opens a layer stream as a tree. */
  openRepositoryStream(name: string): Promise<void>;
  showStreamJson(name: string): Promise<void>;
  closeStreamJson(): void;
  checkRepository(): Promise<void>;
  cancelRepositoryCheck(): Promise<void>;
}

type Get = () => AppState & AppActions;
type Set = (partial: Partial<AppState>) => void;

export const INITIAL_REPOSITORY: RepositoryState['repository'] = { open: false, health: {} };

export function repositorySlice(api: InspectorApi, set: Set, get: Get): RepositoryActions {
  const update = (patch: Partial<RepositoryState['repository']>) => set({ repository: { ...get().repository, ...patch } });
  const health = (patch: RepositoryState['repository']['health']) => update({ health: { ...get().repository.health, ...patch } });
  const repoPath = (): string => {
    const path = get().repository.summary?.path;
    if (!path) throw new Error('no repository is open');
    return path;
  };
  /** Runs one open of the view's, showing its error in the view rather than failing the app. */
  const busyWith = async (what: string, run: (path: string) => Promise<void>) => {
    update({ busy: what, error: undefined });
    try {
      await run(repoPath());
      update({ busy: undefined });
    } catch (e) {
      update({ busy: undefined, error: errorText(e) });
    }
  };

  api.onRepositoryCheckProgress((p) => {
    if (p.jobId === get().repository.health.jobId) health({ progress: { done: p.done, total: p.total } });
  });
  api.onRepositoryCheckDone((d) => {
    if (d.jobId === get().repository.health.jobId) update({ health: { done: d } });
  });
  // Deferred: the preload may deliver a held request while the store is still being built.
  api.onRepositoryOpenRequest((summary) => queueMicrotask(() => get().adoptRepository(summary)));

  return {
    async openRepository(path) {
      update({ opening: path, error: undefined });
      try {
        get().adoptRepository(await api.openRepository(path));
      } catch (e) {
        update({ opening: undefined, error: `${path}: ${errorText(e)}` });
      }
    },
    adoptRepository(summary) {
      const jobId = get().repository.health.jobId;
      if (jobId) void api.cancelRepositoryCheck(jobId).catch(() => undefined);
      set({ repository: { ...INITIAL_REPOSITORY, open: true, summary } });
    },
    showRepository(open) {
      if (get().repository.summary) update({ open });
    },
    openRepositoryImage: (digestOrRef) =>
      busyWith(digestOrRef, async (path) => {
        const summary = await api.openRepositoryImage(path, digestOrRef);
        update({ open: false });
        await get().adopt(summary);
      }),
    openRepositoryStream: (name) =>
      busyWith(name, async (path) => {
        const summary = await api.openRepositoryStream(path, name);
        update({ open: false });
        await get().adopt(summary);
      }),
    showStreamJson: (name) =>
      busyWith(name, async (path) => {
        update({ json: { name, value: await api.repositoryStreamJson(path, name) } });
      }),
    closeStreamJson() {
      update({ json: undefined });
    },
    async checkRepository() {
      try {
        const path = repoPath();
        const old = get().repository.health.jobId;
        if (old) await api.cancelRepositoryCheck(old);
        update({ health: {} });
        const { jobId } = await api.checkRepository(path);
        health({ jobId });
      } catch (e) {
        update({ health: { error: errorText(e) } });
      }
    },
    async cancelRepositoryCheck() {
      const jobId = get().repository.health.jobId;
      if (!jobId) return;
      try {
        await api.cancelRepositoryCheck(jobId);
      } catch (e) {
        health({ error: errorText(e) });
      }
    },
  };
}
