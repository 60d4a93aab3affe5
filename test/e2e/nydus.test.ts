/**
 * A Nydus RAFS v6 bootstrap in the app: it opens like any image, its files show content read from
 * the data blob beside it, and a bootstrap away from its blob gets it through the store choice
 * (choose…), after which the same file's content appears.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, type Harness } from './harness.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
const V6 = corpusPath('11-nydus', 'rafs-v6');
/** "// Copyright (C) 2020 Alibaba Cloud", the first bytes of both files, as the details pane spaces them. */
const COPYRIGHT = '// Copyright';

describe('a Nydus RAFS v6 bootstrap in the app', { skip }, () => {
  let h: Harness;
  before(async () => {
    buildRenderer();
    h = await startHarness();
    await h.load();
  });
  after(async () => {
    await h?.close();
  });

  // The details pane's content preview shows the file's bytes as read from its blob.
  const inlineData = () => h.page.getByTestId('content-text');

  test('opens from File > Open; a file shows the content its blob holds', async () => {
    h.dialogs.images.push(join(V6, 'bootstrap'));
    await h.page.getByRole('button', { name: 'Open image…' }).click();
    await h.page.locator(row('/lib.rs')).waitFor();
    assert.equal(await h.page.locator('.tab.active .tab-name').textContent(), 'bootstrap');
    await h.page.locator(row('/lib.rs')).click();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/lib.rs' }).waitFor();
    await inlineData().waitFor();
    assert.match((await inlineData().textContent()) ?? '', new RegExp(COPYRIGHT));
    await h.screenshot('nydus-v6-file');
  });

  test('away from its blob the file has no content until the blob\'s directory is chosen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfs-nydus-e2e-'));
    await copyFile(join(V6, 'bootstrap'), join(dir, 'alone.boot'));
    h.dialogs.images.push(join(dir, 'alone.boot'));
    await h.page.locator('button[title="Open image"]').click();
    await h.page.locator('.tab.active .tab-name', { hasText: 'alone.boot' }).waitFor();
    await h.page.locator(row('/sync_io.rs')).click();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/sync_io.rs' }).waitFor();
    assert.equal(await inlineData().count(), 0);
    h.dialogs.directories.push(V6);
    await h.page.getByRole('button', { name: 'choose…' }).click();
    await h.page.getByTestId('object-stores').filter({ hasText: 'rafs-v6' }).waitFor();
    await inlineData().waitFor();
    assert.match((await inlineData().textContent()) ?? '', new RegExp(COPYRIGHT));
  });

  test('the page raised no errors', () => {
    assert.deepEqual(h.errors, []);
  });
});
