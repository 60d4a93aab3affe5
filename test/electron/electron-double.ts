/**
 * A test double for the `electron` module: the parts main.ts and preload.ts use, recording what
 * they were asked to do and letting a test fire the events Electron would. The loader hook in
 * electron-loader.mjs points `import 'electron'` here; tests that drive startApp make a fresh
 * double per test with createElectronDouble().
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: any[]) => unknown;

/** An event whose preventDefault is observable, as Electron's are. */
export function electronEvent<T extends object>(extra?: T): { defaultPrevented: boolean; preventDefault(): void } & T {
  const ev = {
    defaultPrevented: false,
    preventDefault() {
      ev.defaultPrevented = true;
    },
    ...(extra ?? ({} as T)),
  };
  return ev;
}

let nextContentsId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame = { url: '', parent: null, processId: 1000 + this.id, routingId: 1 };
  readonly sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  /** What Electron does when the page finished loading: the main frame now shows `url`. */
  finishLoad(url: string) {
    (this.mainFrame as { url: string }).url = url;
    this.emit('did-start-loading');
    this.emit('did-finish-load');
  }
}

export function createElectronDouble(options: { userData?: string; appPath?: string; gotLock?: boolean; isPackaged?: boolean } = {}) {
  const windows: FakeBrowserWindow[] = [];
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));

  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.isPackaged ?? false,
    lockData: undefined as unknown,
    quitCalls: 0,
    requestSingleInstanceLock(data?: unknown) {
      app.lockData = data;
      return options.gotLock ?? true;
    },
    quit() {
      app.quitCalls++;
    },
    whenReady: () => readyPromise,
    getPath(name: string) {
      if (name !== 'userData') throw new Error(`double: getPath(${name}) not modelled`);
      return options.userData ?? '/nonexistent/userData';
    },
    getAppPath: () => options.appPath ?? '/nonexistent/app',
    /** Fires 'ready' as Electron does once it has initialised. */
    fireReady() {
      app.emit('ready');
      resolveReady();
    },
  });

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows = () => windows.filter((w) => !w.destroyed);
    readonly webContents = new FakeWebContents();
    destroyed = false;
    minimized = false;
    focused = 0;
    shown = false;
    loadedUrl: string | undefined;
    constructor(readonly options: Record<string, any>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', electronEvent(), this.webContents);
    }
    loadURL(url: string) {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => this.minimized;
    restore() {
      this.minimized = false;
    }
    focus() {
      this.focused++;
    }
    show() {
      this.shown = true;
    }
    close() {
      this.destroyed = true;
      this.emit('closed');
    }
  }

  const handlers = new Map<string, Listener>();
  const ipcMain = {
    handlers,
    handle(channel: string, listener: Listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel: string) => void handlers.delete(channel),
  };

  const dialog = {
    openDialogAnswers: [] as { canceled: boolean; filePaths: string[] }[],
    openDialogCalls: [] as unknown[],
    messageBoxes: [] as unknown[],
    errorBoxes: [] as [string, string][],
    async showOpenDialog(...args: unknown[]) {
      dialog.openDialogCalls.push(args.at(-1));
      return dialog.openDialogAnswers.shift() ?? { canceled: true, filePaths: [] };
    },
    async showMessageBox(...args: unknown[]) {
      dialog.messageBoxes.push(args.at(-1));
      return { response: 0, checkboxChecked: false };
    },
    showErrorBox(title: string, content: string) {
      dialog.errorBoxes.push([title, content]);
    },
  };

  const Menu = {
    applicationMenu: undefined as { template: any[] } | undefined,
    buildFromTemplate: (template: any[]) => ({ template }),
    setApplicationMenu(menu: { template: any[] }) {
      Menu.applicationMenu = menu;
    },
  };

  const defaultSession = {
    permissionRequestHandler: undefined as Listener | undefined,
    permissionCheckHandler: undefined as Listener | undefined,
    devicePermissionHandler: undefined as Listener | undefined,
    beforeRequest: undefined as Listener | undefined,
    headersReceived: undefined as Listener | undefined,
    setPermissionRequestHandler(h: Listener) {
      defaultSession.permissionRequestHandler = h;
    },
    setPermissionCheckHandler(h: Listener) {
      defaultSession.permissionCheckHandler = h;
    },
    setDevicePermissionHandler(h: Listener) {
      defaultSession.devicePermissionHandler = h;
    },
    webRequest: {
      onBeforeRequest(h: Listener) {
        defaultSession.beforeRequest = h;
      },
      onHeadersReceived(h: Listener) {
        defaultSession.headersReceived = h;
      },
    },
  };

  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: { url: string }) => Promise<Response>) {
      protocol.handlers.set(scheme, handler);
    },
  };

  const exposed = new Map<string, unknown>();
  const contextBridge = {
    exposed,
    exposeInMainWorld(key: string, api: unknown) {
      if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
      exposed.set(key, api);
    },
  };

  const ipcRenderer = Object.assign(new EventEmitter(), {
    invocations: [] as [string, unknown[]][],
    /** What the next invoke on a channel resolves to (or rejects with, for an Error). */
    answers: new Map<string, unknown>(),
    async invoke(channel: string, ...args: unknown[]) {
      ipcRenderer.invocations.push([channel, args]);
      const a = ipcRenderer.answers.get(channel);
      if (a instanceof Error) throw a;
      return a;
    },
    /** A message from the main process, as webContents.send delivers it. */
    fromMain(channel: string, payload: unknown) {
      ipcRenderer.emit(channel, { sender: 'ipc-renderer-event' }, payload);
    },
  });

  const webUtils = {
    getPathForFile: (file: { path?: string }) => file.path ?? '',
  };

  const nativeTheme = { shouldUseDarkColors: false };

  return { app, BrowserWindow: FakeBrowserWindow, windows, ipcMain, dialog, Menu, session: { defaultSession }, protocol, nativeTheme, contextBridge, ipcRenderer, webUtils };
}

export type ElectronDouble = ReturnType<typeof createElectronDouble>;

/** The instance `import 'electron'` resolves to under the loader hook. */
const shared = createElectronDouble();
export const { app, BrowserWindow, ipcMain, dialog, Menu, session, protocol, nativeTheme, contextBridge, ipcRenderer, webUtils } = shared;
export default shared;
