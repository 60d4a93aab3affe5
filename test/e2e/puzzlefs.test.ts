/**
 * PuzzleFS in the app end to end: an image built to the layout (metadata by capnp encode) opens
 * from its index.json in the real renderer in Chromium; the tree and a file's xattrs show, and a
 * damaged blob shows among the findings.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, type Harness } from './harness.ts';
import { buildPuzzlefs, ENTRIES, puzzlefsSkip, type Built } from '../shared/puzzlefs/puzzlefs-builder.ts';
import { removeDir } from '../shared/oci/gnu-tar.ts';

const skip = puzzlefsSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);

describe('PuzzleFS images in the app', { skip }, () => {
  let h: Harness;
  let good: Built;
  let broken: Built;
  before(async () => {
    good = buildPuzzlefs(ENTRIES, { tag: 'good' });
    broken = buildPuzzlefs(ENTRIES, { tag: 'broken' });
    const path = broken.blobs.get(broken.plainHex)!;
    const bytes = new Uint8Array(readFileSync(path));
    bytes[10] ^= 0x01;
    writeFileSync(path, bytes);
    buildRenderer();
    h = await startHarness();
    await h.load();
  });
  after(async () => {
    await h?.close();
    for (const b of [good, broken]) if (b) removeDir(b.dir);
  });

  test('an image opens from its index.json: its tree, and a file with its xattrs', async () => {
    h.dialogs.images.push(good.index);
    await h.page.getByRole('button', { name: 'Open image…' }).click();
    await h.page.locator(row('/etc')).waitFor();
    await h.page.locator(`${row('/etc')} .twisty`).click();
    await h.page.locator(row('/etc/hostname')).click();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/hostname' }).waitFor();
    await h.page.locator('.xattr-table tr', { hasText: 'user.plain' }).waitFor();
    await h.screenshot('puzzlefs');
  });

  test('a damaged chunk blob shows among the findings', async () => {
    h.dialogs.images.push(broken.index);
    await h.page.getByRole('button', { name: '+ Open' }).click();
    // The blob's sha256 and fs-verity mismatches cover the same bytes: one root, the other grouped under it.
    await h.page.locator('.finding', { hasText: /its sha256 is not its name|fs-verity digest is/ }).first().waitFor({ timeout: 30_000 });
  });

  test('the page raised no errors', () => {
    assert.deepEqual(h.errors, []);
  });
});
