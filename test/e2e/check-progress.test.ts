/**
 * The automatic check of an opened image shows how far it has got and can be cancelled (issue 12):
 * on the 201k-inode bench image "Checking… N%" appears with a Cancel button; Cancel stops the check
 * and the pane says so, without claiming "no findings"; Re-check then runs to the end. Waits on the
 * page's own signals (progress, cancelled notice, results), never on a clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildRenderer, CHROMIUM, startHarness, type Harness } from './harness.ts';
import { BENCH_DIR, corpusPath, corpusSkip } from '../helpers/corpus.ts';

const bench = BENCH_DIR ? join(BENCH_DIR, 'big.cfs.gz') : '';
const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`) || (existsSync(bench) ? false : 'bench image not found');
const LONG = { timeout: 180_000 };

describe('check progress and cancel', { skip }, () => {
  let h: Harness;
  let tmp = '';
  before(async () => {
    buildRenderer();
    tmp = await mkdtemp(join(tmpdir(), 'cfs-e2e-check-'));
    h = await startHarness({});
    await h.load();
  });
  after(async () => {
    await h?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('the bench image\'s check shows a percentage and Cancel stops it; the pane then claims no result', async () => {
    const image = join(tmp, 'big.cfs');
    await writeFile(image, gunzipSync(readFileSync(bench)));
    h.dialogs.images.push(image);
    await h.page.getByRole('button', { name: /Open/ }).first().click();
    const bar = h.page.locator('[data-testid="check-progress"] [role="progressbar"][aria-valuenow]');
    await bar.waitFor(LONG).catch(async (e) => {
      await h.screenshot('check-progress-missing');
      throw e;
    });
    const pct = Number(await bar.getAttribute('aria-valuenow'));
    assert.ok(pct >= 0 && pct <= 99, `aria-valuenow ${pct}`);
    assert.match((await bar.textContent())!, /^Checking… \d{1,2}%$/);
    await h.page.getByTestId('cancel-check').click();
    await h.page.getByTestId('check-cancelled').waitFor(LONG);
    assert.equal(await h.page.getByTestId('check-progress').count(), 0);
    assert.equal(await h.page.getByText('No findings: every structure checked out.').count(), 0);
    assert.equal(await h.page.getByRole('button', { name: 'Re-check' }).count(), 1);
    assert.equal(await h.page.getByText('the check was cancelled: Re-check to map the image').count(), 1);
    await h.screenshot('check-cancelled');
  });

  test('Re-check after a cancel starts the check again; a check that finishes leaves no progress behind', async () => {
    await h.page.getByRole('button', { name: 'Re-check' }).click();
    await h.page.locator('[data-testid="check-progress"] [role="progressbar"]').waitFor(LONG);
    assert.equal(await h.page.getByTestId('check-cancelled').count(), 0);
    await h.screenshot('check-progress');
    await h.page.getByTestId('cancel-check').click();
    await h.page.getByTestId('check-cancelled').waitFor(LONG);
    h.dialogs.images.push(corpusPath('01-readme', 'image.cfs'));
    await h.page.getByRole('button', { name: /Open/ }).first().click();
    await h.page.getByText('No findings: every structure checked out.').waitFor(LONG);
    assert.equal(await h.page.getByTestId('check-progress').count(), 0);
    assert.equal(await h.page.getByTestId('check-cancelled').count(), 0);
  });

  test('the page raised no errors', () => {
    assert.deepEqual(h.errors, []);
  });
});
