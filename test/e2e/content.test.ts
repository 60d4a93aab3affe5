/**
 * Content preview in the details pane (issue 13): text with line numbers and escapes, hex for
 * binary data, an image, where the bytes come from, and the data extents leading to the hex view.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, type Harness } from './harness.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { buildImage } from '../helpers/image-builder.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);

/** A 1×1 red PNG. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex');
const TEXT = Buffer.concat([Buffer.from('first line\n\tindented ünïcode\nbad byte: '), Buffer.from([0xff, 0x01]), Buffer.from('\nlast')]);
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff));

let built = false;
for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  describe(`content preview at ${viewport.width}×${viewport.height}`, { skip }, () => {
    let h: Harness;
    let dir = '';
    before(async () => {
      if (!built) buildRenderer();
      built = true;
      dir = mkdtempSync(join(tmpdir(), 'cfs-e2e-content-'));
      writeFileSync(
        join(dir, 'files.cfs'),
        buildImage({ entries: [{ path: '/notes.txt', content: TEXT }, { path: '/blob.bin', content: BINARY }, { path: '/pixel.png', content: PNG }] }),
      );
      h = await startHarness({ viewport });
      await h.load();
    });
    after(async () => {
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const open = async (image: string, first: string) => {
      h.dialogs.images.push(image);
      await h.page.getByRole('button', { name: /^(Open image…|\+ Open)$/ }).first().click();
      // The previous image may have the same rows: wait for the new one's tab first.
      await h.page.locator(`.tab.active .tab-name[title="${image}"]`).waitFor();
      await h.page.locator(row(first)).waitFor();
    };
    const pick = async (path: string) => {
      await h.page.locator(row(path)).click();
      await h.page.locator('[data-testid="details-path"]', { hasText: path }).waitFor();
      await h.page.getByTestId('content-origin').waitFor();
    };

    test('a text file shows numbered lines; bytes that are not UTF-8 and control bytes are escaped', async () => {
      await open(join(dir, 'files.cfs'), '/notes.txt');
      await pick('/notes.txt');
      const text = h.page.getByTestId('content-text');
      await text.waitFor();
      const lines = await text.locator('.text-line').evaluateAll((els) =>
        els.map((e) => [e.querySelector('.line-no')!.textContent, e.querySelector('.line-text')!.textContent]),
      );
      assert.deepEqual(lines, [
        ['1', 'first line'],
        ['2', '\tindented ünïcode'],
        ['3', 'bad byte: \\xff\\x01'],
        ['4', 'last'],
      ]);
      assert.deepEqual(await text.locator('.esc').allTextContents(), ['\\xff', '\\x01']);
      assert.match((await h.page.getByTestId('content-origin').textContent()) ?? '', /inline in the image/);
      await h.screenshot(`content-text-${viewport.width}`);
    });

    test('a binary file shows a hex dump', async () => {
      await pick('/blob.bin');
      const dump = h.page.getByTestId('content-hex');
      await dump.waitFor();
      const first = ((await dump.textContent()) ?? '').split('\n')[0];
      assert.equal(first, '00000000  00 25 4a 6f 94 b9 de 03 28 4d 72 97 bc e1 06 2b  .%Jo....(Mr....+');
    });

    test('a PNG is shown as an image through a data: URL the CSP allows', async () => {
      await pick('/pixel.png');
      const img = h.page.getByTestId('content-image');
      await img.waitFor();
      assert.equal(await img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth), 1);
      assert.match((await img.getAttribute('src')) ?? '', /^data:image\/png;base64,iVBORw0KGgo/);
      await h.page.getByRole('button', { name: 'hex', exact: true }).click();
      await h.page.getByTestId('content-hex').waitFor();
      assert.deepEqual(h.errors, []);
    });

    test('a 114 KB file in blocks and an LZ4 file are labelled by where their data is, and each extent opens in the hex view', async () => {
      await open(corpusPath('08-mkfs-erofs', 'plain', 'image.erofs'), '/text.txt');
      await pick('/text.txt');
      assert.equal(
        await h.page.getByTestId('content-origin').textContent(),
        'from data blocks in the image plus a tail inline in the inode’s block',
      );
      const chips = h.page.getByTestId('content-extents').locator('.range-chip');
      assert.deepEqual(await chips.allTextContents(), ['blocks 0+110592 @ 0xe000+110592', 'inline tail 110592+3408 @ 0x29030+3408']);
      await chips.nth(1).click();
      assert.match((await h.page.getByTestId('hex-focus').textContent()) ?? '', /^0x29030 – 0x29d7f \(3408 B\)$/);
      assert.equal(await h.page.getByText('Inline data', { exact: true }).count(), 0, 'nothing calls this file inline');

      await open(corpusPath('08-mkfs-erofs', 'lz4', 'image.erofs'), '/text.txt');
      await pick('/text.txt');
      assert.equal(await h.page.getByTestId('content-origin').textContent(), 'from compressed clusters in the image (lz4)');
      const z = await h.page.getByTestId('content-extents').locator('.range-chip').allTextContents();
      assert.ok(z.length > 1 && z.every((t) => /^lz4( \(inline tail\))? \d+\+\d+ @ 0x[0-9a-f]+\+\d+$/.test(t)), z.join(' | '));
      const text = h.page.getByTestId('content-text');
      await text.waitFor();
      assert.ok(((await text.locator('.text-line').count()) ?? 0) > 10);
      assert.deepEqual(h.errors, []);
    });
  });
}
