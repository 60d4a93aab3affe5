/**
 * The preload: runs sandboxed, before the page, and puts exactly the InspectorApi on
 * `window.cfs` (plus pathForFile, which only turns a File the user dropped into its path).
 * No ipcRenderer, no event objects and no Node objects ever reach the page: every method is a
 * closure over one fixed channel, and listeners receive the payload alone.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { CHANNELS, EVENTS, type ImageSummary, type InspectorApi, type Unsubscribe } from '../shared/api.ts';
import type { RepositorySummary } from '../shared/repository/model.ts';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** What the page gets: the contract, and a way to learn a dropped file's path (sandboxed pages cannot). */
export type PreloadApi = InspectorApi & { pathForFile(file: File): string };

/** Electron prefixes rejections with the channel ("Error invoking remote method 'cfs:node': Error: ..."). */
const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

function invoker(ipc: IpcRendererLike, channel: string) {
  return async (...args: unknown[]) => {
    try {
      return await ipc.invoke(channel, ...args);
    } catch (e) {
      throw new Error((e instanceof Error ? e.message : String(e)).replace(IPC_PREFIX, ''));
    }
  };
}

function subscriber<T>(ipc: IpcRendererLike, channel: string) {
  return (cb: (payload: T) => void): Unsubscribe => {
    if (typeof cb !== 'function') throw new TypeError(`${channel}: listener must be a function`);
    const listener = (_event: unknown, payload: unknown) => cb(payload as T);
    ipc.on(channel, listener);
    return () => void ipc.removeListener(channel, listener);
  };
}

export function createPreloadApi(ipc: IpcRendererLike, pathForFile: (file: File) => string): PreloadApi {
  const methods = Object.fromEntries(
    (Object.keys(CHANNELS) as (keyof typeof CHANNELS)[]).map((m) => [m, invoker(ipc, CHANNELS[m])]),
  ) as unknown as Pick<InspectorApi, keyof typeof CHANNELS>;

  // Files the OS hands to the app at startup are sent as soon as the page has loaded, which can be
  // before the UI has subscribed; hold them for the first subscriber instead of dropping them.
  const openListeners = new Set<(s: ImageSummary) => void>();
  let held: ImageSummary[] = [];
  ipc.on(EVENTS.openRequest, (_event, payload) => {
    const summary = payload as ImageSummary;
    if (openListeners.size === 0) held.push(summary);
    else openListeners.forEach((cb) => cb(summary));
  });

  // Repositories the OS hands over at startup (a meta.json) wait for the first subscriber the same way.
  const repoListeners = new Set<(s: RepositorySummary) => void>();
  let heldRepos: RepositorySummary[] = [];
  ipc.on(EVENTS.repositoryOpenRequest, (_event, payload) => {
    const summary = payload as RepositorySummary;
    if (repoListeners.size === 0) heldRepos.push(summary);
    else repoListeners.forEach((cb) => cb(summary));
  });

  return {
    ...methods,
    onRepositoryCheckProgress: subscriber(ipc, EVENTS.repositoryCheckProgress),
    onRepositoryCheckDone: subscriber(ipc, EVENTS.repositoryCheckDone),
    onRepositoryOpenRequest(cb) {
      if (typeof cb !== 'function') throw new TypeError(`${EVENTS.repositoryOpenRequest}: listener must be a function`);
      repoListeners.add(cb);
      const waiting = heldRepos;
      heldRepos = [];
      waiting.forEach((s) => cb(s));
      return () => void repoListeners.delete(cb);
    },
    onVerifyProgress: subscriber(ipc, EVENTS.verifyProgress),
    onVerifyDone: subscriber(ipc, EVENTS.verifyDone),
    onCheckProgress: subscriber(ipc, EVENTS.checkProgress),
    onShareProgress: subscriber(ipc, EVENTS.shareProgress),
    onShareDone: subscriber(ipc, EVENTS.shareDone),
    onOpenRequest(cb) {
      if (typeof cb !== 'function') throw new TypeError(`${EVENTS.openRequest}: listener must be a function`);
      openListeners.add(cb);
      const waiting = held;
      held = [];
      waiting.forEach((s) => cb(s));
      return () => void openListeners.delete(cb);
    },
    pathForFile: (file) => pathForFile(file),
  };
}

contextBridge.exposeInMainWorld('cfs', createPreloadApi(ipcRenderer, (file) => webUtils.getPathForFile(file)));
