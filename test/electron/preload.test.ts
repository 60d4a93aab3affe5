import { test } from 'node:test';
import assert from 'node:assert/strict';
import './use-electron-double.ts';
import { CHANNELS, EVENTS, type InspectorApi } from '../../shared/api.ts';
import type { PreloadApi } from '../../electron/preload.ts';

// The preload exposes its API on import, through whatever 'electron' resolves to: here, the double.
const double = (await import('./electron-double.ts')).default;
await import('../../electron/preload.ts');
const api = double.contextBridge.exposed.get('cfs') as PreloadApi;
const { ipcRenderer } = double;

const EVENT_METHODS = ['onVerifyProgress', 'onVerifyDone', 'onCheckProgress', 'onShareProgress', 'onShareDone', 'onOpenRequest', 'onRepositoryCheckProgress', 'onRepositoryCheckDone', 'onRepositoryOpenRequest'] as const;

test('the preload exposes one global, window.cfs, and nothing else', () => {
  assert.deepEqual([...double.contextBridge.exposed.keys()], ['cfs']);
});

test('window.cfs carries exactly the contract methods plus pathForFile, all functions', () => {
  const expected = [...Object.keys(CHANNELS), ...EVENT_METHODS, 'pathForFile'].sort();
  assert.deepEqual(Object.keys(api).sort(), expected);
  for (const [k, v] of Object.entries(api)) assert.equal(typeof v, 'function', k);
  // Nothing that could hand the page Electron or Node objects.
  assert.ok(!('ipcRenderer' in api) && !('invoke' in api) && !('send' in api));
});

test('every contract method invokes its own channel with exactly the arguments given', async () => {
  for (const method of Object.keys(CHANNELS) as (keyof typeof CHANNELS)[]) {
    ipcRenderer.answers.set(CHANNELS[method], { answered: method });
    const result = await (api[method] as (...a: unknown[]) => Promise<unknown>)('img-1', 7);
    assert.deepEqual(result, { answered: method });
    assert.deepEqual(ipcRenderer.invocations.at(-1), [CHANNELS[method], ['img-1', 7]]);
  }
});

test("rejections reach the page without Electron's channel prefix", async () => {
  ipcRenderer.answers.set(
    CHANNELS.node,
    new Error("Error invoking remote method 'cfs:node': ArgumentError: node: nodeId must be an integer in 0..9007199254740991, got the number -1"),
  );
  await assert.rejects(api.node('img-1', -1), (e: Error) => e.message === 'node: nodeId must be an integer in 0..9007199254740991, got the number -1');
  ipcRenderer.answers.set(CHANNELS.check, new Error("Error invoking remote method 'cfs:check': Error: no open image with id img-9"));
  await assert.rejects(api.check('img-9'), { message: 'no open image with id img-9' });
});

test('event listeners receive the payload alone and stop after unsubscribing', () => {
  const got: unknown[] = [];
  const off = api.onVerifyProgress((...args: unknown[]) => got.push(['progress', ...args]));
  const offDone = api.onVerifyDone((s) => got.push(['done', s]));
  ipcRenderer.fromMain(EVENTS.verifyProgress, { jobId: 'verify-1', filesDone: 1 });
  ipcRenderer.fromMain(EVENTS.verifyDone, { jobId: 'verify-1' });
  off();
  offDone();
  ipcRenderer.fromMain(EVENTS.verifyProgress, { jobId: 'verify-1', filesDone: 2 });
  assert.deepEqual(got, [['progress', { jobId: 'verify-1', filesDone: 1 }], ['done', { jobId: 'verify-1' }]]);
  assert.equal(ipcRenderer.listenerCount(EVENTS.verifyProgress), 0);
});

test('open requests sent before the page subscribes are held for its first listener', () => {
  const s1 = { imageId: 'img-1', path: '/a.cfs' };
  const s2 = { imageId: 'img-2', path: '/b.cfs' };
  ipcRenderer.fromMain(EVENTS.openRequest, s1);
  const got: unknown[] = [];
  const off = api.onOpenRequest((s) => got.push(s));
  assert.deepEqual(got, [s1]);
  ipcRenderer.fromMain(EVENTS.openRequest, s2);
  assert.deepEqual(got, [s1, s2]);
  off();
  ipcRenderer.fromMain(EVENTS.openRequest, s1);
  assert.deepEqual(got, [s1, s2]);
});

test('repositories the main process opened before the page subscribes are held for its first listener', () => {
  const r1 = { path: '/sysroot/composefs' };
  const r2 = { path: '/home/u/.var/lib/composefs' };
  ipcRenderer.fromMain(EVENTS.repositoryOpenRequest, r1);
  const got: unknown[] = [];
  const off = api.onRepositoryOpenRequest((s) => got.push(s));
  assert.deepEqual(got, [r1]);
  ipcRenderer.fromMain(EVENTS.repositoryOpenRequest, r2);
  assert.deepEqual(got, [r1, r2]);
  off();
  ipcRenderer.fromMain(EVENTS.repositoryOpenRequest, r1);
  assert.deepEqual(got, [r1, r2]);
});

test('subscribing with something other than a function is refused', () => {
  for (const m of EVENT_METHODS) {
    assert.throws(() => (api[m] as (cb: unknown) => unknown)('not a function'), /listener must be a function/);
  }
});

test("pathForFile resolves a dropped file's path through webUtils", () => {
  assert.equal(api.pathForFile({ path: '/images/dropped.cfs' } as unknown as File), '/images/dropped.cfs');
});

test('the exposed object satisfies the InspectorApi type', () => {
  const typed: InspectorApi = api; // compile-time: a missing or mistyped method fails the typecheck
  assert.equal(typeof typed.openImage, 'function');
});
