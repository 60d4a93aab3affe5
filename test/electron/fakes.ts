/**
 * Plain-object stand-ins for the Electron pieces ipc.ts reads (ipcMain, windows, frames) and a
 * temp-dir helper. Not a test file itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageSummary, VerifyProgress, VerifySummary } from '../../shared/api.ts';
import type { FrameLike, InspectorCore, InvokeEventLike, IpcMainLike, WindowLike } from '../../electron/ipc.ts';
import { APP_URL } from '../../electron/ipc.ts';

export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cfs-electron-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function frame(url: string, ids: { processId: number; routingId: number }, parent: FrameLike | null = null): FrameLike {
  return { url, parent, processId: ids.processId, routingId: ids.routingId };
}

export function fakeWindow(id: number, url = APP_URL): WindowLike & { destroyed: boolean; top: FrameLike } {
  const top = frame(url, { processId: 100 + id, routingId: 1 });
  const w = {
    destroyed: false,
    top,
    isDestroyed: () => w.destroyed,
    webContents: { id, mainFrame: top },
  };
  return w;
}

/** An invoke event as Electron builds it for a message from `senderFrame` in window `w`'s contents. */
export const eventFrom = (w: { webContents: { id: number } }, senderFrame: FrameLike | null): InvokeEventLike => ({
  sender: { id: w.webContents.id },
  senderFrame,
});

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

export function fakeIpcMain(): IpcMainLike & { handlers: Map<string, Handler>; invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> } {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
    // Electron runs the handler and turns a throw into a rejected invoke; so does this.
    async invoke(channel, event, ...args) {
      const h = handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      return h(event, ...args);
    },
  };
}

export const summaryFor = (path: string, imageId = 'img-1', objectStores: string[] = []): ImageSummary => ({
  imageId,
  path,
  name: path.split('/').pop()!,
  info: { format: 'composefs', size: 4096, fields: [], features: [] },
  rootId: 36,
  objectStores,
});

/** An inspector that records what reached it; the IPC layer's job is to decide what may. */
export function recordingInspector(opened = new Map<string, ImageSummary>()) {
  const calls: { method: string; args: unknown[] }[] = [];
  const listeners = { progress: new Set<(p: VerifyProgress) => void>(), done: new Set<(s: VerifySummary) => void>() };
  const record = (method: string) => (...args: unknown[]) => {
    calls.push({ method, args });
    return Promise.resolve({ method, args });
  };
  const inspector = {
    calls,
    listeners,
    openImage: async (path: string) => {
      calls.push({ method: 'openImage', args: [path] });
      if (path.includes('missing')) throw new Error(`${path}: no such file`);
      const s = summaryFor(path, `img-${opened.size + 1}`);
      opened.set(s.imageId, s);
      return s;
    },
    listImages: async () => [...opened.values()],
    setObjectStores: async (imageId: string, dirs: string[]) => {
      calls.push({ method: 'setObjectStores', args: [imageId, dirs] });
      const s = { ...opened.get(imageId)!, objectStores: dirs };
      opened.set(imageId, s);
      return s;
    },
    closeImage: async (imageId: string) => {
      calls.push({ method: 'closeImage', args: [imageId] });
      opened.delete(imageId);
    },
    children: record('children'),
    node: record('node'),
    lookup: record('lookup'),
    bytes: record('bytes'),
    check: record('check'),
    cancelCheck: record('cancelCheck'),
    verify: record('verify'),
    cancelVerify: record('cancelVerify'),
    diff: record('diff'),
    search: record('search'),
    content: record('content'),
    openRepository: async (path: string) => {
      calls.push({ method: 'openRepository', args: [path] });
      if (path.includes('missing')) throw new Error(`${path} is not a composefs repository`);
      return { path: path.replace(/\/meta\.json$/, ''), images: [], streams: [], objectCount: 0, objectBytes: 0 };
    },
    onVerifyProgress(cb: (p: VerifyProgress) => void) {
      listeners.progress.add(cb);
      return () => void listeners.progress.delete(cb);
    },
    onVerifyDone(cb: (s: VerifySummary) => void) {
      listeners.done.add(cb);
      return () => void listeners.done.delete(cb);
    },
  };
  return inspector as unknown as InspectorCore & typeof inspector;
}
