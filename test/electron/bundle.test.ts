/**
 * The preload and main process as they ship: bundled to CommonJS by esbuild (the settings
 * scripts/build.mjs uses) and run in a context shaped like the one Electron gives them, with the
 * electron double standing in for the `electron` module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { join } from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { CHANNELS, EVENTS, type ImageSummary, type NodeDetails } from '../../shared/api.ts';
import { APP_URL } from '../../electron/ipc.ts';
import { REPO_ROOT, corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { createElectronDouble } from './electron-double.ts';
import { withDir } from './fakes.ts';

const OWN_MODULES = ['main', 'preload', 'ipc', 'validate', 'recent', 'object-store'].map((m) => `electron/${m}.ts`);

async function bundle(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  // Other modules may warn knowingly (the verity pool reads import.meta.url and falls back to
  // __filename in CommonJS); the main-process modules themselves must bundle cleanly.
  const ours = r.warnings.filter((w) => OWN_MODULES.includes(w.location?.file ?? ''));
  assert.deepEqual(ours.map((w) => `${w.location?.file}: ${w.text}`), [], `${entry} bundles without warnings from the main-process modules`);
  return r.outputFiles[0]!.text;
}

/** What `require` offers a sandboxed preload: electron and a few harmless modules, nothing else. */
const SANDBOX_MODULES = new Set(['electron', 'events', 'timers', 'url']);

test('the bundled preload runs in a sandboxed-preload context and exposes the API', async () => {
  const code = await bundle('electron/preload.ts');
  const double = createElectronDouble();
  const required: string[] = [];
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (!SANDBOX_MODULES.has(id)) throw new Error(`module not found: ${id}`);
    if (id === 'electron') return double;
    throw new Error(`double: ${id} not modelled`);
  };
  const module = { exports: {} };
  // No `process`, no Buffer, no Node builtins: if the preload needed any of them this would throw.
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console }, { filename: 'preload.cjs' });
  assert.deepEqual(required, ['electron']);
  const api = double.contextBridge.exposed.get('cfs') as Record<string, unknown>;
  assert.ok(api);
  for (const m of Object.keys(CHANNELS)) assert.equal(typeof api[m], 'function', m);
});

test('the bundled main process starts itself inside Electron and opens the file it was launched with', { skip: corpusSkip }, () =>
  withDir(async (dir) => {
    const code = await bundle('electron/main.ts');
    // The image services run in a host thread whose bundle ships beside main.cjs (scripts/build.mjs).
    await build({
      entryPoints: [join(REPO_ROOT, 'electron/services/host-worker.ts')],
      outfile: join(dir, 'service-worker.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      absWorkingDir: REPO_ROOT,
      banner: { js: "import { createRequire as __cfsCreateRequire } from 'node:module'; const require = __cfsCreateRequire(import.meta.url);" },
    });
    const image = corpusPath('01-readme', 'image.cfs');
    const double = createElectronDouble({ userData: join(dir, 'userData'), appPath: dir, isPackaged: true });
    const nodeRequire = createRequire(join(dir, 'main.cjs'));
    const electronRequire = (id: string) => (id === 'electron' ? double : nodeRequire(id));
    // Inside Electron's main process: process.versions.electron is set and process.type is 'browser'.
    const electronProcess = new Proxy(process, {
      get(target, key) {
        if (key === 'versions') return { ...target.versions, electron: '45.0.0' };
        if (key === 'type') return 'browser';
        if (key === 'argv') return ['/opt/Composefs Inspector/composefs-inspector', image];
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const module = { exports: {} };
    const wrapper = vm.runInThisContext(`(function (require, module, exports, __filename, __dirname, process) {${code}\n})`, { filename: 'main.cjs' });
    wrapper(electronRequire, module, module.exports, join(dir, 'main.cjs'), dir, electronProcess);

    assert.deepEqual(double.app.lockData, { files: [image] }, 'it took the single-instance lock on import');
    double.app.fireReady();
    const win = await (async () => {
      for (let i = 0; i < 500 && double.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      return double.windows[0]!;
    })();
    assert.ok(win, 'a window was created');
    win.webContents.finishLoad(APP_URL);
    let summary: ImageSummary | undefined;
    // The open runs in a freshly started service thread: allow it time on a busy machine.
    for (let i = 0; i < 6000 && !summary; i++) {
      summary = win.webContents.sent.find(([c]) => c === EVENTS.openRequest)?.[1] as ImageSummary | undefined;
      if (!summary) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(summary?.path, image);
    const page = { sender: { id: win.webContents.id }, senderFrame: win.webContents.mainFrame };
    const id = await double.ipcMain.handlers.get(CHANNELS.lookup)!(page, summary!.imageId, '/small');
    const small = (await double.ipcMain.handlers.get(CHANNELS.node)!(page, summary!.imageId, id)) as NodeDetails;
    assert.equal(small.size, 12);
    win.close();
  }));
