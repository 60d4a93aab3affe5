/**
 * The main-process side of the renderer contract. Every CHANNELS method is bound here, and every
 * call passes two gates before any service runs: the sender must be the top frame of one of our
 * own windows showing our own page, and the arguments must match the method's declared tuple.
 * Electron itself is never imported at runtime: main.ts hands in ipcMain and the windows, which
 * is what lets tests drive this module with plain objects.
 */
import type { ImageSummary, InspectorApi, Unsubscribe } from '../shared/api.ts';
import { CHANNELS, EVENTS } from '../shared/api.ts';
import { stat } from 'node:fs/promises';
import { objectStoresFor, type StoreChoices } from './object-store.ts';
import type { RecentFiles } from './recent.ts';
import { validateArgs, type ArgsOf, type Method } from './validate.ts';

/**
 * What the inspector service provides: the contract minus what only the main process can do
 * (native dialogs, recent files, OS open requests). Verify events are subscriptions, as in the contract.
 */
export type InspectorCore = Omit<InspectorApi, 'openDialog' | 'chooseObjectStore' | 'onOpenRequest' | 'recentFiles' | 'onRepositoryOpenRequest'>;

/** One implementation per invocable method: what the IPC handlers call after validation. */
export type Backend = { [M in Method]: (...args: ArgsOf<M>) => ReturnType<InspectorApi[M]> };

export interface HostServices {
  recent: RecentFiles;
  choices: StoreChoices;
  /** Native open dialog for an image file; null when cancelled. */
  pickImage(): Promise<string | null>;
  /** Native directory picker for an object store; null when cancelled. */
  pickDirectory(): Promise<string | null>;
  /** Called after the recent list changed (main rebuilds the Open Recent menu). */
  recentChanged?(): void;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The full backend: the inspector's methods, with opening wrapped so that the object store found
 * beside an image (or the one the user chose for it before) is applied and the file joins the
 * recent list, plus the dialog-driven methods the inspector cannot offer.
 */
export function createBackend(inspector: InspectorCore, host: HostServices): Backend {
  const touchRecent = async (update: () => Promise<void>) => {
    try {
      await update();
    } catch {
      // The recent list is a convenience: failing to persist it must not fail the open.
    }
    host.recentChanged?.();
  };

  const summaryOf = async (imageId: string): Promise<ImageSummary> => {
    const s = (await inspector.listImages()).find((x) => x.imageId === imageId);
    if (!s) throw new Error(`no open image with id ${imageId}`);
    return s;
  };

  const openImage = async (path: string): Promise<ImageSummary> => {
    let summary: ImageSummary;
    try {
      summary = await inspector.openImage(path);
    } catch (e) {
      if (host.recent.list().includes(path) && !(await exists(path))) await touchRecent(() => host.recent.remove(path));
      throw e;
    }
    const stores = [...new Set([...(await objectStoresFor(summary.path, host.choices)), ...summary.objectStores])];
    if (!sameList(stores, summary.objectStores)) summary = await inspector.setObjectStores(summary.imageId, stores);
    await touchRecent(() => host.recent.add(summary.path));
    return summary;
  };

  const setObjectStores = async (imageId: string, dirs: string[]): Promise<ImageSummary> => {
    const updated = await inspector.setObjectStores(imageId, dirs);
    await host.choices.set(updated.path, dirs);
    return updated;
  };

  return {
    openImage,
    async openDialog() {
      const path = await host.pickImage();
      return path === null ? null : openImage(path);
    },
    closeImage: (id) => inspector.closeImage(id),
    listImages: () => inspector.listImages(),
    recentFiles: async () => host.recent.list(),
    children: (...a) => inspector.children(...a),
    node: (...a) => inspector.node(...a),
    lookup: (...a) => inspector.lookup(...a),
    bytes: (...a) => inspector.bytes(...a),
    check: (id) => inspector.check(id),
    cancelCheck: (id) => inspector.cancelCheck(id),
    layoutAt: (...a) => inspector.layoutAt(...a),
    blockMap: (...a) => inspector.blockMap(...a),
    setObjectStores,
    async chooseObjectStore(imageId) {
      const current = await summaryOf(imageId);
      const dir = await host.pickDirectory();
      if (dir === null) return null;
      return setObjectStores(imageId, [dir, ...current.objectStores.filter((d) => d !== dir)]);
    },
    verify: (...a) => inspector.verify(...a),
    cancelVerify: (id) => inspector.cancelVerify(id),
    diff: (...a) => inspector.diff(...a),
    search: (...a) => inspector.search(...a),
    content: (...a) => inspector.content(...a),
    share: (...a) => inspector.share(...a),
    cancelShare: (id) => inspector.cancelShare(id),
    openRepository: (path) => inspector.openRepository(path),
    openRepositoryImage: (...a) => inspector.openRepositoryImage(...a),
    openRepositoryStream: (...a) => inspector.openRepositoryStream(...a),
    repositoryStreamJson: (...a) => inspector.repositoryStreamJson(...a),
    checkRepository: (path) => inspector.checkRepository(path),
    cancelRepositoryCheck: (id) => inspector.cancelRepositoryCheck(id),
  };
}

/** The parts of Electron's WebFrameMain and BrowserWindow the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}
export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: { readonly id: number; readonly mainFrame: FrameLike };
}
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

/** Our page's origin: main.ts serves the renderer on this custom scheme instead of file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'inspector';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * True only for a message from the top frame of one of our live windows that is showing our page.
 * A frame can be gone (null) by the time a message is handled; that counts as foreign.
 */
export function isTrustedSender(event: InvokeEventLike, windows: readonly WindowLike[]): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !isAppUrl(frame.url)) return false;
  return windows.some((w) => {
    if (w.isDestroyed() || w.webContents.id !== event.sender.id) return false;
    const top = w.webContents.mainFrame;
    return top.processId === frame.processId && top.routingId === frame.routingId;
  });
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Thrown to a sender that failed the check; deliberately says nothing about why. */
export class ForeignSenderError extends Error {
  override name = 'ForeignSenderError';
}

/** Binds every channel; returns a function that unbinds them all again. */
export function registerIpc(
  ipcMain: IpcMainLike,
  backend: Backend,
  trusted: (event: InvokeEventLike) => boolean,
): Unsubscribe {
  const methods = Object.keys(CHANNELS) as Method[];
  for (const method of methods) {
    ipcMain.handle(CHANNELS[method], async (event, ...args) => {
      if (!trusted(event)) throw new ForeignSenderError(`${CHANNELS[method]}: refused`);
      const valid = validateArgs(method, args);
      return (backend[method] as (...a: unknown[]) => unknown)(...valid);
    });
  }
  return () => methods.forEach((m) => ipcMain.removeHandler(CHANNELS[m]));
}

/** Relays the inspector's verify events (and check progress, share jobs) to the renderer; returns the unsubscribe. */
export function forwardVerifyEvents(
  inspector: Pick<InspectorCore, 'onVerifyProgress' | 'onVerifyDone'> &
    Partial<Pick<InspectorCore, 'onCheckProgress' | 'onShareProgress' | 'onShareDone' | 'onRepositoryCheckProgress' | 'onRepositoryCheckDone'>>,
  send: (channel: string, payload: unknown) => void,
): Unsubscribe {
  const offProgress = inspector.onVerifyProgress((p) => send(EVENTS.verifyProgress, p));
  const offDone = inspector.onVerifyDone((s) => send(EVENTS.verifyDone, s));
  const offCheck = inspector.onCheckProgress?.((p) => send(EVENTS.checkProgress, p));
  // Share jobs' events travel the same way (test doubles of the inspector may have no share jobs).
  const offShareProgress = inspector.onShareProgress?.((p) => send(EVENTS.shareProgress, p)) ?? (() => {});
  const offShareDone = inspector.onShareDone?.((d) => send(EVENTS.shareDone, d)) ?? (() => {});
  const offRepoProgress = inspector.onRepositoryCheckProgress?.((p) => send(EVENTS.repositoryCheckProgress, p));
  const offRepoDone = inspector.onRepositoryCheckDone?.((d) => send(EVENTS.repositoryCheckDone, d));
  return () => {
    offShareProgress();
    offShareDone();
    offProgress();
    offDone();
    offCheck?.();
    offRepoProgress?.();
    offRepoDone?.();
  };
}

/**
 * Open requests from the OS (argv, second instance, open-file, the menu) can arrive before the page
 * has loaded; they wait here until it has, and then go out in order.
 */
export function openRequestQueue<T = ImageSummary>(send: (summary: T) => void) {
  let ready = false;
  let pending: T[] = [];
  return {
    push(summary: T) {
      if (ready) send(summary);
      else pending.push(summary);
    },
    /** The page (re)loaded: deliver what waited. */
    ready() {
      ready = true;
      const out = pending;
      pending = [];
      out.forEach(send);
    },
    /** The page is going away (reload, crash): hold requests again. */
    notReady() {
      ready = false;
    },
  };
}
