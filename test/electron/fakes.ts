/**
 * Plain-object stand-ins for the Electron pieces ipc.ts reads (ipcMain, windows, frames) and a
 * temp-dir helper. Not a test file itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLike, InvokeEventLike, IpcMainLike, WindowLike } from '../../electron/ipc.ts';
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
