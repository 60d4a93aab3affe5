/**
 * End-to-end harness: the real renderer bundle in a real headless Chromium, talking to the real
 * main-process services in this test process. The page gets `window.cfs` from an init script that
 * forwards every call through a Playwright binding into the same IPC handlers Electron uses
 * (registerIpc over createBackend over createInspector), so sender checks, argument validation,
 * object-store discovery, recent files and the format core all run for real. Only the native
 * dialogs are replaced: `dialogs` holds the answers the next file/directory pickers give.
 *
 * Not a test file itself; e2e tests start one harness each.
 */
import { spawnSync } from 'node:child_process';
import { after, before } from 'node:test';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHANNELS, EVENTS } from '../../shared/api.ts';
import { createBackend, forwardVerifyEvents, registerIpc, type InvokeEventLike } from '../../electron/ipc.ts';
import { loadRecentFiles } from '../../electron/recent.ts';
import { loadStoreChoices } from '../../electron/object-store.ts';
import { createInspector, type Inspector } from '../../electron/services/inspector.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

export const CHROMIUM = process.env.CFS_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'screenshots');
// A private build per test process: the build test and developers rebuild dist/ at any moment.
const E2E_DIST = join(tmpdir(), `cfs-e2e-dist-${process.pid}`);
const RENDERER_DIST = join(E2E_DIST, 'renderer');
process.on('exit', () => rmSync(E2E_DIST, { recursive: true, force: true }));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Builds the renderer bundle the way `npm run build` does (into a private folder); throws with esbuild's output on failure. */
/** Whether this test process has bundled the renderer yet: the sources do not change while it runs. */
const rendererBuilt = { done: false };

/** Bundles the renderer for the harness's server, once per test process. */
export function buildRenderer(): void {
  if (rendererBuilt.done) return;
  rendererBuilt.done = true;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--only', 'renderer', '--outdir', E2E_DIST], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`renderer build failed:\n${r.stdout}\n${r.stderr}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves dist/renderer on 127.0.0.1 and nothing else. */
async function serveRenderer(): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)).replace(/^[/\\]+/, '');
    const file = join(RENDERER_DIST, rel);
    if (!file.startsWith(RENDERER_DIST + sep) || !TYPES[extname(file)]) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)]!, 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('server has no port');
  return { server, origin: `http://127.0.0.1:${addr.port}` };
}

// Values cross the binding as JSON; bytes travel as base64 so Uint8Array survives both ways.
const encode = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { __u8: Buffer.from(x).toString('base64') } : x)) ?? 'null';

/**
 * Runs in the page before the app and defines window.cfs with the contract's shape. Kept as source
 * text: a function compiled by the test's TypeScript loader would carry helper calls the page lacks.
 */
const pageApi = (methods: Record<string, string>, events: Record<string, string>): string => `(() => {
  const methods = ${JSON.stringify(methods)};
  const events = ${JSON.stringify(events)};
  const invoke = window.__cfsInvoke;
  const decode = (json) => JSON.parse(json, (_k, x) =>
    x && typeof x === 'object' && typeof x.__u8 === 'string' ? Uint8Array.from(atob(x.__u8), (c) => c.charCodeAt(0)) : x);
  const listeners = new Map();
  const on = (channel) => (cb) => {
    const set = listeners.get(channel) ?? new Set();
    listeners.set(channel, set);
    set.add(cb);
    return () => { set.delete(cb); };
  };
  window.__cfsEmit = (channel, json) => {
    for (const cb of listeners.get(channel) ?? []) cb(decode(json));
  };
  const api = {};
  for (const [method, channel] of Object.entries(methods)) {
    api[method] = async (...args) => {
      const reply = decode(await invoke(channel, JSON.stringify(args)));
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    };
  }
  api.onVerifyProgress = on(events.verifyProgress);
  api.onVerifyDone = on(events.verifyDone);
  api.onCheckProgress = on(events.checkProgress);
  api.onShareProgress = on(events.shareProgress);
  api.onShareDone = on(events.shareDone);
  api.onOpenRequest = on(events.openRequest);
  api.onRepositoryCheckProgress = on(events.repositoryCheckProgress);
  api.onRepositoryCheckDone = on(events.repositoryCheckDone);
  api.onRepositoryOpenRequest = on(events.repositoryOpenRequest);
  // Stands in for Electron's webUtils.getPathForFile: the test says which dropped name means which path.
  window.__cfsDropPaths = {};
  api.pathForFile = (file) => window.__cfsDropPaths[file.name] ?? '';
  window.cfs = Object.freeze(api);
})();`;

export interface Harness {
  page: Page;
  context: BrowserContext;
  inspector: Inspector;
  origin: string;
  /** Answers for the next native pickers (file then directory), consumed in order. */
  dialogs: { images: string[]; directories: string[] };
  /** Page errors and console errors seen so far. */
  errors: string[];
  /** Loads the app page afresh. */
  load(): Promise<void>;
  /** Drops a file named `name` on the window, which the page resolves to `path` as the preload would. */
  drop(name: string, path: string): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Harness> {
  const tmp = await mkdtemp(join(tmpdir(), 'cfs-e2e-'));
  const { server, origin } = await serveRenderer();
  const inspector = createInspector();
  const dialogs = { images: [] as string[], directories: [] as string[] };
  const backend = createBackend(inspector, {
    recent: await loadRecentFiles(join(tmp, 'recent.json')),
    choices: await loadStoreChoices(join(tmp, 'stores.json')),
    pickImage: async () => dialogs.images.shift() ?? null,
    pickDirectory: async () => dialogs.directories.shift() ?? null,
  });

  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  // The same trust rule as the app: only our page's top frame may call.
  const trusted = (e: InvokeEventLike) => !!e.senderFrame && e.senderFrame.parent === null && e.senderFrame.url.startsWith(origin + '/');
  registerIpc({ handle: (c, h) => void handlers.set(c, h), removeHandler: (c) => void handlers.delete(c) }, backend, trusted);

  const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });

  await page.exposeBinding('__cfsInvoke', async (source, channel: string, argsJson: string) => {
    const handler = handlers.get(channel);
    const frameUrl = source.frame.url();
    const event: InvokeEventLike = {
      sender: { id: 1 },
      senderFrame: { url: frameUrl, parent: source.frame.parentFrame() ? { url: '', parent: null, processId: 0, routingId: 0 } : null, processId: 1, routingId: 1 },
    };
    try {
      if (!handler) throw new Error(`no handler for ${channel}`);
      const value = await handler(event, ...(JSON.parse(argsJson) as unknown[]));
      return encode({ ok: true, value });
    } catch (e) {
      return encode({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
  await page.addInitScript({ content: pageApi(CHANNELS, EVENTS) });

  const send = (channel: string, payload: unknown) => {
    void page
      .evaluate(([c, json]) => (window as unknown as { __cfsEmit(c: string, j: string): void }).__cfsEmit(c, json), [channel, encode(payload)] as const)
      .catch(() => undefined); // the page may be navigating or closed
  };
  const stopEvents = forwardVerifyEvents(inspector, send);

  return {
    page,
    context,
    inspector,
    origin,
    dialogs,
    errors,
    async load() {
      await page.goto(origin + '/index.html');
      await page.waitForSelector('.app');
    },
    async drop(name, path) {
      await page.evaluate(
        ([n, p]) => {
          (window as unknown as { __cfsDropPaths: Record<string, string> }).__cfsDropPaths[n] = p;
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(1)], n));
          const target = document.querySelector('.app')!;
          for (const type of ['dragenter', 'dragover', 'drop']) {
            target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
          }
        },
        [name, path] as const,
      );
    },
    async screenshot(name) {
      await mkdir(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      stopEvents();
      await context.close().catch(() => undefined);
      await new Promise<void>((ok) => server.close(() => ok()));
      await inspector.closeAll();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * One app page for the enclosing describe: the renderer built, the page started and loaded before
 * its tests, closed after them. Returns a getter, since the page exists only once before() has run.
 */
export function withHarness(options: Parameters<typeof startHarness>[0] = {}): () => Harness {
  let h: Harness | undefined;
  before(async () => {
    buildRenderer();
    h = await startHarness(options);
    await h.load();
  });
  after(async () => {
    await h?.close();
  });
  return () => h!;
}

/** The selector of a tree row, its path's backslashes and quotes escaped for the attribute match. */
export const treeRow = (path: string): string => `.tree-row[data-path="${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`;

/**
 * Opens `path` with the start screen's or the toolbar's Open button and waits for its own tab to be
 * active, then for `firstRow`: the previous image's tree may have a row of that name too.
 */
export async function openImage(h: Harness, path: string, firstRow: string, timeout?: number): Promise<void> {
  const wait = timeout ? { timeout } : {};
  h.dialogs.images.push(path);
  await h.page.getByRole('button', { name: /^(Open image…|\+ Open)$/ }).first().click();
  await h.page.locator(`.tab.active .tab-name[title="${path}"]`).waitFor(wait);
  await h.page.locator(treeRow(firstRow)).waitFor(wait);
}

/** From the active tab, compares with the open image whose label holds `label`, and waits for the counts. */
export async function compareWith(h: Harness, label: string): Promise<void> {
  const compare = h.page.getByRole('combobox', { name: 'Compare with' });
  const options = await compare.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
  const other = options.find(([, text]) => text.includes(label));
  if (!other) throw new Error(`no image labelled ${label} to compare with: ${JSON.stringify(options)}`);
  await compare.selectOption(other[0]!);
  await h.page.getByTestId('compare-counts').locator('.chip').first().waitFor({ timeout: 30_000 });
}
