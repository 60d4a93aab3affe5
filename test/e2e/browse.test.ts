/**
 * Browsing like a power user (issue 13), end to end in Chromium, each at 1440×900 and 1024×700:
 * whole-image search (Ctrl+F, counts, revealing a hit in a collapsed tree), type-ahead in the
 * tree, and the clickable breadcrumb; the bench image shows search reaching what was never
 * expanded; copying to the clipboard; same-named images told apart; the shortcut overlay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CHROMIUM, withHarness, treeRow as row, openImage, type Harness } from './harness.ts';
import { BENCH_DIR, corpusPath, corpusSkip } from '../helpers/corpus.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
const FS_TREE = corpusPath('02-fs-tree', 'image.cfs');

/** Waits until the tree's selection is `path` (selection lands asynchronously, after the node's details). */
const selected = (h: Harness, path: string) => h.page.locator(`${row(path)}.selected`).waitFor();

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
];

for (const viewport of VIEWPORTS) {
  describe(`search, type-ahead and breadcrumb at ${viewport.width}×${viewport.height}`, { skip }, () => {
    const app = withHarness({ viewport });

    test('Ctrl+F focuses the search; a name query lists every match in the image with its count', async () => {
      const h = app();
      await openImage(h, FS_TREE, '/sizes');
      await h.page.locator('.tree-list').focus();
      await h.page.keyboard.press('Control+f');
      assert.equal(await h.page.evaluate(() => document.activeElement?.id), 'image-search');
      await h.page.keyboard.type('f409');
      await h.page.getByTestId('search-count').filter({ hasText: '3 matches (name)' }).waitFor();
      const hits = await h.page.locator('.search-hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
      assert.deepEqual(hits, ['/sizes/f4095', '/sizes/f4096', '/sizes/f4097']);
      await h.screenshot(`search-results-${viewport.width}`);
    });

    test('picking a hit opens the folders on the way, selects it in the tree and shows its details', async () => {
      const h = app();
      assert.equal(await h.page.locator(row('/sizes/f4096')).count(), 0, '/sizes is still collapsed');
      await h.page.locator('.search-hit[data-path="/sizes/f4096"]').click();
      await h.page.locator(`${row('/sizes/f4096')}.selected`).waitFor();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/sizes/f4096' }).waitFor();
      assert.equal(await h.page.locator('.search-results').count(), 0, 'the tree is in front again');
      assert.equal(await h.page.locator(row('/sizes')).getAttribute('aria-expanded'), 'true');
    });

    test('globs and full paths; a query with no match says so', async () => {
      const h = app();
      const search = h.page.locator('#image-search');
      await search.fill('/sizes/f409*');
      await h.page.getByTestId('search-count').filter({ hasText: '3 matches (glob)' }).waitFor();
      await search.fill('/special');
      await h.page.getByTestId('search-count').filter({ hasText: /^\d+ matches \(path\)/ }).waitFor();
      const paths = await h.page.locator('.search-hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!));
      assert.equal(paths[0], '/special');
      assert.ok(paths.every((p) => p.startsWith('/special')), paths.join(' '));
      await search.fill('no-such-name-anywhere');
      await h.page.getByTestId('search-count').filter({ hasText: 'No paths match “no-such-name-anywhere”.' }).waitFor();
      await search.press('Escape');
      assert.equal(await search.inputValue(), '');
      assert.equal(await h.page.locator('.search-results').count(), 0);
    });

    test('typing in the tree jumps to the next name starting with what was typed', async () => {
      const h = app();
      await h.page.locator(row('/big')).click();
      await h.page.locator('.tree-list').focus();
      await h.page.keyboard.press('s');
      await selected(h, '/sizes');
      await h.page.keyboard.press('s');
      await selected(h, '/special'); // the same letter again moves on to the next match (past /sizes' children)
      await h.page.locator(row('/names')).click();
      await h.page.locator('.tree-list').focus();
      await h.page.keyboard.type('ti');
      await selected(h, '/times');
      await h.page.keyboard.type('xz');
      await selected(h, '/times'); // no name starts with "tixz": the selection stays
    });

    test('each ancestor in the breadcrumb reveals that folder', async () => {
      const h = app();
      await h.page.locator('#image-search').fill('f4097');
      await h.page.locator('.search-hit[data-path="/sizes/f4097"]').click();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/sizes/f4097' }).waitFor();
      assert.equal(await h.page.getByTestId('details-path').textContent(), '/sizes/f4097');
      await h.page.getByTestId('details-path').getByRole('button', { name: 'sizes' }).click();
      await h.page.locator(`${row('/sizes')}.selected`).waitFor();
      assert.equal(await h.page.getByTestId('details-path').textContent(), '/sizes');
      await h.page.getByTestId('details-path').getByRole('button', { name: 'root folder /' }).click();
      await h.page.locator(`${row('/')}.selected`).waitFor();
      assert.deepEqual(h.errors, []);
    });
  });
}

const bigGz = BENCH_DIR ? join(BENCH_DIR, 'big.cfs.gz') : '';
for (const viewport of VIEWPORTS) {
  describe(`search in the collapsed 201,277-inode bench image at ${viewport.width}×${viewport.height}`, { skip: skip || (existsSync(bigGz) ? false : 'bench image not found') }, () => {
    const app = withHarness({ viewport });
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cfs-e2e-big-'));
      writeFileSync(join(dir, 'big.cfs'), gunzipSync(readFileSync(bigGz)));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('a name deep in folders never expanded is found, counted, and revealed', async () => {
      const h = app();
      await openImage(h, join(dir, 'big.cfs'), '/d00', 120_000);
      assert.equal(await h.page.locator('.tree-row[aria-expanded="true"]').count(), 1, 'only the root is open');
      await h.page.keyboard.press('Control+f');
      await h.page.keyboard.type('file-0123-');
      // Every one of the 1,000 files named file-0123-*: 10 subfolders deep in each of the 20+ folders.
      await h.page.getByTestId('search-count').filter({ hasText: /^1,000 matches \(name\)/ }).waitFor({ timeout: 120_000 });
      const target = (await h.page.locator('.search-hit').nth(500).getAttribute('data-path'))!;
      assert.match(target, /^\/d\d+\/sub\d+\/file-0123-x*\.dat$/);
      await h.page.locator('.search-hit').nth(500).click();
      await h.page.locator(`${row(target)}.selected`).waitFor({ timeout: 60_000 });
      await h.page.locator('[data-testid="details-path"]', { hasText: target }).waitFor();
      await h.screenshot(`search-bench-revealed-${viewport.width}`);
      assert.deepEqual(h.errors, []);
    });
  });
}

for (const viewport of VIEWPORTS) {
  describe(`copying from the tree, the keyboard and the xattr table at ${viewport.width}×${viewport.height}`, { skip }, () => {
    const app = withHarness({ viewport });
    const clipboard = (h: Harness) => h.page.evaluate(() => navigator.clipboard.readText());

    test('the context menu and Ctrl+C / Ctrl+Shift+C copy the path, the digest and the node as JSON', async () => {
      const h = app();
      await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
      await openImage(h, FS_TREE, '/sizes');
      await h.page.locator('#image-search').fill('f4096');
      await h.page.locator('.search-hit[data-path="/sizes/f4096"]').click();
      await h.page.locator('[data-field="redirect"]').waitFor();
      await h.page.locator(row('/sizes/f4096')).click({ button: 'right' });
      await h.page.getByRole('menu', { name: 'Node actions' }).waitFor();
      await h.page.getByRole('menuitem', { name: 'Copy digest' }).click();
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied digest' }).waitFor();
      const dump = readFileSync(corpusPath('02-fs-tree', 'info-dump.txt'), 'latin1').split('\n').find((l) => l.startsWith('/sizes/f4096 '))!;
      assert.equal(await clipboard(h), dump.split(' ')[10]);
      assert.equal(await h.page.getByRole('menu').count(), 0, 'the menu closes after an action');

      await h.page.locator('.tree-list').focus();
      await h.page.keyboard.press('Control+c');
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied path' }).waitFor();
      assert.equal(await clipboard(h), '/sizes/f4096');
      await h.page.keyboard.press('Control+Shift+C');
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied node as JSON' }).waitFor();
      const node = JSON.parse(await clipboard(h));
      assert.equal(node.path, '/sizes/f4096');
      assert.equal(node.size, 4096);
      assert.equal(node.digest, dump.split(' ')[10]);

      await h.page.keyboard.press('Shift+F10');
      await h.page.getByRole('menuitem', { name: /Copy name/ }).waitFor();
      await h.page.keyboard.press('ArrowDown');
      await h.page.keyboard.press('Enter');
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied name' }).waitFor();
      assert.equal(await clipboard(h), 'f4096');
    });

    test('the focused hex range copies as hex digits and as a C array of the image bytes', async () => {
      const h = app();
      await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
      await h.page.locator('#image-search').fill('f4096');
      await h.page.locator('.search-hit[data-path="/sizes/f4096"]').click();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/sizes/f4096' }).waitFor();
      await h.page.locator('.details-pane .range-chip').first().click();
      const label = (await h.page.getByTestId('hex-focus').filter({ hasText: /\(\d+ B\)/ }).textContent())!;
      const [, start, len] = /^(0x[0-9a-f]+) – 0x[0-9a-f]+ \((\d+) B\)$/.exec(label)!;
      const bytes = readFileSync(FS_TREE).subarray(Number(start), Number(start) + Number(len));
      const hex = bytes.toString('hex');
      await h.page.getByRole('button', { name: 'Copy hex' }).click();
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied bytes as hex' }).waitFor();
      assert.equal(await clipboard(h), hex);
      await h.page.getByRole('button', { name: 'Copy as C' }).click();
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied bytes as a C array' }).waitFor();
      const c = await clipboard(h);
      assert.match(c, new RegExp(`^unsigned char bytes_${Number(start).toString(16)}\\[${bytes.length}\\] = \\{\n`));
      assert.deepEqual([...c.matchAll(/0x([0-9a-f]{2})/g)].map((m) => m[1]).join(''), hex);
    });

    test('a binary xattr value switches to hex on its own row and copies as shown', async () => {
      const h = app();
      await h.page.locator('#image-search').fill('/xattrs/');
      const first = h.page.locator('.search-hit').first();
      await first.waitFor();
      await first.click();
      const firstBinary = h.page.locator('.xattr-table tr', { has: h.page.getByRole('button', { name: /^Show .* as hex$/ }) }).first();
      await firstBinary.waitFor();
      const name = (await firstBinary.locator('.xname .mono').first().textContent())!;
      // Pinned by name: once switched, the row no longer has a "Show … as hex" button.
      const rowWithBinary = h.page.locator('.xattr-table tr', { has: h.page.getByRole('button', { name: `Copy the value of ${name} as`, exact: false }) }).first();
      await rowWithBinary.getByRole('button', { name: `Show ${name} as hex` }).click();
      const hexText = (await rowWithBinary.locator('.xvalue').textContent())!;
      assert.match(hexText, /^([0-9a-f]{2} )*[0-9a-f]{2}( …)?$/);
      await rowWithBinary.getByRole('button', { name: `Copy the value of ${name} as hex` }).click();
      await h.page.getByTestId('copy-notice').filter({ hasText: `Copied ${name} value (hex)` }).waitFor();
      assert.equal(await clipboard(h), hexText.replace(/ /g, '').replace('…', ''));
      const others = await h.page.locator('.xattr-table .xvalue').allTextContents();
      assert.ok(others.some((t) => !/^([0-9a-f]{2} ?)+$/.test(t)), 'the other rows stay as text');
      assert.deepEqual(h.errors, []);
    });
  });
}

for (const viewport of VIEWPORTS) {
  describe(`two images of the same name, and the shortcut overlay at ${viewport.width}×${viewport.height}`, { skip }, () => {
    const app = withHarness({ viewport });

    test('tabs and the compare bar name the parent folder that tells same-named images apart', async () => {
      const h = app();
      await openImage(h, corpusPath('03-diff', 'v1', 'image.cfs'), '/etc');
      await openImage(h, corpusPath('03-diff', 'v2', 'image.cfs'), '/etc');
      assert.deepEqual(await h.page.locator('.tab .tab-name').allTextContents(), ['…/v1/image.cfs', '…/v2/image.cfs']);
      await h.page.getByRole('combobox', { name: 'Compare with' }).selectOption({ label: '…/v1/image.cfs' });
      await h.page.locator('.compare-title', { hasText: '…/v2/image.cfs → …/v1/image.cfs' }).waitFor();
      await h.screenshot(`same-name-tabs-${viewport.width}`);
    });

    test('? lists the keyboard shortcuts; Escape closes the list', async () => {
      const h = app();
      await h.page.locator('.tree-list').focus();
      await h.page.keyboard.press('?');
      const dialog = h.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await dialog.waitFor();
      assert.ok((await dialog.locator('tr').count()) >= 8);
      assert.match((await dialog.textContent()) ?? '', /Ctrl\+F.*search the whole image/);
      await h.page.keyboard.press('Escape');
      assert.equal(await dialog.count(), 0);
      await h.page.locator('#image-search').focus();
      await h.page.keyboard.press('?');
      assert.equal(await h.page.getByRole('dialog').count(), 0, 'typing ? in a text field types it');
      assert.equal(await h.page.locator('#image-search').inputValue(), '?');
      assert.deepEqual(h.errors, []);
    });
  });
}
