/**
 * The main process over the real inspector service and a real corpus image: files arrive the way
 * the OS delivers them, calls go through the IPC handlers with their sender and argument checks,
 * and answers come from the real format core, verity pool and checker. Only Electron is a double.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import './use-electron-double.ts';
import { CHANNELS, EVENTS, type ChildPage, type ImageSummary, type NodeDetails, type VerifySummary, type CheckReport } from '../../shared/api.ts';
import { APP_URL } from '../../electron/ipc.ts';
import { createElectronDouble, electronEvent } from './electron-double.ts';
import { withDir } from './fakes.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';

const main = await import('../../electron/main.ts');
const { createInspector } = await import('../../electron/services/inspector.ts');

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a second launch with a corpus image opens it; the page browses, checks and verifies it over IPC', { skip: corpusSkip }, () =>
  withDir(async (dir) => {
    const d = createElectronDouble({ userData: join(dir, 'userData'), appPath: dir });
    const inspector = createInspector();
    const handle = main.startApp(d as never, { argv: ['/opt/electron', '.'], cwd: dir, platform: 'linux', createInspector: () => inspector });
    d.app.fireReady();
    await handle!.ready;
    const win = d.windows[0]!;
    win.webContents.finishLoad(APP_URL);

    const image = corpusPath('01-readme', 'image.cfs');
    d.app.emit('second-instance', electronEvent(), ['/usr/bin/composefs-inspector', image], '/', { files: [image] });
    const sent = (channel: string) => win.webContents.sent.filter(([c]) => c === channel).map(([, p]) => p);
    const summary = await until(() => sent(EVENTS.openRequest)[0] as ImageSummary | undefined, 'the open request');
    assert.equal(summary.path, image);
    assert.deepEqual(summary.objectStores, [corpusPath('01-readme', 'objects')], 'the objects/ beside the image is used');

    const page = { sender: { id: win.webContents.id }, senderFrame: win.webContents.mainFrame };
    const call = (method: keyof typeof CHANNELS, ...args: unknown[]) => d.ipcMain.handlers.get(CHANNELS[method])!(page, ...args);

    const root = (await call('children', summary.imageId, summary.rootId)) as ChildPage;
    const names = root.entries.filter((e) => !e.hidden).map((e) => e.name);
    assert.deepEqual(names, ['dir', 'empty', 'file_a', 'file_b', 'small']);

    const id = (await call('lookup', summary.imageId, '/dir/another_a')) as number;
    const details = (await call('node', summary.imageId, id)) as NodeDetails;
    assert.equal(details.redirect, '7f/8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
    assert.equal(details.digest, '7f8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
    assert.ok(details.xattrs.some((x) => x.name === 'trusted.overlay.redirect'));

    const header = (await call('bytes', summary.imageId, 0, 4)) as Uint8Array;
    assert.deepEqual([...header], [0x9a, 0x62, 0x78, 0xd0], 'the composefs header magic, little-endian');
    await assert.rejects(async () => call('bytes', summary.imageId, 0, 1 << 30), /length must be an integer/);

    const report = (await call('check', summary.imageId)) as CheckReport;
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);

    const { jobId } = (await call('verify', summary.imageId)) as { jobId: string };
    const done = await until(() => sent(EVENTS.verifyDone).find((s) => (s as VerifySummary).jobId === jobId) as VerifySummary | undefined, 'verify to finish');
    assert.equal(done.cancelled, false);
    assert.equal(done.counts.verified, 3, 'file_a, file_b and dir/another_a match their digests');

    assert.deepEqual(await call('recentFiles'), [image]);
    win.close();
    for (let i = 0; i < 100 && (await inspector.listImages()).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await inspector.listImages(), [], 'closing the window closed the image and its file handle');
    await assert.rejects(async () => call('listImages'), /refused/, 'a closed window can no longer call in');
  }));
