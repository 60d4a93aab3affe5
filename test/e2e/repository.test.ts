/**
 * A composefs repository end to end: made at test time from real parts by test/helpers/repository.ts
 * (mkcomposefs 1.0.8 --digest-store, `fsverity digest`, the symlink layout and meta.json of
 * composefs-rs doc/repository.md; OCI streams by our own splitstream writer, since no composefs-rs
 * runs here). Opened from the open screen, an image picked by its ref and verified against the
 * repository (its objects/ as the store, its images/ name as the expected digest), the OCI tag's
 * manifest read, its layer stream opened as a tree, and the health panel run over an orphan.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, type Harness } from './harness.ts';
import { makeRepository, objectRel, putObject, TOOLS, type TestRepository } from '../helpers/repository.ts';

const noBrowser = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const noTools = existsSync(join(TOOLS, 'mkcomposefs')) ? false : `mkcomposefs 1.0.8 not found in ${TOOLS}`;

describe('a composefs repository in the app', { skip: noBrowser || noTools }, () => {
  let h: Harness;
  let repo: TestRepository;
  let orphan: string;
  before(async () => {
    buildRenderer();
    repo = makeRepository('sha256');
    // Nothing references these bytes: the health panel must name them as what GC would free.
    orphan = putObject(repo.path, new TextEncoder().encode('left behind by an interrupted pull\n'), 'sha256');
    h = await startHarness();
    await h.load();
  });
  after(async () => {
    await h?.close();
    repo?.close();
  });

  test('opening it lists the images with refs and formats, and the streams with content types and OCI tags', async () => {
    await h.page.getByRole('textbox', { name: 'Image path' }).fill(repo.path);
    await h.page.getByRole('button', { name: 'Open as repository' }).click();
    const panel = h.page.getByTestId('repository-panel');
    await panel.waitFor();
    assert.match(await panel.getByTestId('repo-meta').innerText(), /meta\.json version 1, fsverity-sha256-12 · 13 objects/);

    const images = panel.getByTestId('repo-images').locator('tbody tr');
    assert.deepEqual(await images.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-digest'))), [repo.images.v1, repo.images.v2].sort());
    const v2 = panel.getByTestId('repo-images').locator(`tr[data-digest="${repo.images.v2}"]`);
    assert.equal(await v2.locator('th').innerText(), 'system/rootfs/v2');
    assert.equal(await v2.locator('td').nth(1).innerText(), 'composefs v0');
    assert.equal(await v2.locator('td').nth(2).getAttribute('data-bytes'), '16384');

    const streams = panel.getByTestId('repo-streams').locator('tbody tr');
    const rows = await streams.evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('th, td')].slice(0, 3).map((c) => (c as HTMLElement).innerText)));
    assert.deepEqual(
      rows.map(([name, tags, type]) => [name!.replace(/sha256:[0-9a-f]{64}/, 'sha256:…'), tags, type]),
      [
        ['oci-config-sha256:…', 'none', 'oci-config'],
        ['oci-layer-sha256:…', 'none', 'oci-layer'],
        ['oci-manifest-sha256:…', 'tag quay.io/test/app:2', 'oci-manifest'],
      ],
    );
  });

  test('an image picked by its ref opens with objects/ as its store and verifies against the repository', async () => {
    await h.page.getByRole('button', { name: 'Open image system/rootfs/v2' }).click();
    await h.page.locator(row('/etc')).waitFor();
    assert.equal(await h.page.locator('.verify-bar .stores').getAttribute('title'), join(repo.path, 'objects'));

    // The images/ name is the image's fs-verity digest: verify checks both it and every object.
    await h.page.getByRole('textbox', { name: 'Expected image digest' }).fill(repo.images.v2);
    await h.page.getByRole('button', { name: 'Verify objects' }).click();
    const summary = h.page.getByTestId('verify-summary');
    await summary.waitFor({ timeout: 60_000 });
    // os-release (over the 64-byte inline limit), tool and shared have objects; hostname is inline.
    assert.deepEqual(await summary.locator('.chip').allInnerTexts(), ['3 verified', '1 inline', `image ${repo.images.v2.slice(0, 16)}…`]);
    assert.equal(await summary.locator('.chip.mono.chip-ok').count(), 1);
  });

  test("the OCI tag's manifest shows its JSON and named refs, and its layer stream opens as a tree", async () => {
    await h.page.getByTestId('show-repository').click();
    const panel = h.page.getByTestId('repository-panel');
    const manifest = panel.getByTestId('repo-streams').locator('tr', { hasText: 'quay.io/test/app:2' });
    await manifest.getByRole('button', { name: /^Show JSON of oci-manifest/ }).click();
    const json = panel.getByTestId('repo-json');
    await json.waitFor();
    const text = JSON.parse(await json.locator('pre').innerText()) as { schemaVersion: number; layers: { digest: string }[] };
    assert.equal(text.schemaVersion, 2);
    const refs = await json.getByRole('list', { name: 'Named refs' }).locator('li').allInnerTexts();
    assert.equal(refs.length, 3);
    assert.ok(refs[2]!.startsWith(`composefs.image → ${repo.images.v2.slice(0, 16)}…`), refs[2]);

    await panel.getByRole('button', { name: /^Open layer oci-layer-sha256:/ }).click();
    await h.page.locator('.tab').nth(1).and(h.page.locator('.active')).waitFor();
    await h.page.locator(row('/usr')).waitFor();
    assert.deepEqual(await h.page.locator('.tree-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-path'))), ['/', '/etc', '/usr']);
    assert.match(await h.page.getByTestId('image-facts').innerText(), /^oci/i);
  });

  test('the health panel measures every object and names the orphan by its path, with what GC would free', async () => {
    await h.page.getByTestId('show-repository').click();
    const health = h.page.getByTestId('repo-health');
    await health.getByTestId('repo-check').click();
    await health.getByTestId('repo-health-summary').waitFor({ timeout: 60_000 });
    assert.equal(await health.getAttribute('aria-busy'), 'false');
    await h.screenshot('repository-health');
    assert.match(await health.getByTestId('repo-health-summary').innerText(), /^13 of 13 object digests measured · 1 finding · garbage collection would free 35 B$/);
    const findings = health.getByTestId('repo-findings').locator('li');
    assert.deepEqual(await findings.evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), ['repo.object.orphan']);
    assert.match(await findings.first().innerText(), new RegExp(`^\\w+ repo\\.object\\.orphan ${objectRel(orphan)}: `));
    assert.deepEqual(h.errors, []);
  });

  test('a dropped meta.json opens its repository, and an unknown read-only-compatible feature is shown', async () => {
    const future = makeRepository('sha256', { meta: { version: 1, algorithm: 'fsverity-sha256-12', features: { 'read-only-compatible': ['future-index'] } } });
    try {
      await h.drop('meta.json', join(future.path, 'meta.json'));
      const panel = h.page.getByTestId('repository-panel');
      await panel.getByRole('heading', { level: 2, name: future.path }).waitFor();
      assert.match(await panel.getByTestId('repo-meta').innerText(), /read-only-compatible: future-index/);
      assert.match(await panel.getByTestId('repo-unknown-features').innerText(), /^Unknown read-only-compatible features: future-index\./);
      assert.equal(await panel.getByTestId('repo-health-summary').count(), 0, "the previous repository's health is gone");
    } finally {
      future.close();
    }
  });

  test('a repository with an unknown incompatible feature is refused with the reason', async () => {
    const refused = makeRepository('sha256', { meta: { version: 1, algorithm: 'fsverity-sha256-12', features: { incompatible: ['future-layout'] } } });
    try {
      await h.drop('meta.json', join(refused.path, 'meta.json'));
      const alert = h.page.getByTestId('repository-panel').getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /incompatible feature future-layout, which this inspector does not know; refusing to read it/);
    } finally {
      refused.close();
    }
  });
});
