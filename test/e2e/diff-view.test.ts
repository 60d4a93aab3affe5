/**
 * The diff view (issue 13), end to end in Chromium at 1440×900 and 1024×700: the count chips filter
 * the merged tree and the Changes list (mouse and keyboard), folders whose only change is their size
 * are hidden unless "dir sizes" is on, and the Changes list heads with both images described.
 * samples/demo v1 -> v2 has one change of every kind (samples/README.md); the two are copied to
 * a/image.cfs and b/image.cfs so that their labels must be told apart.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, withHarness, treeRow as row, type Harness } from './harness.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

const noBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;

const dir = mkdtempSync(join(tmpdir(), 'cfs-diff-view-'));
const copy = (from: string, side: string) => {
  mkdirSync(join(dir, side));
  copyFileSync(join(REPO_ROOT, 'samples', 'demo', from), join(dir, side, 'image.cfs'));
  return join(dir, side, 'image.cfs');
};
// Found as the object store of both (a folder's parent's objects/), so Verify can run.
symlinkSync(join(REPO_ROOT, 'samples', 'demo', 'objects'), join(dir, 'objects'));
const A = copy('v1.cfs', 'a');
const B = copy('v2.cfs', 'b');
after(() => rmSync(dir, { recursive: true, force: true }));

/** The image file's fs-verity digest (hex) as fsverity-utils computes it: an oracle independent of our code. */
function fsverityDigest(path: string): string {
  const r = spawnSync('fsverity', ['digest', '--compact', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fsverity digest: ${r.stderr}`);
  return r.stdout.trim();
}

/** Waits until the tree shows exactly `want` (in order), then asserts it, so a failure prints both lists. */
async function expectRows(h: Harness, want: string[]) {
  const rows = () => h.page.locator('.tree-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
  await h.page
    .waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.tree-row')].map((e) => e.getAttribute('data-path'))) === w, JSON.stringify(want), { timeout: 15_000 })
    .catch(() => undefined);
  assert.deepEqual(await rows(), want);
}

/** The paths the Changes list shows, in order ("old → new" for a rename). */
async function expectListed(h: Harness, want: string[]) {
  const listed = () => h.page.locator('.change-list .change .path').evaluateAll((els) => els.map((e) => e.textContent));
  await h.page
    .waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.change-list .change .path')].map((e) => e.textContent)) === w, JSON.stringify(want), { timeout: 15_000 })
    .catch(() => undefined);
  assert.deepEqual(await listed(), want);
}

const ALL_LISTED = [
  '/etc/demo.conf', '/etc/hosts', '/etc/motd', '/etc/os-release', '/etc/shadow', '/usr/bin/bash', '/usr/bin/grep',
  '/usr/bin/htop', '/usr/bin/sh', '/usr/lib/libc.so.6 → /usr/lib/libc-2.38.so', '/usr/lib/libc.so',
];

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  describe(`the diff view at ${viewport.width}×${viewport.height}`, { skip: noBrowser }, () => {
    const app = withHarness({ viewport });
    const bar = () => app().page.getByRole('region', { name: 'Comparison' });
    const chip = (name: RegExp) => bar().getByRole('button', { name });
    const pressed = async () =>
      bar()
        .locator('button.chip-toggle')
        .evaluateAll((els) => els.map((e) => `${e.textContent} ${e.getAttribute('aria-pressed')}`));

    test('two same-named images, the first verified, compared: the header describes both', async () => {
      const h = app();
      h.dialogs.images.push(A, B);
      await h.page.getByRole('button', { name: 'Open image…' }).click();
      await h.page.locator(row('/etc')).waitFor();
      await h.page.getByRole('button', { name: 'Verify objects' }).click();
      await h.page.getByTestId('verify-summary').waitFor({ timeout: 60_000 });
      await h.page.getByRole('button', { name: '+ Open' }).click();
      await h.page.locator('.tab').nth(1).and(h.page.locator('.active')).waitFor();
      await h.page.locator('.tab-name').first().click();
      await h.page.locator('.tab').first().and(h.page.locator('.active')).waitFor();
      await h.page.getByRole('combobox', { name: 'Compare with' }).selectOption({ index: 1 });
      await chip(/^2 added$/).waitFor({ timeout: 30_000 });

      const header = h.page.getByTestId('diff-header');
      const side = (s: string) =>
        header.locator(`[data-side="${s}"]`).evaluate((e) => ({
          label: e.querySelector('.diff-side-label')?.textContent,
          path: e.querySelector('.diff-side-label')?.getAttribute('title'),
          facts: [...e.querySelectorAll('[data-fact]')].map((f) => `${f.getAttribute('data-fact')}=${f.textContent}`),
          digestTitle: e.querySelector('[data-fact="digest"]')?.getAttribute('title') ?? null,
        }));
      const digest = fsverityDigest(A);
      assert.deepEqual(await side('before'), {
        label: '…/a/image.cfs',
        path: A,
        facts: ['format=composefs v0', 'size=28,672 B (28 KiB)', 'inodes=292 inodes', `digest=sha256:${digest.slice(0, 16)}…`],
        digestTitle: `fs-verity digest of the image file: ${digest}`,
      });
      // The second image was never verified: its digest is not known, and none is shown.
      assert.deepEqual(await side('after'), {
        label: '…/b/image.cfs',
        path: B,
        facts: ['format=composefs v0', 'size=28,672 B (28 KiB)', 'inodes=292 inodes'],
        digestTitle: null,
      });
      await h.screenshot(`diff-header-${viewport.width}`);
    });

    test('a folder whose only change is its size is not modified by default; "dir sizes" shows it', async () => {
      const h = app();
      assert.deepEqual(await pressed(), ['2 added false', '2 removed false', '6 modified false', '1 renamed false']);
      await expectListed(h, ALL_LISTED);
      // /etc leads to changes but did not change itself.
      await h.page.locator(`${row('/etc')} .changes-below`).waitFor();
      assert.equal(await h.page.locator(row('/etc')).getAttribute('data-change'), null);
      await bar().getByRole('checkbox', { name: 'dir sizes' }).check();
      await chip(/^8 modified$/).waitFor({ timeout: 30_000 });
      await h.page.locator(`${row('/etc')}[data-change="modified"]`).waitFor();
      await expectListed(h, ['/etc', ...ALL_LISTED.slice(0, 9), '/usr/lib', ...ALL_LISTED.slice(9)]);
      await h.page.locator('.change[data-kind="modified"]', { hasText: /^modified\/etcdir/ }).click();
      await h.page.locator('[data-diff-field="size"]').waitFor();
      assert.deepEqual(await h.page.locator('.diff-table tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-diff-field'))), ['size']);
      // The Before / After columns are headed by the same told-apart labels as the header.
      assert.deepEqual(await h.page.locator('.diff-table thead th').allTextContents(), ['Field', '…/a/image.cfs', '…/b/image.cfs']);
      await bar().getByRole('checkbox', { name: 'dir sizes' }).uncheck();
      await chip(/^6 modified$/).waitFor({ timeout: 30_000 });
      await h.page.locator(`${row('/etc')}:not([data-change])`).waitFor();
      await expectListed(h, ALL_LISTED);
    });

    test('a count chip shows only its kind of change in the tree and the list; pressed again, every change', async () => {
      const h = app();
      assert.equal(await h.page.getByRole('checkbox', { name: 'changed only' }).isChecked(), false);
      await chip(/^2 added$/).click();
      assert.deepEqual(await pressed(), ['2 added true', '2 removed false', '6 modified false', '1 renamed false']);
      await expectRows(h, ['/', '/etc', '/etc/demo.conf', '/usr', '/usr/bin', '/usr/bin/htop']);
      await expectListed(h, ['/etc/demo.conf', '/usr/bin/htop']);
      assert.equal(await h.page.locator(`${row('/etc/demo.conf')}`).getAttribute('data-change'), 'added');
      await h.screenshot(`diff-only-added-${viewport.width}`);

      // Another chip replaces the filter.
      await chip(/^6 modified$/).click();
      assert.deepEqual(await pressed(), ['2 added false', '2 removed false', '6 modified true', '1 renamed false']);
      await expectRows(h, [
        '/', '/etc', '/etc/hosts', '/etc/os-release', '/etc/shadow', '/usr', '/usr/bin', '/usr/bin/bash', '/usr/bin/sh', '/usr/lib', '/usr/lib/libc.so',
      ]);
      await expectListed(h, ['/etc/hosts', '/etc/os-release', '/etc/shadow', '/usr/bin/bash', '/usr/bin/sh', '/usr/lib/libc.so']);

      // Re-running with another option keeps the chip pressed, now over the new report.
      await bar().getByRole('checkbox', { name: 'dir sizes' }).check();
      await chip(/^8 modified$/).waitFor({ timeout: 30_000 });
      assert.deepEqual(await pressed(), ['2 added false', '2 removed false', '8 modified true', '1 renamed false']);
      await expectListed(h, ['/etc', '/etc/hosts', '/etc/os-release', '/etc/shadow', '/usr/bin/bash', '/usr/bin/sh', '/usr/lib', '/usr/lib/libc.so']);
      await h.page.locator(`${row('/usr/lib')}[data-change="modified"]`).waitFor();
      await bar().getByRole('checkbox', { name: 'dir sizes' }).uncheck();
      await chip(/^6 modified$/).waitFor({ timeout: 30_000 });

      await chip(/^1 renamed$/).click();
      await expectRows(h, ['/', '/usr', '/usr/lib', '/usr/lib/libc-2.38.so', '/usr/lib/libc.so.6']);
      await expectListed(h, ['/usr/lib/libc.so.6 → /usr/lib/libc-2.38.so']);

      await chip(/^1 renamed$/).click();
      assert.deepEqual(await pressed(), ['2 added false', '2 removed false', '6 modified false', '1 renamed false']);
      await expectListed(h, ALL_LISTED);
      // "changed only" is back to what it was (off): unchanged entries show again.
      assert.equal(await h.page.getByRole('checkbox', { name: 'changed only' }).isChecked(), false);
      await h.page.locator(row('/home')).waitFor();
    });

    test('the chips work from the keyboard: Tab reaches them, Space and Enter toggle', async () => {
      const h = app();
      await chip(/^2 added$/).focus();
      await h.page.keyboard.press('Tab');
      assert.equal(await h.page.evaluate(() => document.activeElement?.textContent), '2 removed');
      await h.page.keyboard.press('Space');
      await expectRows(h, ['/', '/etc', '/etc/motd', '/usr', '/usr/bin', '/usr/bin/grep']);
      await expectListed(h, ['/etc/motd', '/usr/bin/grep']);
      assert.deepEqual(await pressed(), ['2 added false', '2 removed true', '6 modified false', '1 renamed false']);
      await h.page.keyboard.press('Enter');
      await expectListed(h, ALL_LISTED);
      assert.deepEqual(await pressed(), ['2 added false', '2 removed false', '6 modified false', '1 renamed false']);
      await h.page.locator(row('/home')).waitFor();
    });

    test('the Changes list from the keyboard: arrows pick a change and show it in the tree and the details', async () => {
      const h = app();
      await h.page.getByRole('tab', { name: /^Changes/ }).click();
      const list = h.page.getByRole('listbox', { name: 'Changed entries' });
      await list.focus();
      await h.page.keyboard.press('ArrowDown');
      await h.page.keyboard.press('ArrowDown');
      assert.equal(await list.locator('[aria-selected="true"] .path').textContent(), '/etc/hosts');
      assert.equal(await list.getAttribute('aria-activedescendant'), 'change-1');
      await h.page.locator(`${row('/etc/hosts')}.selected`).waitFor();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/hosts' }).waitFor();
      await h.page.keyboard.press('End');
      assert.equal(await list.locator('[aria-selected="true"] .path').textContent(), '/usr/lib/libc.so');
      await h.page.locator(`${row('/usr/lib/libc.so')}.selected`).waitFor();
      await h.page.keyboard.press('Home');
      await h.page.locator(`${row('/etc/demo.conf')}.selected`).waitFor();
    });

    test('the page raised no errors', () => {
      assert.deepEqual(app().errors, []);
    });
  });
}
