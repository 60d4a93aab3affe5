/**
 * casync in the app end to end: a catar and a caidx (with its chunk store), made by casync at test
 * time, open in the real renderer in Chromium; the tree, a file's xattrs and the check findings of
 * a damaged archive show.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, type Harness } from './harness.ts';
import { casyncSkip, copyMade, make, makeCasyncTree, openCasyncFile, type Made } from '../shared/casync/casync-tool.ts';
import { removeDir } from '../shared/oci/gnu-tar.ts';

const skip = casyncSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);

describe('casync archives in the app', { skip }, () => {
  let h: Harness;
  let root: string;
  let catar: Made;
  let caidx: Made;
  let broken: Made;
  before(async () => {
    root = makeCasyncTree({ bigFile: 100_000 }).root;
    catar = make(root, 'tree.catar');
    caidx = make(root, 'tree.caidx', ['--chunk-size=16384']);
    broken = copyMade(catar);
    renameSync(broken.path, join(broken.dir, 'broken.catar'));
    broken = { dir: broken.dir, path: join(broken.dir, 'broken.catar') };
    const r = await openCasyncFile(broken.path);
    const gb = r.scan!.nodes.find((n) => (n.children?.length ?? 0) >= 2)!.goodbye!;
    await r.close();
    const bytes = new Uint8Array(readFileSync(broken.path));
    bytes[gb.items[0]!.at + 16] ^= 0x01;
    writeFileSync(broken.path, bytes);
    buildRenderer();
    h = await startHarness();
    await h.load();
  });
  after(async () => {
    await h?.close();
    for (const m of [catar, caidx, broken]) if (m) removeDir(m.dir);
    if (root) removeDir(root);
  });

  async function open(path: string) {
    h.dialogs.images.push(path);
    await h.page.getByRole('button', { name: /^(Open image…|\+ Open)$/ }).first().click();
    await h.page.locator('.tab.active .tab-name', { hasText: path.split('/').at(-1)! }).waitFor();
  }

  test('a catar opens: its tree, and a file with its xattrs', async () => {
    await open(catar.path);
    await h.page.locator(row('/etc')).waitFor();
    await h.page.locator(`${row('/etc')} .twisty`).click();
    await h.page.locator(row('/etc/hostname')).click();
    await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/hostname' }).waitFor();
    await h.page.locator('.xattr-table tr', { hasText: 'user.plain' }).waitFor();
    await h.screenshot('casync-catar');
  });

  test('a caidx opens through its chunk store', async () => {
    await open(caidx.path);
    await h.page.locator(row('/usr')).waitFor();
    await h.page.locator(`${row('/usr')} .twisty`).click();
    await h.page.locator(row('/usr/size-70000')).waitFor();
  });

  test('a catar with a broken goodbye table opens with the damage among its findings', async () => {
    await open(broken.path);
    await h.page.locator(row('/etc')).waitFor();
    await h.page.locator('.finding', { hasText: 'GOODBYE item' }).first().waitFor({ timeout: 30_000 });
    await h.screenshot('casync-findings');
  });

  test('the page raised no errors', () => {
    assert.deepEqual(h.errors, []);
  });
});
