/**
 * Explaining a broken image in the app (issue 12), in Chromium over the real services: knock-on
 * findings grouped under their root, the field table of a superblock, an inode and a dirent block,
 * byte -> field naming on hover and after "go to offset", the block map, the broken-image marker,
 * folder roll-ups after a verify, and a click answered while the check of the 201k-inode bench image runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, openImage, type Harness } from './harness.ts';
import { BENCH_DIR, corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { fixture, locate, mutate, put16 } from '../shared/check/corrupt.ts';
import { makeTamperedObjectImage } from './fixtures.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
const README = corpusPath('01-readme', 'image.cfs');

let tmp = '';
let wild = '';
let wildAt = 0;
let rootDirents = 0;

before(async () => {
  if (skip) return;
  buildRenderer();
  tmp = await mkdtemp(join(tmpdir(), 'cfs-e2e-layout-'));
  const f = await fixture('01-readme', 'image.cfs');
  const fileA = await locate(f.reader, '/file_a');
  wildAt = fileA.ino.offset + 2;
  wild = join(tmp, 'wild.cfs');
  // A wild i_xattr_icount on /file_a: its xattr area runs over every inode after it.
  await writeFile(wild, mutate(f.bytes, (b) => put16(b, wildAt, 0x0fff)));
  rootDirents = (await f.reader.dirBlocks(await f.reader.rawInode(f.reader.rootId)))[0]!.offset;
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function withHarness(): () => Harness {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness({});
    await h.load();
  });
  after(async () => {
    await h?.close();
  });
  return () => h!;
}

async function gotoOffset(h: Harness, offset: number) {
  const input = h.page.getByLabel('Go to offset');
  await input.fill(offset.toString(16));
  await input.press('Enter');
}

const ownerText = async (h: Harness, expected: RegExp) => {
  await h.page.getByTestId('byte-owner').filter({ hasText: expected }).waitFor();
  return (await h.page.getByTestId('byte-owner').textContent()) ?? '';
};

describe('a broken image explained', { skip }, () => {
  const app = withHarness();

  test('knock-on findings are grouped under their root, with a marker on the tab and a banner', async () => {
    const h = app();
    await openImage(h, wild, '/file_a');
    await h.page.getByTestId('broken-banner').waitFor();
    assert.match((await h.page.getByTestId('broken-banner').textContent()) ?? '', /This image is broken: \d+ errors?, from \d+ root causes?\./);
    assert.equal(await h.page.getByTestId('tab-broken').count(), 1);
    assert.match(await h.page.title(), /^⚠ wild\.cfs/);
    const rootRow = h.page.locator(`[data-testid="finding-group"] > .finding`).filter({ hasText: `0x${wildAt.toString(16)}+2` });
    await rootRow.waitFor();
    assert.match((await rootRow.textContent()) ?? '', /layout\.wild-size/);
    const group = rootRow.locator('xpath=..');
    const toggle = group.getByTestId('consequences-toggle');
    const label = (await toggle.textContent()) ?? '';
    const n = Number(/show (\d+) finding/.exec(label)?.[1]);
    assert.ok(n >= 3, label);
    assert.equal(await group.getByTestId('consequences').count(), 0);
    await toggle.click();
    assert.equal(await group.locator('[data-testid="consequences"] .finding').count(), n);
    // Fewer roots than findings: the overlaps are not listed beside their cause.
    const roots = await h.page.getByTestId('finding-group').count();
    const total = await h.page.locator('.finding').count();
    assert.ok(roots < total, `${roots} roots, ${total} rows`);
    // The severity chip filters: warnings only hides the error root.
    await h.page.getByRole('button', { name: /warnings/ }).click();
    assert.equal(await rootRow.count(), 0);
    await h.page.getByRole('button', { name: /warnings/ }).click();
    await rootRow.waitFor();
    await toggle.click();
    assert.equal(await group.getByTestId('consequences').count(), 0);
  });

  test('the block map marks the root bytes, and clicking a slice names what owns that byte', async () => {
    const h = app();
    await h.page.getByTestId('block-map').waitFor();
    await h.page.locator('.bm-slice[data-mark="root"]').first().waitFor();
    const slices = h.page.locator('.bm-slice');
    assert.equal(await slices.count(), 256);
    assert.equal(await slices.first().getAttribute('data-kind'), 'composefs.header');
    // 16384 bytes in 256 slices: slice 16 starts at the superblock.
    // A real click: the strip keeps its height above the hex rows (layout-holds.test.ts measures it).
    await slices.nth(16).click();
    assert.match(await ownerText(h, /superblock/), /^0x400 is magic of superblock \(erofs\.superblock\)/);
  });

  pageRaisedNoErrors(app);
});

describe('the structure-aware hex view', { skip }, () => {
  const app = withHarness();

  test('the superblock, an inode and a dirent block each show their field table', async () => {
    const h = app();
    await openImage(h, README, '/file_a');
    await gotoOffset(h, 0x424);
    assert.match(await ownerText(h, /blocks/), /^Landed at 0x424 is blocks of superblock \(erofs\.superblock\)/);
    const sb = h.page.locator('[data-testid="structure"][data-kind="erofs.superblock"]');
    assert.deepEqual(await sb.locator('tr[data-field="blocks"] td').allTextContents(), ['blocks', '+24', '4', '04000000', '4', '']);
    await gotoOffset(h, 0x484);
    assert.match(await ownerText(h, /inode 36/), /^Landed at 0x484 is i_mode of inode 36 \(erofs\.inode\.compact\)/);
    const inode = h.page.locator('[data-testid="structure"][data-kind="erofs.inode.compact"]');
    assert.deepEqual(await inode.locator('tr[data-field="i_mode"] td').allTextContents(), ['i_mode', '+4', '2', 'ed41', '0o40755', '']);
    assert.equal(await inode.locator('tr.here').getAttribute('data-field'), 'i_mode');
    await gotoOffset(h, rootDirents);
    assert.match(await ownerText(h, /dirent block/), new RegExp(`^Landed at 0x${rootDirents.toString(16)} is dirent\\[0\\]\\.nid of dirent block of inode 36`));
    const block = h.page.locator('[data-testid="structure"][data-kind="erofs.dirent-block"]');
    assert.equal(await block.locator('tr[data-field="dirent[0].nid"] td.value').textContent(), '36');
  });

  test('hovering a byte names its structure and field', async () => {
    const h = app();
    await gotoOffset(h, 0x40e);
    await h.page.locator('.hb[data-off="1038"]').hover();
    assert.match(await ownerText(h, /root_nid/), /^0x40e is root_nid of superblock/);
    await h.page.locator('.hb[data-off="1040"]').hover();
    assert.match(await ownerText(h, /inos/), /^0x410 is inos of superblock/);
    // Padding says so.
    await h.page.locator('.hb[data-off="1000"]').hover();
    assert.match(await ownerText(h, /padding/), /^0x3e8 is padding \(0x20\+992\)/);
  });

  pageRaisedNoErrors(app);
});

describe('folder roll-ups', { skip }, () => {
  const app = withHarness();

  test('after a verify with one object missing and one corrupted, every folder above them shows a count', async () => {
    const h = app();
    const t = await makeTamperedObjectImage(); // /file_b's object corrupted
    try {
      // /file_a and /dir/another_a share one object: remove it, both are missing.
      const dump = await readFile(corpusPath('01-readme', 'info-dump.txt'), 'utf8');
      const shared = dump.split('\n').find((l) => l.startsWith('/file_a '))!.split(' ')[8]!;
      await rm(join(t.dir, 'objects', shared));
      await openImage(h, t.path, '/file_a');
      await h.page.getByRole('button', { name: 'Verify objects' }).click();
      await h.page.getByTestId('verify-summary').waitFor({ timeout: 60_000 });
      const rootBadge = h.page.locator(`${row('/')} [data-testid="rollup"]`);
      await rootBadge.waitFor();
      assert.equal(await rootBadge.getAttribute('data-failed'), '3');
      assert.equal(await h.page.locator(`${row('/dir')} [data-testid="rollup"]`).getAttribute('data-failed'), '1');
      await h.page.locator(`${row('/file_b')} [data-verity="mismatch"]`).waitFor();
      await h.page.locator(`${row('/file_a')} [data-verity="missing"]`).waitFor();
      // The one Problems list holds the failed verifications beside the check's findings, by path.
      const problems = h.page.getByTestId('verify-problem');
      assert.deepEqual(await problems.locator('.path').allTextContents(), ['/dir/another_a', '/file_a', '/file_b']);
      assert.deepEqual(await problems.locator('.code').allTextContents(), ['verify.missing', 'verify.missing', 'verify.mismatch']);
    } finally {
      await rm(t.dir, { recursive: true, force: true });
    }
  });

  pageRaisedNoErrors(app);
});

const bench = BENCH_DIR ? join(BENCH_DIR, 'big.cfs.gz') : '';
describe('browsing while the check runs', { skip: skip || (existsSync(bench) ? false : 'bench image not found') }, () => {
  const app = withHarness();

  test('a click on the 201k-inode bench image is answered while its check still runs', async () => {
    const h = app();
    const image = join(tmp, 'big.cfs');
    await writeFile(image, gunzipSync(readFileSync(bench)));
    h.dialogs.images.push(image);
    await h.page.getByRole('button', { name: /Open/ }).first().click();
    await h.page.getByText('Checking the image…').waitFor({ timeout: 120_000 }).catch(async (e) => {
      await h.screenshot('bench-open-failed');
      throw e;
    });
    // A busy machine is slow to open a 51 MB image: wait on the page, not on a clock.
    const first = h.page.locator('.tree-row').nth(1);
    await first.waitFor({ timeout: 120_000 });
    const path = await first.getAttribute('data-path');
    await first.click();
    await h.page.locator('[data-testid="details-path"]', { hasText: path! }).waitFor({ timeout: 120_000 });
    // The answer came while the check was still running (it takes seconds on this image).
    assert.equal(await h.page.getByText('Checking the image…').count(), 1);
  });

  pageRaisedNoErrors(app);
});

function pageRaisedNoErrors(app: () => Harness) {
  test('the page raised no errors', () => {
    assert.deepEqual(app().errors, []);
  });
}
