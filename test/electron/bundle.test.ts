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
import { CHANNELS } from '../../shared/api.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';
import { createElectronDouble } from './electron-double.ts';

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
  });
  assert.deepEqual(r.warnings.map((w) => w.text), [], `${entry} bundles without warnings`);
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
