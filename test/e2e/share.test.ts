/**
 * The Sharing view end to end: corpus 03-diff v1 and v2 open in two tabs, each with the shared
 * object store chosen through the directory picker, the view opened from the toolbar, and every
 * figure it shows equal to what `cfs-inspect share` computes for the same files and store (the
 * runner it uses is called here directly), with a few figures pinned by hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { buildRenderer, CHROMIUM, startHarness, type Harness } from './harness.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { runShare } from '../../electron/services/share-runner.ts';
import { SCHEMES } from '../../shared/share/units.ts';

const noBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const skip = noBrowser || corpusSkip;
const v1 = corpusPath('03-diff', 'v1', 'image.cfs');
const v2 = corpusPath('03-diff', 'v2', 'image.cfs');
const store = corpusPath('03-diff', 'objects');

let h: Harness | undefined;
before(async () => {
  if (skip) return;
  buildRenderer();
  h = await startHarness();
  await h.load();
});
after(async () => {
  await h?.close();
});

/** Opens the image in a new tab (the first through the open screen) and chooses the store for it. */
async function openWithStore(h: Harness, path: string, first: boolean) {
  if (first) {
    await h.page.getByRole('textbox', { name: 'Image path' }).fill(path);
    await h.page.getByRole('button', { name: 'Open', exact: true }).click();
  } else {
    h.dialogs.images.push(path);
    await h.page.getByRole('button', { name: '+ Open' }).click();
  }
  await h.page.locator('.tab.active .tab-name').filter({ hasText: first ? 'image.cfs' : 'v2' }).waitFor();
  h.dialogs.directories.push(store);
  await h.page.getByRole('button', { name: 'choose…' }).click();
  await h.page.getByTestId('object-stores').filter({ hasText: 'objects' }).waitFor();
}

const bytesOf = async (h: Harness, testId: string) => Number(await h.page.getByTestId(testId).getAttribute('data-bytes'));

test('the Sharing view shows for 03-diff v1 and v2 exactly what cfs-inspect share computes', { skip }, async () => {
  const expected = (
    await runShare([
      { path: v1, name: 'v1/image.cfs', stores: [store] },
      { path: v2, name: 'v2/image.cfs', stores: [store] },
    ])
  ).report;

  await openWithStore(h!, v1, true);
  await openWithStore(h!, v2, false);
  await h!.page.locator('.tab').nth(1).and(h!.page.locator('.active')).waitFor();

  await h!.page.getByRole('button', { name: 'Sharing', exact: true }).click();
  const region = h!.page.getByRole('region', { name: 'Sharing' });
  await region.and(h!.page.locator('[aria-busy="false"]')).waitFor({ timeout: 60_000 });
  if ((await h!.page.getByTestId('sharing-report').count()) === 0) assert.fail(`no report: ${await region.textContent()}`);

  // The same names as the CLI gives them, oldest (first tab) first.
  assert.equal(await h!.page.getByTestId('share-row-0').locator('th').textContent(), '[1] v1/image.cfs');
  assert.equal(await h!.page.getByTestId('share-row-1').locator('th').textContent(), '[2] v2/image.cfs');

  for (let k = 0; k < 2; k++) {
    const img = expected.images[k]!;
    assert.equal(await bytesOf(h!, `share-logical-${k}`), img.logical);
    for (const s of SCHEMES) {
      assert.equal(await bytesOf(h!, `share-delta-${k}-${s}`), img.schemes[s].delta, `delta ${k} ${s}`);
      assert.equal(await bytesOf(h!, `share-unique-${k}-${s}`), img.schemes[s].unique, `unique ${k} ${s}`);
    }
  }
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assert.equal(await bytesOf(h!, `share-cell-${i}-${j}`), expected.pairwise.casync[i]![j]!);

  // Pinned by hand from `cfs-inspect share v1/image.cfs v2/image.cfs --basedir objects --json`: v2
  // changes 350 bytes of whole files; its files are under 16 KiB, so each is one casync chunk of a
  // different catar stream (the stream holds the metadata too) and no chunk is shared.
  assert.equal(await bytesOf(h!, 'share-logical-0'), 26393);
  assert.equal(await bytesOf(h!, 'share-logical-1'), 26352);
  assert.equal(await bytesOf(h!, 'share-delta-1-file'), 350);
  assert.equal(await bytesOf(h!, 'share-delta-1-block'), 350);
  assert.equal(await bytesOf(h!, 'share-delta-1-casync'), 26352);
  // ... and printed as the CLI prints them.
  assert.equal(await h!.page.getByTestId('share-logical-0').textContent(), '25.8 KiB');
  assert.equal(await h!.page.getByTestId('share-delta-1-file').textContent(), '350 B');
  assert.equal(await h!.page.getByTestId('share-delta-1-casync').textContent(), '25.7 KiB');
  assert.equal(
    await h!.page.getByTestId('share-set').textContent(),
    'All 2 images: 51.5 KiB of file data; stored as whole files 26.1 KiB, as blocks 26.1 KiB, as casync chunks 51.5 KiB, as FastCDC chunks 51.5 KiB. ' +
      'Running them all at once: 26.1 KiB in the page cache, 25.4 KiB shared (only whole-file objects share pages).',
  );

  // The matrix follows the chosen scheme: whole files share 26,002 bytes between v1 and v2.
  await h!.page.getByRole('radio', { name: 'whole files' }).click();
  await h!.page.getByTestId('share-cell-0-1').and(h!.page.locator('[data-bytes="26002"]')).waitFor();
  assert.equal(await bytesOf(h!, 'share-cell-1-0'), expected.pairwise.file[1]![0]!);

  // Close puts the tree back.
  await h!.page.getByRole('button', { name: 'Close', exact: true }).click();
  await region.waitFor({ state: 'detached' });
  await h!.page.locator('.tree-row').first().waitFor();
});
