/**
 * The Sharing view end to end: the corpus' 03-diff pair (two real trees made by mkcomposefs 1.0.8,
 * one shared objects/ store) open in two tabs, analysed from the toolbar. The figures on screen are
 * the service's own (runShare, as `cfs-inspect share` prints them), and v2's whole-file download
 * delta is pinned independently: the summed sizes of the objects composefs-info lists for v2 but
 * not for v1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { buildRenderer, CHROMIUM, startHarness, type Harness } from './harness.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { runShare } from '../../electron/services/share-runner.ts';
import { SCHEMES } from '../../shared/share/units.ts';

const noBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const v1 = corpusPath('03-diff', 'v1', 'image.cfs');
const v2 = corpusPath('03-diff', 'v2', 'image.cfs');
const store = corpusPath('03-diff', 'objects');

const objectsOf = (v: string) => new Set(readFileSync(corpusPath('03-diff', v, 'info-objects.txt'), 'utf8').split('\n').filter(Boolean));

describe('the Sharing view of the corpus 03-diff pair and its shared store', { skip: noBrowser || corpusSkip }, () => {
  let h: Harness;
  let expected: Awaited<ReturnType<typeof runShare>>;
  before(async () => {
    buildRenderer();
    h = await startHarness();
    await h.load();
  });
  after(async () => {
    await h?.close();
  });

  test('shows every image and scheme figure the service computes, and v2 downloads only its new objects as whole files', async () => {
    await h.page.getByRole('textbox', { name: 'Image path' }).fill(v1);
    await h.page.getByRole('button', { name: 'Open', exact: true }).click();
    await h.page.locator('.tree-row[data-path="/etc"]').waitFor();
    h.dialogs.images.push(v2);
    await h.page.getByRole('button', { name: '+ Open' }).click();
    await h.page.locator('.tab').nth(1).and(h.page.locator('.active')).waitFor();

    await h.page.getByTestId('open-sharing').click();
    const panel = h.page.getByTestId('sharing-panel');
    await panel.getByTestId('sharing-report').waitFor({ timeout: 60_000 });
    assert.equal(await panel.getAttribute('aria-busy'), 'false');
    assert.match(await panel.getByRole('heading', { level: 2 }).innerText(), /v1.*v2/);

    expected = await runShare([
      { path: v1, name: 'v1/image.cfs', stores: [store] },
      { path: v2, name: 'v2/image.cfs', stores: [store] },
    ]);
    assert.deepEqual(expected.skipped, []);
    for (let k = 0; k < 2; k++) {
      for (const s of SCHEMES) {
        const shown = await panel.getByTestId(`share-delta-${k}-${s}`).getAttribute('data-bytes');
        assert.equal(Number(shown), expected.report.images[k]!.schemes[s].delta, `image ${k + 1}, ${s}`);
      }
    }

    const one = objectsOf('v1');
    const newInV2 = [...objectsOf('v2')].filter((o) => !one.has(o));
    const newBytes = newInV2.reduce((sum, o) => sum + statSync(corpusPath('03-diff', 'objects', o)).size, 0);
    assert.equal(newBytes, 350);
    assert.equal(Number(await panel.getByTestId('share-delta-1-file').getAttribute('data-bytes')), newBytes);
    assert.match(await panel.getByTestId('share-set').innerText(), /All 2 images/);
  });

  test('the pairwise matrix switches scheme, and Back to the tree shows the tree as it was', async () => {
    const panel = h.page.getByTestId('sharing-panel');
    const matrix = panel.getByTestId('share-matrix');
    const v2HeldByV1 = () => matrix.locator('tbody tr').nth(1).locator('td').first();
    await panel.getByRole('radio', { name: 'whole files' }).click();
    assert.equal(Number(await v2HeldByV1().getAttribute('data-bytes')), expected.report.pairwise.file[1]![0]!);
    assert.ok(expected.report.pairwise.file[1]![0]! > 25_000);
    // Both archive streams are one or two chunks (16 KiB minimum): any change anywhere makes new chunks.
    await panel.getByRole('radio', { name: 'casync chunks' }).click();
    assert.equal(await v2HeldByV1().innerText(), '0 B');

    await panel.getByRole('button', { name: 'Close the sharing analysis' }).click();
    await h.page.getByTestId('sharing-panel').waitFor({ state: 'detached' });
    await h.page.locator('.tree-row[data-path="/etc"]').waitFor();
  });
});
