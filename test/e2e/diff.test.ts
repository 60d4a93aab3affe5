/**
 * The diff view end to end: two versions of an image open in the window, compared as one merged
 * tree with change badges, "changed only", the details pane's Before / After section and the diff
 * options, over the real services (see harness.ts). samples/demo v1 -> v2 has one change of every
 * kind (samples/README.md); the corpus' 03-diff pair adds xattr, ownership and type changes made by
 * the real tools.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDump } from '../../shared/composefs/dumpfile.ts';
import { writeComposefs } from '../../shared/composefs/writer.ts';
import { CHROMIUM, withHarness, treeRow as row, type Harness } from './harness.ts';
import { corpusPath, corpusSkip, REPO_ROOT } from '../helpers/corpus.ts';

const noBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const sample = (name: string) => join(REPO_ROOT, 'samples', 'demo', name);

/** Opens `a`, then `b` in a second tab, and compares `a` with `b` from `a`'s tab. */
async function compare(h: Harness, a: string, b: string) {
  await h.page.getByRole('textbox', { name: 'Image path' }).fill(a);
  await h.page.getByRole('button', { name: 'Open', exact: true }).click();
  await h.page.locator(row('/etc')).waitFor();
  h.dialogs.images.push(b);
  await h.page.getByRole('button', { name: '+ Open' }).click();
  await h.page.locator('.tab').nth(1).and(h.page.locator('.active')).waitFor();
  await h.page.locator('.tab-name').first().click();
  await h.page.locator('.tab').first().and(h.page.locator('.active')).waitFor();
  await h.page.getByRole('combobox', { name: 'Compare with' }).selectOption({ index: 1 });
  await h.page.getByTestId('compare-counts').locator('.chip').first().waitFor({ timeout: 30_000 });
}

/**
 * Scrolls the (virtualized) tree until the row of `path` is in the page: only rows on screen exist.
 * Leaves it to the caller's waitFor to fail when the row never comes.
 */
async function scrollTo(h: Harness, path: string) {
  await h.page.evaluate(async (sel) => {
    // No named helpers in here: the test's TypeScript loader would wrap them in a function the page lacks.
    const list = document.querySelector('.tree-list')!;
    // Rows render a frame or more after a scroll, later on a loaded machine: give each position
    // up to 20 frames, and make a second pass from the top if the first one missed the row.
    for (let pass = 0; pass < 2 && !document.querySelector(sel); pass++) {
      for (let top = 0; !document.querySelector(sel) && top <= list.scrollHeight; top += list.clientHeight / 2) {
        list.scrollTop = top;
        for (let f = 0; f < 20 && !document.querySelector(sel); f++) await new Promise((r) => requestAnimationFrame(r));
      }
    }
    document.querySelector(sel)?.scrollIntoView({ block: 'nearest' });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, row(path));
}

async function expand(h: Harness, path: string) {
  await scrollTo(h, path);
  await h.page.locator(row(path)).waitFor();
  if ((await h.page.locator(row(path)).getAttribute('aria-expanded')) !== 'true') await h.page.locator(`${row(path)} .twisty`).click();
  await h.page.locator(row(path)).and(h.page.locator('[aria-expanded="true"]')).waitFor();
}

async function selectRow(h: Harness, path: string) {
  await scrollTo(h, path);
  await h.page.locator(row(path)).click();
  await h.page.locator('[data-testid="details-path"]', { hasText: path }).waitFor();
}

const rowPaths = (h: Harness) => h.page.locator('.tree-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));

/** Waits until the tree shows exactly `want` (in order), then asserts it, so a failure prints both lists. */
async function expectRows(h: Harness, want: string[]) {
  await h.page
    .waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.tree-row')].map((e) => e.getAttribute('data-path'))) === w, JSON.stringify(want), {
      timeout: 10_000,
    })
    .catch(() => undefined);
  assert.deepEqual(await rowPaths(h), want);
}

/** The Before / After table as { field: [before, after] }. */
async function beforeAfter(h: Harness): Promise<Record<string, [string, string]>> {
  await h.page.locator('.diff-table').waitFor();
  return h.page.locator('.diff-table tbody tr').evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-diff-field'), [tr.children[1]!.textContent, tr.children[2]!.textContent]])),
  );
}

async function statusOf(h: Harness, path: string) {
  await scrollTo(h, path);
  return h.page.locator(row(path)).getAttribute('data-change');
}

describe('comparing two versions of the demo image', { skip: noBrowser }, () => {
  const app = withHarness();

  test('the tree becomes one merged tree: each change badged, removed entries as struck-through ghosts in place', async () => {
    const h = app();
    await compare(h, sample('v1.cfs'), sample('v2.cfs'));
    assert.match((await h.page.getByTestId('compare-counts').textContent()) ?? '', /2 added.*2 removed.*6 modified.*1 renamed/);
    // Folders with changes inside are marked before they are opened; unchanged ones are not.
    await h.page.locator(`${row('/etc')} .changes-below`).waitFor();
    assert.equal(await h.page.locator(`${row('/usr')} .changes-below`).count(), 1);
    assert.equal(await h.page.locator(`${row('/home')} .changes-below`).count(), 0);

    await expand(h, '/etc');
    // demo.conf exists only in v2 and sits in name order among v1's entries; motd is gone in v2 but stays where it was.
    await expectRows(h, [
      '/', '/etc', '/etc/demo.conf', '/etc/group', '/etc/hostname', '/etc/hosts', '/etc/localtime', '/etc/motd',
      '/etc/os-release', '/etc/passwd', '/etc/shadow', '/etc/ssl', '/home', '/tmp', '/usr', '/var',
    ]);
    assert.equal(await statusOf(h, '/etc/demo.conf'), 'added');
    assert.equal(await statusOf(h, '/etc/motd'), 'removed');
    assert.match((await h.page.locator(row('/etc/motd')).getAttribute('class')) ?? '', /\bghost\b/);
    assert.equal(await h.page.locator(`${row('/etc/motd')} .name`).evaluate((e) => getComputedStyle(e).textDecorationLine), 'line-through');
    assert.equal(await statusOf(h, '/etc/os-release'), 'modified');
    assert.equal(await statusOf(h, '/etc/hosts'), 'modified');
    assert.equal(await statusOf(h, '/etc/group'), null);
    assert.equal(await h.page.locator(`${row('/etc/demo.conf')} [data-change="added"]`).textContent(), 'added');

    await expand(h, '/usr');
    await expand(h, '/usr/lib');
    assert.equal(await statusOf(h, '/usr/lib/libc.so.6'), 'renamed-from');
    assert.equal(await statusOf(h, '/usr/lib/libc-2.38.so'), 'renamed-to');
    assert.match((await h.page.locator(`${row('/usr/lib/libc.so.6')} .change-badge`).getAttribute('title')) ?? '', /renamed to \/usr\/lib\/libc-2\.38\.so/);
    assert.match((await h.page.locator(row('/usr/lib/libc.so.6')).getAttribute('class')) ?? '', /\bghost\b/);
    await expand(h, '/usr/bin');
    assert.equal(await statusOf(h, '/usr/bin/htop'), 'added');
    assert.equal(await statusOf(h, '/usr/bin/grep'), 'removed');
    assert.equal(await statusOf(h, '/usr/bin/sh'), 'modified');
    await h.page.getByRole('tree', { name: 'Files' }).evaluate((e) => (e.scrollTop = 0));
    await selectRow(h, '/etc/os-release');
    await h.screenshot('diff-merged');
  });

  test('the keyboard walks the merged rows, added and ghost rows included', async () => {
    const h = app();
    await selectRow(h, '/etc/hostname');
    await h.page.getByRole('tree', { name: 'Files' }).focus();
    await h.page.keyboard.press('ArrowUp');
    await h.page.keyboard.press('ArrowUp');
    await h.page.locator(`${row('/etc/demo.conf')}[aria-selected="true"]`).waitFor();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/demo.conf' }).waitFor();
    for (let i = 0; i < 5; i++) await h.page.keyboard.press('ArrowDown');
    await h.page.locator(`${row('/etc/motd')}[aria-selected="true"]`).waitFor();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/motd' }).waitFor();
  });

  test('"changed only" keeps the changed entries and the folders leading to them, opening those folders', async () => {
    const h = app();
    await h.page.locator(`${row('/etc')} .twisty`).click(); // collapsed folders with changes open by themselves
    await h.page.getByRole('checkbox', { name: 'changed only' }).check();
    await expectRows(h, [
      '/', '/etc', '/etc/demo.conf', '/etc/hosts', '/etc/motd', '/etc/os-release', '/etc/shadow',
      '/usr', '/usr/bin', '/usr/bin/bash', '/usr/bin/grep', '/usr/bin/htop', '/usr/bin/sh',
      '/usr/lib', '/usr/lib/libc-2.38.so', '/usr/lib/libc.so', '/usr/lib/libc.so.6',
    ]);
    await h.screenshot('diff-changed-only');
    await h.page.getByRole('checkbox', { name: 'changed only' }).uncheck();
    await h.page.locator(row('/etc/passwd')).waitFor();
    await h.page.locator(row('/home')).waitFor();
  });

  test('a modified entry shows each changed field before and after, the differing part marked', async () => {
    const h = app();
    await selectRow(h, '/etc/shadow');
    assert.deepEqual(await beforeAfter(h), { mode: ['-rw-r----- 0640', '-rw------- 0600'] });
    await selectRow(h, '/usr/bin/sh');
    assert.deepEqual(await beforeAfter(h), { size: ['4 B', '7 B'], target: ['bash', 'busybox'] });
    await selectRow(h, '/usr/bin/bash');
    const bash = await beforeAfter(h);
    assert.deepEqual(bash.size, ['12,000 B (12 KiB)', '12,500 B (12 KiB)']);
    assert.match(bash.digest![0], /^7d2f6889[0-9a-f]{56}$/);
    assert.match(bash.digest![1], /^69d91ab0[0-9a-f]{56}$/);
    // Digests with nothing in common are highlighted whole, without a marked part.
    assert.equal(await h.page.locator('[data-diff-field="digest"] mark').count(), 0);
    await h.screenshot('diff-details');
  });

  test('added and removed entries show the one side that exists; a rename shows both paths', async () => {
    const h = app();
    await selectRow(h, '/usr/bin/htop');
    await h.page.locator('[data-testid="before-after"][data-status="added"] .diff-table').waitFor();
    const htop = await beforeAfter(h);
    assert.deepEqual(htop.type, ['—', 'regular file']);
    assert.match(htop.redirect![1], /^3d\/8c0a5fd1/);
    assert.ok(Object.values(htop).every(([b]) => b === '—'), 'nothing on the before side');
    // Overlay bookkeeping shows as Object and fs-verity, as the diff itself shows it, not as raw xattrs.
    assert.deepEqual(Object.keys(htop).filter((k) => k.startsWith('xattr:')), ['xattr:security.selinux']);
    assert.equal(await h.page.getByTestId('details-name').textContent(), 'htop');
    await h.screenshot('diff-added');
    // Its structures and bytes are the other image's: one click shows it there.
    await h.page.getByRole('button', { name: 'Show in v2.cfs' }).click();
    await h.page.locator('.tab.active .tab-name', { hasText: 'v2.cfs' }).waitFor();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/usr/bin/htop' }).waitFor();
    await h.page.locator('[data-field="redirect"]').waitFor();
    await h.page.locator('.tab-name', { hasText: 'v1.cfs' }).click();
    await h.page.locator('.compare-bar').waitFor();

    await selectRow(h, '/usr/bin/grep');
    await h.page.locator('[data-testid="before-after"][data-status="removed"] .diff-table').waitFor();
    const grep = await beforeAfter(h);
    assert.deepEqual(grep.type, ['regular file', '—']);
    assert.ok(Object.values(grep).every(([, a]) => a === '—'), 'nothing on the after side');
    // A removed entry is still this image's node: its own details follow.
    await h.page.locator('[data-field="redirect"]').waitFor();

    await selectRow(h, '/usr/lib/libc-2.38.so');
    await h.page.locator('[data-testid="before-after"][data-status="renamed-to"]').waitFor();
    assert.deepEqual((await beforeAfter(h)).path, ['/usr/lib/libc.so.6', '/usr/lib/libc-2.38.so']);
    await selectRow(h, '/usr/lib/libc.so.6');
    await h.page.locator('[data-testid="before-after"][data-status="renamed-from"]').waitFor();
    assert.deepEqual((await beforeAfter(h)).path, ['/usr/lib/libc.so.6', '/usr/lib/libc-2.38.so']);

    await selectRow(h, '/etc/group');
    assert.match((await h.page.getByTestId('before-after').textContent()) ?? '', /Unchanged in v2\.cfs/);
  });

  test('a change in the Changes list selects its row in the merged tree, also one only the other image has', async () => {
    const h = app();
    await h.page.getByRole('tab', { name: /^Changes/ }).click();
    await h.page.locator('.change[data-kind="added"]', { hasText: '/usr/bin/htop' }).click();
    await h.page.locator(`${row('/usr/bin/htop')}[aria-selected="true"]`).waitFor();
    assert.equal(await h.page.locator('.tab.active .tab-name').textContent(), 'v1.cfs', 'stays in the merged tree');
  });

  test('ignoring mtime runs the comparison again and the mtime-only change disappears', async () => {
    const h = app();
    assert.equal(await statusOf(h, '/etc/hosts'), 'modified');
    await h.page.getByRole('checkbox', { name: 'mtime' }).check();
    await h.page.getByTestId('compare-counts').filter({ hasText: '5 modified' }).waitFor({ timeout: 30_000 });
    await h.page.locator(`${row('/etc/hosts')}:not([data-change])`).waitFor();
    assert.equal(await h.page.locator('.change', { hasText: '/etc/hosts' }).count(), 0);
    await selectRow(h, '/etc/hosts');
    assert.match((await h.page.getByTestId('before-after').textContent()) ?? '', /Unchanged/);
    await h.page.getByRole('checkbox', { name: 'mtime' }).uncheck();
    await h.page.locator(`${row('/etc/hosts')}[data-change="modified"]`).waitFor({ timeout: 30_000 });
    assert.deepEqual(await beforeAfter(h), { mtime: ['2023-11-14 22:13:20.000000000 UTC', '2023-11-15 00:13:20.000000000 UTC'] });
    // Only the part of the time that differs is marked.
    assert.deepEqual(await h.page.locator('[data-diff-field="mtime"] mark').allTextContents(), ['4 22', '5 00']);
  });

  test('stopping the comparison gives back the plain tree of the image', async () => {
    const h = app();
    await h.page.getByRole('button', { name: 'Stop comparing' }).click();
    await h.page.locator('.compare-bar').waitFor({ state: 'detached' });
    assert.equal(await h.page.locator('.tree-row[data-change]').count(), 0);
    assert.equal(await h.page.locator(row('/usr/bin/htop')).count(), 0);
    await h.page.locator(row('/usr/bin/grep')).waitFor();
    assert.equal(await h.page.getByRole('checkbox', { name: 'changed only' }).count(), 0);
  });

  test('the page raised no errors', () => {
    assert.deepEqual(app().errors, []);
  });
});

describe('comparing the corpus 03-diff pair made by mkcomposefs', { skip: noBrowser || corpusSkip }, () => {
  const app = withHarness();

  test('xattr, ownership and type changes show before and after; xattr patterns and ownership can be ignored', async () => {
    const h = app();
    await compare(h, corpusPath('03-diff', 'v1', 'image.cfs'), corpusPath('03-diff', 'v2', 'image.cfs'));
    await expand(h, '/etc');
    await selectRow(h, '/etc/xattr-changed');
    assert.deepEqual(await beforeAfter(h), {
      'xattr:user.added': ['—', 'y'],
      'xattr:user.dropped': ['x', '—'],
      'xattr:user.note': ['old', 'new'],
    });
    await selectRow(h, '/etc/type-changed');
    const type = await beforeAfter(h);
    assert.deepEqual(type.type, ['file', 'symlink']);
    assert.deepEqual(type.target, ['—', 'now-a-symlink']);

    // Added folders open onto their added entries; removed ones onto their removed entries.
    await expand(h, '/var');
    await expand(h, '/var/added-dir');
    assert.equal(await statusOf(h, '/var/added-dir/f'), 'added');
    await expand(h, '/var/removed-dir');
    await expand(h, '/var/removed-dir/sub');
    assert.equal(await statusOf(h, '/var/removed-dir/sub/f'), 'removed');

    const xattrs = h.page.getByRole('textbox', { name: 'Ignore xattrs' });
    await xattrs.fill('user.*');
    await xattrs.press('Enter');
    await h.page.locator(`${row('/etc/xattr-changed')}:not([data-change])`).waitFor({ timeout: 30_000 });
    await expand(h, '/usr');
    await expand(h, '/usr/bin');
    assert.equal(await statusOf(h, '/usr/bin/chowned'), 'modified');
    await h.page.getByRole('checkbox', { name: 'ownership' }).check();
    await h.page.locator(`${row('/usr/bin/chowned')}:not([data-change])`).waitFor({ timeout: 30_000 });
    // The patterns stay applied when another option re-runs the comparison.
    assert.equal(await statusOf(h, '/etc/xattr-changed'), null);
    assert.equal(await xattrs.inputValue(), 'user.*');
  });

  test('the page raised no errors', () => {
    assert.deepEqual(app().errors, []);
  });
});

describe('a renamed folder and a file that became a folder', { skip: noBrowser }, () => {
  const app = withHarness();
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfs-diff-e2e-'));
    const image = (lines: string[]) => writeComposefs(parseDump(lines.join('\n') + '\n'));
    const root = '/ 4096 40755 2 0 0 0 1700000000.0 - - -';
    await writeFile(join(dir, 'v1.cfs'), image([root, '/conf.d 4096 40755 2 0 0 0 1700000000.0 - - -', '/conf.d/a.conf 5 100644 1 0 0 0 1700000000.0 - hello -', '/etc 4096 40755 2 0 0 0 1700000000.0 - - -', '/tool 3 100755 1 0 0 0 1700000000.0 - abc -']));
    await writeFile(join(dir, 'v2.cfs'), image([root, '/conf 4096 40755 2 0 0 0 1700000000.0 - - -', '/conf/a.conf 5 100644 1 0 0 0 1700000000.0 - hello -', '/etc 4096 40755 2 0 0 0 1700000000.0 - - -', '/tool 4096 40755 2 0 0 0 1700000000.0 - - -', '/tool/bin 3 100755 1 0 0 0 1700000000.0 - abc -']));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the renamed folder opens onto the entries it took along; the former file onto what it holds now', async () => {
    const h = app();
    await compare(h, join(dir, 'v1.cfs'), join(dir, 'v2.cfs'));
    assert.equal(await statusOf(h, '/conf'), 'renamed-to');
    assert.equal(await statusOf(h, '/conf.d'), 'renamed-from');
    // The diff lists a renamed folder alone; what it holds is read from the old folder, which holds the same.
    await expand(h, '/conf');
    await selectRow(h, '/conf/a.conf');
    assert.equal(await statusOf(h, '/conf/a.conf'), 'renamed-to');
    assert.equal(await h.page.locator(`${row('/conf/a.conf')} .change-badge`).count(), 0, 'moved along, not renamed itself');
    assert.deepEqual(await beforeAfter(h), { path: ['/conf.d/a.conf', '/conf/a.conf'] });
    assert.match((await h.page.getByTestId('before-after').textContent()) ?? '', /Moved with its folder \(\/conf\.d → \/conf\)/);
    // Still this image's node, with its own details below.
    await h.page.locator('[data-field="inode"]').waitFor();

    assert.equal(await statusOf(h, '/tool'), 'modified');
    await expand(h, '/tool');
    assert.equal(await statusOf(h, '/tool/bin'), 'added');
    await selectRow(h, '/tool');
    const tool = await beforeAfter(h);
    assert.deepEqual(tool.type, ['file', 'dir']);
    assert.deepEqual(tool.mode, ['-rwxr-xr-x 0755', 'drwxr-xr-x 0755']);
  });

  test('the page raised no errors', () => {
    assert.deepEqual(app().errors, []);
  });
});
