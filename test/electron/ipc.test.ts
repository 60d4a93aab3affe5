import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, EVENTS, type ImageSummary, type VerifyProgress, type VerifySummary } from '../../shared/api.ts';
import {
  APP_URL,
  createBackend,
  forwardVerifyEvents,
  isAppUrl,
  isTrustedSender,
  openRequestQueue,
  registerIpc,
  type HostServices,
  type InspectorCore,
} from '../../electron/ipc.ts';
import { loadRecentFiles } from '../../electron/recent.ts';
import { loadStoreChoices } from '../../electron/object-store.ts';
import { eventFrom, fakeIpcMain, fakeWindow, frame, recordingInspector, summaryFor, withDir } from './fakes.ts';

async function host(dir: string, picks: { image?: string | null; directory?: string | null } = {}) {
  const counts = { recentChanges: 0 };
  const h: HostServices = {
    recent: await loadRecentFiles(join(dir, 'recent.json')),
    choices: await loadStoreChoices(join(dir, 'stores.json')),
    pickImage: async () => picks.image ?? null,
    pickDirectory: async () => picks.directory ?? null,
    recentChanged: () => void counts.recentChanges++,
  };
  return Object.assign(h, { counts });
}

async function wired(dir: string, picks?: Parameters<typeof host>[1]) {
  const inspector = recordingInspector();
  const h = await host(dir, picks);
  const ipcMain = fakeIpcMain();
  const win = fakeWindow(1);
  const dispose = registerIpc(ipcMain, createBackend(inspector, h), (e) => isTrustedSender(e, [win]));
  const ok = eventFrom(win, win.top);
  return { inspector, host: h, ipcMain, win, ok, dispose };
}

test('every contract channel gets a handler and dispose removes them all', () =>
  withDir(async (dir) => {
    const { ipcMain, dispose } = await wired(dir);
    assert.deepEqual([...ipcMain.handlers.keys()].sort(), Object.values(CHANNELS).sort());
    dispose();
    assert.equal(ipcMain.handlers.size, 0);
  }));

test('a call from our window top frame with valid arguments reaches the inspector', () =>
  withDir(async (dir) => {
    const { ipcMain, inspector, ok } = await wired(dir);
    assert.deepEqual(await ipcMain.invoke(CHANNELS.node, ok, 'img-1', 36), { method: 'node', args: ['img-1', 36] });
    assert.deepEqual(await ipcMain.invoke(CHANNELS.children, ok, 'img-1', 36, 0, 100), {
      method: 'children',
      args: ['img-1', 36, 0, 100],
    });
    assert.equal(inspector.calls.length, 2);
  }));

test('foreign senders are refused before any service runs', () =>
  withDir(async (dir) => {
    const { ipcMain, inspector, win } = await wired(dir);
    const other = fakeWindow(2);
    const foreign = [
      ['a subframe of our page', eventFrom(win, frame(APP_URL, { processId: 101, routingId: 7 }, win.top))],
      ['our contents navigated elsewhere', eventFrom(win, frame('https://example.com/', win.top))],
      ['a file:// page', eventFrom(win, frame('file:///tmp/evil.html', win.top))],
      ['a frame that is already gone', eventFrom(win, null)],
      ['another window of the app', eventFrom(other, other.top)],
      ['a frame claiming our top frame from other contents', eventFrom(other, win.top)],
    ] as const;
    for (const [what, event] of foreign) {
      await assert.rejects(ipcMain.invoke(CHANNELS.node, event, 'img-1', 1), /refused/, what);
    }
    win.destroyed = true;
    await assert.rejects(ipcMain.invoke(CHANNELS.node, eventFrom(win, win.top), 'img-1', 1), /refused/, 'destroyed window');
    assert.equal(inspector.calls.length, 0);
  }));

test('invalid arguments are refused before any service runs', () =>
  withDir(async (dir) => {
    const { ipcMain, inspector, ok } = await wired(dir);
    await assert.rejects(ipcMain.invoke(CHANNELS.node, ok, 'img-1', -1), /nodeId must be an integer/);
    await assert.rejects(ipcMain.invoke(CHANNELS.bytes, ok, 'img-1', 0, 1e12), /length must be an integer/);
    await assert.rejects(ipcMain.invoke(CHANNELS.openImage, ok, 'relative.cfs'), /absolute path/);
    await assert.rejects(ipcMain.invoke(CHANNELS.setObjectStores, ok, 'img-1', [{}]), /dirs\[0\] must be a string/);
    await assert.rejects(ipcMain.invoke(CHANNELS.diff, ok, 'img-1', 'img-2', { evil: 1 }), /unknown option/);
    assert.equal(inspector.calls.length, 0);
  }));

test('app URLs are only our scheme and host', () => {
  assert.ok(isAppUrl(APP_URL));
  assert.ok(isAppUrl('app://inspector/assets/app.js#x'));
  assert.ok(!isAppUrl('app://other/index.html'));
  assert.ok(!isAppUrl('app://user:pw@inspector/index.html'));
  assert.ok(!isAppUrl('http://inspector/index.html'));
  assert.ok(!isAppUrl('not a url'));
});

test('opening an image applies the object store beside it and records it as recent', () =>
  withDir(async (dir) => {
    const image = join(dir, 'case', 'image.cfs');
    await mkdir(join(dir, 'case', 'objects'), { recursive: true });
    await writeFile(image, '');
    const { ipcMain, ok, host } = await wired(dir);
    const s = (await ipcMain.invoke(CHANNELS.openImage, ok, image)) as ImageSummary;
    assert.deepEqual(s.objectStores, [join(dir, 'case', 'objects')]);
    assert.deepEqual(await ipcMain.invoke(CHANNELS.recentFiles, ok), [image]);
    assert.equal(host.counts.recentChanges, 1);
  }));

test('a recent file that vanished is dropped from the list when opening it fails', () =>
  withDir(async (dir) => {
    const { ipcMain, ok, host } = await wired(dir);
    const gone = join(dir, 'missing.cfs');
    await host.recent.add(gone);
    await assert.rejects(ipcMain.invoke(CHANNELS.openImage, ok, gone), /no such file/);
    assert.deepEqual(host.recent.list(), []);
  }));

test('the open dialog opens the picked file, and cancelling it resolves null', () =>
  withDir(async (dir) => {
    const picked = await wired(dir, { image: join(dir, 'a.cfs') });
    assert.equal(((await picked.ipcMain.invoke(CHANNELS.openDialog, picked.ok)) as ImageSummary).path, join(dir, 'a.cfs'));
    const cancelled = await wired(dir, { image: null });
    assert.equal(await cancelled.ipcMain.invoke(CHANNELS.openDialog, cancelled.ok), null);
  }));

test('a chosen object store goes first, is remembered, and is applied when the image opens again', () =>
  withDir(async (dir) => {
    const image = join(dir, 'image.cfs');
    const store = join(dir, 'my-store');
    await mkdir(store);
    const { ipcMain, ok, host } = await wired(dir, { directory: store });
    const s = (await ipcMain.invoke(CHANNELS.openImage, ok, image)) as ImageSummary;
    const chosen = (await ipcMain.invoke(CHANNELS.chooseObjectStore, ok, s.imageId)) as ImageSummary;
    assert.deepEqual(chosen.objectStores, [store]);
    assert.deepEqual(host.choices.get(image), [store]);

    const later = await wired(dir);
    const reopened = (await later.ipcMain.invoke(CHANNELS.openImage, later.ok, image)) as ImageSummary;
    assert.deepEqual(reopened.objectStores, [store]);
  }));

test('choosing a store for an image that is not open fails, and cancelling changes nothing', () =>
  withDir(async (dir) => {
    const { ipcMain, ok, inspector } = await wired(dir, { directory: null });
    await assert.rejects(ipcMain.invoke(CHANNELS.chooseObjectStore, ok, 'img-9'), /no open image/);
    const s = (await ipcMain.invoke(CHANNELS.openImage, ok, join(dir, 'a.cfs'))) as ImageSummary;
    assert.equal(await ipcMain.invoke(CHANNELS.chooseObjectStore, ok, s.imageId), null);
    assert.ok(!inspector.calls.some((c) => c.method === 'setObjectStores'));
  }));

test('verify progress and completion are forwarded on the event channels until unsubscribed', () => {
  const inspector = recordingInspector();
  const sent: [string, unknown][] = [];
  const off = forwardVerifyEvents(inspector, (channel, payload) => sent.push([channel, payload]));
  const progress: VerifyProgress = { jobId: 'j1', filesDone: 1, filesTotal: 2, bytesDone: 10, bytesTotal: 20 };
  const done: VerifySummary = { jobId: 'j1', imageId: 'img-1', cancelled: false, counts: { verified: 2 }, results: [] };
  inspector.listeners.progress.forEach((cb) => cb(progress));
  inspector.listeners.done.forEach((cb) => cb(done));
  assert.deepEqual(sent, [[EVENTS.verifyProgress, progress], [EVENTS.verifyDone, done]]);
  off();
  assert.equal(inspector.listeners.progress.size + inspector.listeners.done.size, 0);
});

test('open requests wait for the page to load and are then delivered in order', () => {
  const delivered: string[] = [];
  const q = openRequestQueue((s) => delivered.push(s.path));
  q.push(summaryFor('/a.cfs'));
  q.push(summaryFor('/b.cfs'));
  assert.deepEqual(delivered, []);
  q.ready();
  q.push(summaryFor('/c.cfs'));
  assert.deepEqual(delivered, ['/a.cfs', '/b.cfs', '/c.cfs']);
  q.notReady();
  q.push(summaryFor('/d.cfs'));
  assert.deepEqual(delivered, ['/a.cfs', '/b.cfs', '/c.cfs']);
  q.ready();
  assert.deepEqual(delivered, ['/a.cfs', '/b.cfs', '/c.cfs', '/d.cfs']);
});
