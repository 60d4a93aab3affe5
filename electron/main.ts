/**
 * The Electron main process: app lifecycle, the one inspector window and its hardening, the
 * application menu, and every way the OS hands us a file (argv, a second launch, macOS open-file,
 * File > Open, Open Recent). The format work happens in the inspector service; this module only
 * decides who may ask it what (ipc.ts) and where files come from.
 *
 * Electron is passed into startApp rather than used from the import directly, so tests drive the
 * whole lifecycle with a double; the real module is only touched when running inside Electron.
 */
import * as electron from 'electron';
import type {
  BrowserWindow,
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  Session,
  WebContents,
} from 'electron';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENTS, type ImageSummary } from '../shared/api.ts';
import type { RepositorySummary } from '../shared/repository/model.ts';
import {
  APP_HOST,
  APP_SCHEME,
  APP_URL,
  createBackend,
  forwardVerifyEvents,
  isAppUrl,
  isTrustedSender,
  openRequestQueue,
  registerIpc,
  type Backend,
  type InspectorCore,
  type InvokeEventLike,
} from './ipc.ts';
import { loadStoreChoices } from './object-store.ts';
import { loadRecentFiles } from './recent.ts';

export type ElectronModule = Pick<typeof electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'dialog' | 'Menu' | 'session' | 'protocol' | 'nativeTheme'>;

export const PRODUCT_NAME = 'Composefs Inspector';

/**
 * The same policy as the renderer's <meta>, sent as a header too so it also covers anything the
 * meta cannot (frame-ancestors) and holds even if the page's markup changes.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const IMAGE_EXTENSIONS = ['cfs', 'erofs', 'img', 'catar', 'caidx', 'caibx'];

/** The page's own background (renderer/styles.css --bg), so a window never flashes the wrong theme while loading. */
const BACKGROUND = { light: '#ffffff', dark: '#16181c' };

/** `packaged`: an installed build, where the DevTools are off (a development run keeps them). */
export function windowOptions(preload: string, dark = false, packaged = false): BrowserWindowConstructorOptions {
  return {
    backgroundColor: dark ? BACKGROUND.dark : BACKGROUND.light,
    width: 1360,
    height: 860,
    minWidth: 760,
    minHeight: 480,
    title: PRODUCT_NAME,
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: !packaged,
      // A file dropped outside the drop zone must not navigate the window to file://.
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/**
 * Image paths among a command line. Switches (Chromium's and ours) are skipped up to "--"; in a
 * development run (`electron . file.cfs`) the first positional argument is the app itself.
 * Desktop launchers pass file:// URLs (%U), which are turned back into paths.
 */
export function filesFromArgv(argv: readonly string[], cwd: string, isPackaged: boolean): string[] {
  const out: string[] = [];
  let literal = false;
  let skipAppPath = !isPackaged;
  for (const arg of argv.slice(1)) {
    if (!literal && arg === '--') {
      literal = true;
      continue;
    }
    if ((!literal && arg.startsWith('-')) || arg === '' || arg.includes('\0')) continue;
    if (skipAppPath) {
      skipAppPath = false;
      continue;
    }
    if (arg.startsWith('file://')) {
      try {
        out.push(fileURLToPath(arg));
      } catch {
        // not a local file URL: nothing we can open
      }
    } else {
      out.push(resolve(cwd, arg));
    }
  }
  return out;
}

/**
 * What a second launch asks for. The second instance sends its already-resolved paths as the lock's
 * additionalData; argv is the fallback (it may carry reordered Chromium switches). Both come from
 * another process, so only plain absolute path strings are accepted.
 */
export function filesFromSecondInstance(argv: readonly string[], cwd: string, data: unknown, isPackaged: boolean): string[] {
  const files = (data as { files?: unknown } | null | undefined)?.files;
  if (Array.isArray(files)) {
    return files.filter((f): f is string => typeof f === 'string' && isAbsolute(f) && !f.includes('\0')).slice(0, 64);
  }
  return filesFromArgv(argv, cwd, isPackaged);
}

/**
 * Whether a path the OS handed us names a composefs repository rather than an image: a folder (a
 * dropped or passed repository) or a file named meta.json (double-clicked in one).
 */
export function isRepositoryPath(path: string, isDirectory: (path: string) => boolean): boolean {
  return basename(path) === 'meta.json' || isDirectory(path);
}

const isDirectoryOnDisk = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // the image open then reports what is wrong with the path
  }
};

/** Maps an app:// URL to a file under the renderer folder; null for anything outside it. */
export function resolveAppFile(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path === '' || path === '/') path = '/index.html';
  const full = resolve(root, '.' + path);
  const rel = relative(resolve(root), full);
  if (rel === '' || rel === '..' || rel.startsWith('../') || rel.startsWith('..\\') || isAbsolute(rel)) return null;
  return full;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' };

/** The app:// protocol handler: our renderer files only, each with the CSP header. */
export async function serveAppFile(url: string, root: string): Promise<Response> {
  const notFound = () => new Response('not found', { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain' } });
  const file = resolveAppFile(url, root);
  if (!file) return notFound();
  try {
    const body = await readFile(file);
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type } });
  } catch {
    return notFound();
  }
}

/** Only our own page and the devtools may load anything: no remote content at all. */
export function isAllowedRequest(url: string): boolean {
  return isAppUrl(url) || url.startsWith('devtools://') || url.startsWith('data:');
}

/** Adds our CSP to a response's headers, replacing any policy the response carried. */
export function withCsp(headers: Record<string, string | string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [CSP];
  return out;
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders) }));
}

/** Our page is a single document: it never navigates, opens windows or embeds webviews. */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface MenuState {
  platform: NodeJS.Platform;
  recent: readonly string[];
  /** An image is open (Choose Object Store acts on the one in use). */
  hasImage: boolean;
  /** An installed build: no Reload and no DevTools in the View menu. */
  packaged?: boolean;
}
export interface MenuActions {
  open(): void;
  /** File > Open Repository…: a directory chooser. */
  openRepository(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  chooseObjectStore(): void;
}

export function menuTemplate(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const recent: MenuItemConstructorOptions[] = state.recent.map((path) => ({
    label: path,
    click: () => actions.openRecent(path),
  }));
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
      { label: 'Open Repository…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openRepository() },
      {
        label: 'Open Recent',
        submenu: [
          ...(recent.length > 0 ? recent : [{ label: 'No Recent Images', enabled: false }]),
          { type: 'separator' },
          { label: 'Clear Recent', enabled: recent.length > 0, click: () => actions.clearRecent() },
        ],
      },
      { type: 'separator' },
      { label: 'Choose Object Store…', enabled: state.hasImage, click: () => actions.chooseObjectStore() },
      { type: 'separator' },
      { label: 'Close', accelerator: 'CmdOrCtrl+W', role: 'close' },
      ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  };
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    file,
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(state.packaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }]),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
}

/** Methods whose first argument is the image the user is working in. */
const IMAGE_METHODS = ['children', 'node', 'lookup', 'bytes', 'check', 'setObjectStores', 'chooseObjectStore', 'verify'] as const;

/**
 * The main process does not see the renderer's selection, so the image "in use" for menu commands
 * is the one the renderer last asked about (or the last one opened).
 */
function trackActiveImage(backend: Backend, onChange: (imageId: string | undefined) => void): Backend {
  let active: string | undefined;
  const set = (id: string | undefined) => {
    if (id !== active) {
      active = id;
      onChange(id);
    }
  };
  const tracked: Backend = {
    ...backend,
    async openImage(path) {
      const s = await backend.openImage(path);
      set(s.imageId);
      return s;
    },
    async openDialog() {
      const s = await backend.openDialog();
      if (s) set(s.imageId);
      return s;
    },
    async closeImage(id) {
      await backend.closeImage(id);
      if (id === active) set((await backend.listImages()).at(-1)?.imageId);
    },
  };
  for (const m of IMAGE_METHODS) {
    const f = backend[m] as (...a: unknown[]) => unknown;
    (tracked as Record<string, unknown>)[m] = (...a: unknown[]) => {
      set(a[0] as string);
      return f(...a);
    };
  }
  return tracked;
}

export interface StartOptions {
  argv: readonly string[];
  cwd: string;
  platform: NodeJS.Platform;
  createInspector(): InspectorCore | Promise<InspectorCore>;
}

export interface AppHandle {
  /** Settles once the window exists and IPC is bound (rejects if startup failed). */
  ready: Promise<void>;
  window(): BrowserWindow | null;
  /** Opens files as the OS would (argv, open-file, second instance). */
  openPaths(paths: readonly string[]): Promise<void>;
}

/** Starts the app; null when another instance already runs (this one hands over its files and quits). */
export function startApp(e: ElectronModule, options: StartOptions): AppHandle | null {
  const { app } = e;
  const startupFiles = filesFromArgv(options.argv, options.cwd, app.isPackaged);
  if (!app.requestSingleInstanceLock({ files: startupFiles })) {
    app.quit();
    return null;
  }
  // Must happen before 'ready': the scheme gets a real origin so 'self' in the CSP means our files.
  e.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  let win: BrowserWindow | null = null;
  let backend: Backend | undefined;
  let activeImage: string | undefined;
  const waiting: string[] = [...startupFiles];
  const queue = openRequestQueue((summary) => send(EVENTS.openRequest, summary));
  const repoQueue = openRequestQueue<RepositorySummary>((summary) => send(EVENTS.repositoryOpenRequest, summary));
  let rebuildMenu = () => {};

  const send = (channel: string, payload: unknown) => {
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
  };

  const showError = (message: string, err: unknown) => {
    const detail = err instanceof Error ? err.message : String(err);
    const box = { type: 'error' as const, title: PRODUCT_NAME, message, detail };
    void (win ? e.dialog.showMessageBox(win, box) : e.dialog.showMessageBox(box));
  };

  const createWindow = (): BrowserWindow => {
    const preload = join(app.getAppPath(), 'dist', 'electron', 'preload.cjs');
    const w = new e.BrowserWindow(windowOptions(preload, e.nativeTheme.shouldUseDarkColors, app.isPackaged));
    win = w;
    const contents = w.webContents;
    contents.on('did-start-loading', () => (queue.notReady(), repoQueue.notReady()));
    contents.on('did-finish-load', () => (queue.ready(), repoQueue.ready()));
    contents.on('render-process-gone', () => (queue.notReady(), repoQueue.notReady()));
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = null;
      queue.notReady();
      repoQueue.notReady();
      // A new window starts with an empty UI, so images left open would only hold file handles.
      void closeAll();
    });
    void w.loadURL(APP_URL);
    return w;
  };

  let closeAll = async () => {};

  const focusWindow = () => {
    const w = win ?? createWindow();
    if (w.isMinimized()) w.restore();
    w.focus();
  };

  const deliver = (summary: ImageSummary | null) => {
    if (summary) queue.push(summary);
  };

  const openPaths = async (paths: readonly string[]) => {
    if (!backend) {
      waiting.push(...paths);
      return;
    }
    if (paths.length > 0) focusWindow();
    for (const path of paths) {
      try {
        if (isRepositoryPath(path, isDirectoryOnDisk)) repoQueue.push(await backend.openRepository(path));
        else deliver(await backend.openImage(path));
      } catch (err) {
        showError(`Could not open ${basename(path)}`, err);
      }
    }
  };

  app.on('open-file', (event, path) => {
    event.preventDefault();
    void openPaths([path]);
  });
  app.on('second-instance', (_event, argv, cwd, data) => {
    const files = filesFromSecondInstance(argv, cwd, data, app.isPackaged);
    if (backend && files.length === 0) focusWindow();
    void openPaths(files);
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });

  const ready = app.whenReady().then(async () => {
    const userData = app.getPath('userData');
    const [recent, choices, inspector] = await Promise.all([
      loadRecentFiles(join(userData, 'recent-files.json')),
      loadStoreChoices(join(userData, 'object-stores.json')),
      options.createInspector(),
    ]);
    hardenSession(e.session.defaultSession);
    const rendererDir = join(app.getAppPath(), 'dist', 'renderer');
    e.protocol.handle(APP_SCHEME, (request) => serveAppFile(request.url, rendererDir));

    const pick = async (properties: ('openFile' | 'openDirectory')[], filters?: electron.FileFilter[]) => {
      const dialogOptions = { properties, filters };
      const r = await (win ? e.dialog.showOpenDialog(win, dialogOptions) : e.dialog.showOpenDialog(dialogOptions));
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
    };
    const core = createBackend(inspector, {
      recent,
      choices,
      pickImage: () =>
        pick(['openFile'], [
          { name: 'composefs, EROFS and casync images', extensions: IMAGE_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ]),
      pickDirectory: () => pick(['openDirectory']),
      recentChanged: () => rebuildMenu(),
    });
    const tracked = trackActiveImage(core, (id) => {
      activeImage = id;
      rebuildMenu();
    });
    backend = tracked;
    // Through the tracking wrapper, so the menu stops offering commands for images that are gone.
    closeAll = async () => {
      for (const s of await tracked.listImages()) await tracked.closeImage(s.imageId).catch(() => undefined);
    };

    rebuildMenu = () => {
      const actions: MenuActions = {
        open: () => void backend!.openDialog().then(deliver, (err) => showError('Could not open the image', err)),
        openRepository: () =>
          void pick(['openDirectory']).then(
            (dir) => (dir === null ? undefined : backend!.openRepository(dir).then((r) => repoQueue.push(r))),
          ).catch((err) => showError('Could not open the repository', err)),
        openRecent: (path) => void openPaths([path]),
        clearRecent: () => void recent.clear().then(() => rebuildMenu()),
        chooseObjectStore: () => {
          if (activeImage) void backend!.chooseObjectStore(activeImage).then(deliver, (err) => showError('Could not use that object store', err));
        },
      };
      const state = { platform: options.platform, recent: recent.list(), hasImage: activeImage !== undefined, packaged: app.isPackaged };
      e.Menu.setApplicationMenu(e.Menu.buildFromTemplate(menuTemplate(state, actions)));
    };

    registerIpc(e.ipcMain as unknown as Parameters<typeof registerIpc>[0], backend, (event: InvokeEventLike) =>
      isTrustedSender(event, e.BrowserWindow.getAllWindows()),
    );
    forwardVerifyEvents(inspector, send);
    rebuildMenu();
    createWindow();
    app.on('activate', () => {
      if (!win) createWindow();
    });
    await openPaths(waiting.splice(0));
  });
  ready.catch((err) => {
    e.dialog.showErrorBox(PRODUCT_NAME, `Startup failed: ${err instanceof Error ? err.message : String(err)}`);
    app.quit();
  });

  return { ready, window: () => win, openPaths };
}

if (process.versions.electron && process.type === 'browser') {
  startApp(electron, {
    argv: process.argv,
    cwd: process.cwd(),
    platform: process.platform,
    // Loaded here, not at the top, so importing this module (tests) does not pull in the whole format core.
    // Parsing, check, verify and diff run in one service thread per image, never in this process.
    createInspector: async () => (await import('./services/isolated.ts')).createIsolatedInspector(),
  });
}
