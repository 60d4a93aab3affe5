import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import './use-electron-double.ts';
import { CHANNELS, EVENTS, type ImageSummary } from '../../shared/api.ts';
import { APP_URL } from '../../electron/ipc.ts';
import { recordingInspector, withDir } from './fakes.ts';
import { createElectronDouble, electronEvent, type ElectronDouble } from './electron-double.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

// main.ts imports 'electron'; it may only be loaded after the double is routed in.
const main = await import('../../electron/main.ts');
type MenuItem = { label?: string; role?: string; enabled?: boolean; accelerator?: string; click?: () => void; submenu?: MenuItem[] };

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

async function launch(
  dir: string,
  opts: { argv?: string[]; platform?: NodeJS.Platform; beforeStart?: (d: ElectronDouble) => void; beforeReady?: (d: ElectronDouble) => void } = {},
) {
  const d = createElectronDouble({ userData: join(dir, 'userData'), appPath: dir });
  opts.beforeStart?.(d);
  const inspector = recordingInspector();
  const handle = main.startApp(d as unknown as import('../../electron/main.ts').ElectronModule, {
    argv: opts.argv ?? ['/opt/electron', '.'],
    cwd: dir,
    platform: opts.platform ?? 'linux',
    createInspector: () => inspector,
  });
  assert.ok(handle);
  opts.beforeReady?.(d);
  d.app.fireReady();
  await handle.ready;
  const win = d.windows[0]!;
  return { d, inspector, handle, win };
}

const opened = (win: { webContents: { sent: [string, unknown][] } }) =>
  win.webContents.sent.filter(([c]) => c === EVENTS.openRequest).map(([, s]) => (s as ImageSummary).path);

const menu = (d: ElectronDouble) => d.Menu.applicationMenu!.template as MenuItem[];
const item = (items: MenuItem[] | undefined, label: string): MenuItem => {
  const found = items?.find((i) => i.label === label);
  assert.ok(found, `menu item ${label}`);
  return found;
};
const fileMenu = (d: ElectronDouble) => item(menu(d), 'File').submenu!;

test('window options turn on context isolation and the sandbox and turn off node integration', () => {
  const o = main.windowOptions('/app/dist/electron/preload.cjs');
  const w = o.webPreferences!;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.navigateOnDragDrop, false);
  assert.equal(w.preload, '/app/dist/electron/preload.cjs');
});

test('a packaged build has no DevTools and no Reload; a development run keeps both', () => {
  assert.equal(main.windowOptions('/p', false, true).webPreferences!.devTools, false);
  assert.equal(main.windowOptions('/p', false, false).webPreferences!.devTools, true);
  const actions = { open() {}, openRepository() {}, openRecent() {}, clearRecent() {}, chooseObjectStore() {} };
  const viewRoles = (packaged: boolean) =>
    ((main.menuTemplate({ platform: 'linux', recent: [], hasImage: false, packaged }, actions).find((m) => m.label === 'View')!.submenu as { role?: string }[]).map((m) => m.role).filter(Boolean));
  assert.deepEqual(viewRoles(true), ['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
  assert.deepEqual(viewRoles(false), ['reload', 'toggleDevTools', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
});

test('the started app creates one hardened window on our own page with the bundled preload', () =>
  withDir(async (dir) => {
    const { d, win } = await launch(dir);
    assert.equal(d.windows.length, 1);
    assert.deepEqual(win.options, main.windowOptions(join(dir, 'dist', 'electron', 'preload.cjs')));
    assert.equal(win.options.backgroundColor, '#ffffff');
    assert.equal(win.loadedUrl, APP_URL);
    assert.deepEqual(d.protocol.privileged, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    assert.deepEqual([...d.ipcMain.handlers.keys()].sort(), Object.values(CHANNELS).sort());
  }));

test('in a dark system theme the window opens on the dark background', () =>
  withDir(async (dir) => {
    const { win } = await launch(dir, { beforeStart: (d) => (d.nativeTheme.shouldUseDarkColors = true) });
    assert.equal(win.options.backgroundColor, '#16181c');
    assert.equal(win.options.webPreferences.sandbox, true);
  }));

test('a second launch does not get the lock: it hands its files over and quits without a window', () =>
  withDir(async (dir) => {
    const d = createElectronDouble({ gotLock: false });
    const handle = main.startApp(d as never, {
      argv: ['/opt/electron', '.', 'a.cfs', '--enable-logging', 'sub/b.erofs'],
      cwd: dir,
      platform: 'linux',
      createInspector: () => recordingInspector(),
    });
    assert.equal(handle, null);
    assert.equal(d.app.quitCalls, 1);
    assert.deepEqual(d.app.lockData, { files: [join(dir, 'a.cfs'), join(dir, 'sub', 'b.erofs')] });
    assert.equal(d.windows.length, 0);
    assert.equal(d.ipcMain.handlers.size, 0);
  }));

test('files on the command line open at startup and reach the page once it has loaded', () =>
  withDir(async (dir) => {
    const { inspector, win } = await launch(dir, { argv: ['/opt/electron', '.', 'a.cfs'] });
    await until(() => inspector.calls.some((c) => c.method === 'openImage'), 'the open');
    assert.deepEqual(opened(win), [], 'nothing is sent before the page loads');
    win.webContents.finishLoad(APP_URL);
    assert.deepEqual(opened(win), [join(dir, 'a.cfs')]);
  }));

test('a second instance hands its files to the running window, which is restored and focused', () =>
  withDir(async (dir) => {
    const { d, win } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    win.minimized = true;
    d.app.emit('second-instance', electronEvent(), ['/opt/app', '--no-sandbox', 'ignored.cfs'], '/elsewhere', {
      files: ['/images/v1.cfs', 42, 'relative.cfs'],
    });
    await until(() => opened(win).length === 1, 'the open request');
    assert.deepEqual(opened(win), ['/images/v1.cfs']);
    assert.equal(win.minimized, false);
    assert.ok(win.focused > 0);
  }));

test('a second instance without handover data has its argv parsed instead', () =>
  withDir(async (dir) => {
    const { d, win } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    d.app.emit('second-instance', electronEvent(), ['/opt/electron', '.', '--', '-odd.cfs'], '/work', undefined);
    await until(() => opened(win).length === 1, 'the open request');
    assert.deepEqual(opened(win), ['/work/-odd.cfs']);
  }));

test('macOS open-file events are taken over, queued before ready and opened after', () =>
  withDir(async (dir) => {
    const early = electronEvent();
    const { d, win } = await launch(dir, { platform: 'darwin', beforeReady: (d) => d.app.emit('open-file', early, '/images/early.cfs') });
    assert.equal(early.defaultPrevented, true);
    win.webContents.finishLoad(APP_URL);
    const late = electronEvent();
    d.app.emit('open-file', late, '/images/late.cfs');
    assert.equal(late.defaultPrevented, true);
    await until(() => opened(win).length === 2, 'both open requests');
    assert.deepEqual(opened(win), ['/images/early.cfs', '/images/late.cfs']);
  }));

test('a file that cannot be opened shows an error and sends nothing to the page', () =>
  withDir(async (dir) => {
    const { d, handle, win } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    await handle.openPaths(['/images/missing.cfs']);
    assert.deepEqual(opened(win), []);
    assert.match(JSON.stringify(d.dialog.messageBoxes), /Could not open missing\.cfs.*no such file/);
  }));

test('IPC from our page is served, and refused once the page shows anything else', () =>
  withDir(async (dir) => {
    const { d, win } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    const handler = d.ipcMain.handlers.get(CHANNELS.node)!;
    const event = { sender: { id: win.webContents.id }, senderFrame: win.webContents.mainFrame };
    assert.deepEqual(await handler(event, 'img-1', 36), { method: 'node', args: ['img-1', 36] });
    win.webContents.finishLoad('https://example.com/');
    await assert.rejects(async () => handler(event, 'img-1', 36), /refused/);
  }));

test('navigation, new windows and webviews are denied', () =>
  withDir(async (dir) => {
    const { win } = await launch(dir);
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const ev = electronEvent({ url: 'https://example.com/' });
      win.webContents.emit(name, ev);
      assert.equal(ev.defaultPrevented, true, name);
    }
    assert.deepEqual(win.webContents.windowOpenHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
  }));

test('permission requests and checks are denied and remote requests cancelled', () =>
  withDir(async (dir) => {
    const { d } = await launch(dir);
    const s = d.session.defaultSession;
    let granted: boolean | undefined;
    s.permissionRequestHandler!({}, 'media', (ok: boolean) => (granted = ok));
    assert.equal(granted, false);
    assert.equal(s.permissionCheckHandler!({}, 'clipboard-read'), false);
    assert.equal(s.devicePermissionHandler!({}), false);
    const cancelled = (url: string) => {
      let out: boolean | undefined;
      s.beforeRequest!({ url }, (r: { cancel: boolean }) => (out = r.cancel));
      return out;
    };
    assert.equal(cancelled('https://example.com/x.js'), true);
    assert.equal(cancelled('file:///etc/passwd'), true);
    assert.equal(cancelled('app://inspector/app.js'), false);
  }));

test('responses get our Content-Security-Policy header in place of any other', () =>
  withDir(async (dir) => {
    const { d } = await launch(dir);
    let headers: Record<string, string[]> | undefined;
    d.session.defaultSession.headersReceived!(
      { responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' } },
      (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders),
    );
    assert.deepEqual(headers, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [main.CSP] });
  }));

test('the CSP allows only our own scripts and styles and nothing remote', () => {
  const directives = Object.fromEntries(main.CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], ["'self'"]);
  assert.deepEqual(directives['style-src'], ["'self'"]);
  assert.deepEqual(directives['connect-src'], ["'none'"]);
  assert.doesNotMatch(main.CSP, /unsafe-|https?:|\*/);
});

test("the header CSP matches the renderer page's own meta policy", async () => {
  const html = await readFile(join(REPO_ROOT, 'renderer', 'index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  assert.ok(meta, 'renderer/index.html has a CSP meta');
  // frame-ancestors only works as a header (browsers ignore it, with a warning, in a meta).
  const headerOnly = /^(frame-ancestors|sandbox|report-uri)\b/;
  const norm = (p: string) =>
    p.split(';').map((d) => d.trim().replace(/\s+/g, ' ')).filter((d) => d && !headerOnly.test(d)).sort();
  assert.deepEqual(norm(meta), norm(main.CSP));
  assert.match(main.CSP, /frame-ancestors 'none'/);
});

test('the app protocol serves renderer files with the CSP and nothing outside the renderer folder', () =>
  withDir(async (dir) => {
    const root = join(dir, 'dist', 'renderer');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'app.js'), 'void 0');
    await writeFile(join(dir, 'dist', 'secret.txt'), 'secret');
    const { d } = await launch(dir);
    const serve = d.protocol.handlers.get('app')!;
    const index = await serve({ url: 'app://inspector/' });
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-security-policy'), main.CSP);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await index.text(), '<!doctype html>');
    assert.equal((await serve({ url: 'app://inspector/app.js' })).headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const url of ['app://inspector/../secret.txt', 'app://inspector/%2e%2e/secret.txt', 'app://inspector/..%2fsecret.txt', 'app://other/index.html', 'app://inspector/nope.js', 'app://inspector/a%00.js']) {
      assert.equal((await serve({ url })).status, 404, url);
    }
  }));

test('app URLs map only into the renderer folder', () => {
  assert.equal(main.resolveAppFile('app://inspector/index.html', '/r'), '/r/index.html');
  assert.equal(main.resolveAppFile('app://inspector/a/b.css', '/r'), '/r/a/b.css');
  // URL parsing already folds dot segments (even encoded ones) at the root...
  assert.equal(main.resolveAppFile('app://inspector/%2e%2e/%2e%2e/etc/passwd', '/r'), '/r/etc/passwd');
  // ...and encoded slashes that only become '..' after decoding are caught here.
  assert.equal(main.resolveAppFile('app://inspector/..%2f..%2fetc%2fpasswd', '/r'), null);
  assert.equal(main.resolveAppFile('app://inspector/%E0%A4%A', '/r'), null);
  assert.equal(main.resolveAppFile(pathToFileURL('/r/index.html').href, '/r'), null);
});

test('opened files are recorded in userData and listed under File > Open Recent, newest first', () =>
  withDir(async (dir) => {
    const { d, handle, inspector } = await launch(dir);
    await handle.openPaths(['/images/a.cfs', '/images/b.cfs']);
    const stored = JSON.parse(await readFile(join(dir, 'userData', 'recent-files.json'), 'utf8'));
    assert.deepEqual(stored.files, ['/images/b.cfs', '/images/a.cfs']);
    const recent = item(fileMenu(d), 'Open Recent').submenu!;
    assert.deepEqual(recent.slice(0, 2).map((i) => i.label), ['/images/b.cfs', '/images/a.cfs']);
    item(recent, '/images/a.cfs').click!();
    await until(() => item(fileMenu(d), 'Open Recent').submenu![0]!.label === '/images/a.cfs', 'the re-open to move it first');
    assert.equal(inspector.calls.filter((c) => c.method === 'openImage').length, 3);
    item(item(fileMenu(d), 'Open Recent').submenu, 'Clear Recent').click!();
    await until(() => item(item(fileMenu(d), 'Open Recent').submenu, 'Clear Recent').enabled === false, 'the cleared menu');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'userData', 'recent-files.json'), 'utf8')).files, []);
  }));

test('the recent list survives a restart', () =>
  withDir(async (dir) => {
    const first = await launch(dir);
    await first.handle.openPaths(['/images/a.cfs']);
    const second = await launch(dir);
    assert.equal(item(item(fileMenu(second.d), 'Open Recent').submenu, '/images/a.cfs').label, '/images/a.cfs');
  }));

test('File > Open shows a dialog filtered to image files and sends the chosen image to the page', () =>
  withDir(async (dir) => {
    const { d, win } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    d.dialog.openDialogAnswers.push({ canceled: false, filePaths: ['/images/picked.cfs'] });
    const open = item(fileMenu(d), 'Open…');
    assert.equal(open.accelerator, 'CmdOrCtrl+O');
    open.click!();
    await until(() => opened(win).length === 1, 'the open request');
    assert.deepEqual(opened(win), ['/images/picked.cfs']);
    assert.match(JSON.stringify(d.dialog.openDialogCalls[0]), /"extensions":\["cfs","erofs","img"[^\]]*\]/);
    assert.match(JSON.stringify(d.dialog.openDialogCalls[0]), /"catar","caidx","caibx"/);
  }));

test('Choose Object Store is offered once an image is open and applies the picked folder to it', () =>
  withDir(async (dir) => {
    const { d, handle, win, inspector } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    assert.equal(item(fileMenu(d), 'Choose Object Store…').enabled, false);
    await handle.openPaths(['/images/a.cfs']);
    const choose = item(fileMenu(d), 'Choose Object Store…');
    assert.equal(choose.enabled, true);
    d.dialog.openDialogAnswers.push({ canceled: false, filePaths: ['/stores/objects'] });
    choose.click!();
    await until(() => opened(win).length === 2, 'the updated summary');
    const last = win.webContents.sent.at(-1)![1] as ImageSummary;
    assert.deepEqual(last.objectStores, ['/stores/objects']);
    assert.deepEqual(inspector.calls.find((c) => c.method === 'setObjectStores')?.args, ['img-1', ['/stores/objects']]);
  }));

test('closing the window closes its images; the app quits when all windows are closed except on macOS', () =>
  withDir(async (dir) => {
    const linux = await launch(dir);
    await linux.handle.openPaths(['/images/a.cfs']);
    linux.win.close();
    await until(() => linux.inspector.calls.some((c) => c.method === 'closeImage'), 'the image to close');
    assert.equal(item(fileMenu(linux.d), 'Choose Object Store…').enabled, false);
    linux.d.app.emit('window-all-closed');
    assert.equal(linux.d.app.quitCalls, 1);

    const mac = await launch(dir, { platform: 'darwin' });
    mac.win.close();
    mac.d.app.emit('window-all-closed');
    assert.equal(mac.d.app.quitCalls, 0);
    mac.d.app.emit('activate');
    assert.equal(mac.d.windows.length, 2);
  }));

test('command lines yield image paths: switches and the dev app path skipped, URLs and relative paths resolved', () => {
  assert.deepEqual(main.filesFromArgv(['/opt/electron', '.', 'a.cfs'], '/w', false), ['/w/a.cfs']);
  assert.deepEqual(main.filesFromArgv(['/opt/electron', '--inspect', '.', '--x=1', 'a.cfs'], '/w', false), ['/w/a.cfs']);
  assert.deepEqual(main.filesFromArgv(['/opt/app', 'a.cfs', '/abs/b.img'], '/w', true), ['/w/a.cfs', '/abs/b.img']);
  assert.deepEqual(main.filesFromArgv(['/opt/app', 'file:///tmp/with%20space.cfs'], '/w', true), ['/tmp/with space.cfs']);
  assert.deepEqual(main.filesFromArgv(['/opt/app', '--', '--literal.cfs'], '/w', true), ['/w/--literal.cfs']);
  assert.deepEqual(main.filesFromArgv(['/opt/app', 'file://host/share/x.cfs', ''], '/w', true), []);
  assert.deepEqual(main.filesFromArgv(['/opt/app'], '/w', true), []);
});

const repositories = (win: { webContents: { sent: [string, unknown][] } }) =>
  win.webContents.sent.filter(([c]) => c === EVENTS.repositoryOpenRequest).map(([, s]) => (s as { path: string }).path);

test('a folder or a meta.json names a repository; any other path an image', () => {
  const dirs = new Set(['/sysroot/composefs']);
  const isDir = (p: string) => dirs.has(p);
  assert.equal(main.isRepositoryPath('/sysroot/composefs', isDir), true);
  assert.equal(main.isRepositoryPath('/home/u/.var/lib/composefs/meta.json', isDir), true);
  assert.equal(main.isRepositoryPath('/images/a.cfs', isDir), false);
  assert.equal(main.isRepositoryPath('/images/not-meta.json', isDir), false);
});

test('File > Open Repository shows a directory chooser and sends the opened repository to the page', () =>
  withDir(async (dir) => {
    const { d, win, inspector } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    d.dialog.openDialogAnswers.push({ canceled: false, filePaths: ['/sysroot/composefs'] });
    const open = item(fileMenu(d), 'Open Repository…');
    assert.equal(open.accelerator, 'CmdOrCtrl+Shift+O');
    open.click!();
    await until(() => repositories(win).length === 1, 'the repository open request');
    assert.deepEqual(repositories(win), ['/sysroot/composefs']);
    assert.deepEqual((d.dialog.openDialogCalls[0] as { properties: string[] }).properties, ['openDirectory']);
    assert.deepEqual(opened(win), []);
    assert.deepEqual(inspector.calls.filter((c) => c.method === 'openRepository').map((c) => c.args), [['/sysroot/composefs']]);
  }));

test('File > Open Repository cancelled opens nothing; a folder that is no repository shows the error', () =>
  withDir(async (dir) => {
    const { d, win, inspector } = await launch(dir);
    win.webContents.finishLoad(APP_URL);
    item(fileMenu(d), 'Open Repository…').click!();
    await until(() => d.dialog.openDialogCalls.length === 1, 'the chooser');
    d.dialog.openDialogAnswers.push({ canceled: false, filePaths: ['/missing/repo'] });
    item(fileMenu(d), 'Open Repository…').click!();
    await until(() => d.dialog.messageBoxes.length === 1, 'the error');
    assert.match(JSON.stringify(d.dialog.messageBoxes[0]), /Could not open the repository.*\/missing\/repo is not a composefs repository/);
    assert.deepEqual(repositories(win), []);
    assert.deepEqual(inspector.calls.filter((c) => c.method === 'openRepository').map((c) => c.args), [['/missing/repo']]);
  }));

test('a meta.json from open-file and a folder on the command line open as repositories, held until the page loads', () =>
  withDir(async (dir) => {
    const repo = join(dir, 'repo');
    await mkdir(repo);
    const { d, win, inspector } = await launch(dir, { platform: 'darwin', argv: ['/opt/electron', '.', 'repo', 'a.cfs'] });
    const early = electronEvent();
    d.app.emit('open-file', early, '/sysroot/composefs/meta.json');
    assert.equal(early.defaultPrevented, true);
    const repoOpens = () => inspector.calls.filter((c) => c.method === 'openRepository').map((c) => c.args[0]);
    await until(() => repoOpens().length === 2, 'both repository opens');
    assert.deepEqual(repoOpens(), [repo, '/sysroot/composefs/meta.json']);
    assert.deepEqual(repositories(win), [], 'nothing is sent before the page loads');
    win.webContents.finishLoad(APP_URL);
    await until(() => repositories(win).length === 2 && opened(win).length === 1, 'both repositories and the image');
    assert.deepEqual(repositories(win), [repo, '/sysroot/composefs']);
    assert.deepEqual(opened(win), [join(dir, 'a.cfs')]);
  }));
