/**
 * Repository requests as the app makes them, on both inspectors (in-process and isolated): an image
 * opened by ref gets objects/ as its only store, a layer stream opens as an OCI tar whose private
 * temporary copy goes away on closeAll, and health checks are jobs with the id returned first,
 * findings in the done event, and cancel ending one as cancelled. The repository is built from real
 * parts by test/helpers/repository.ts (mkcomposefs, fsverity; streams by our own splitstream writer).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RepositoryCheckDone, VerifySummary } from '../../../shared/api.ts';
import { createInspector, type Inspector } from '../../../electron/services/inspector.ts';
import { createIsolatedInspector } from '../../../electron/services/isolated.ts';
import { makeRepository, TOOLS, type TestRepository } from '../../helpers/repository.ts';

const noTools = existsSync(join(TOOLS, 'mkcomposefs')) ? false : `mkcomposefs 1.0.8 not found in ${TOOLS}`;

/** The path of the object of `repo` whose bytes are `data`. */
function objectHolding(repo: string, data: Uint8Array): string {
  for (const fan of readdirSync(join(repo, 'objects'))) {
    for (const name of readdirSync(join(repo, 'objects', fan))) {
      const p = join(repo, 'objects', fan, name);
      if (Buffer.compare(readFileSync(p), data) === 0) return p;
    }
  }
  throw new Error('no such object');
}

function nextDone(inspector: Inspector): Promise<RepositoryCheckDone> {
  return new Promise((resolve) => {
    const off = inspector.onRepositoryCheckDone((d) => {
      off();
      resolve(d);
    });
  });
}

describe('repository jobs', { skip: noTools }, () => {
  let repo: TestRepository;
  before(() => {
    repo = makeRepository('sha256');
  });
  after(() => repo?.close());

  for (const [kind, make] of [
    ['in-process', () => createInspector()],
    ['isolated', () => createIsolatedInspector()],
  ] as const) {
    test(`${kind}: an image opened by its ref has the repository's objects/ as its only store`, async () => {
      const inspector = make();
      try {
        const summary = await inspector.openRepository(join(repo.path, 'meta.json'));
        assert.equal(summary.path, repo.path);
        assert.equal('scan' in summary, false, 'the scan tables stay in the service');
        const image = await inspector.openRepositoryImage(repo.path, 'system/rootfs/v1');
        assert.equal(image.path, join(repo.path, 'objects', repo.images.v1.slice(0, 2), repo.images.v1.slice(2)));
        assert.deepEqual(image.objectStores, [join(repo.path, 'objects')]);
        await assert.rejects(inspector.openRepositoryImage(repo.path, 'system/rootfs/v9'), /no image named system\/rootfs\/v9/);
      } finally {
        await inspector.closeAll();
      }
    });
  }

  test("a layer stream opens as an OCI tar, and its temporary copy is removed when the inspector closes", async () => {
    const inspector = createInspector();
    let tar = '';
    try {
      const layer = (await inspector.openRepository(repo.path)).streams.find((s) => s.contentType === 'oci-layer')!;
      const image = await inspector.openRepositoryStream(repo.path, layer.name);
      tar = image.path;
      assert.match(image.info.format, /oci|tar/i);
      assert.equal(await inspector.lookup(image.imageId, '/usr/bin/tool') !== null, true);
      assert.equal(existsSync(tar), true);
    } finally {
      await inspector.closeAll();
    }
    assert.equal(existsSync(dirname(tar)), false);
  });

  test('a manifest reads as JSON with its named refs resolved to the layer, the config and the image', async () => {
    const inspector = createInspector();
    try {
      const j = await inspector.repositoryStreamJson(repo.path, 'quay.io/test/app:2');
      assert.equal(j.contentType, 'oci-manifest');
      assert.equal((j.json as { schemaVersion: number }).schemaVersion, 2);
      assert.deepEqual(
        j.namedRefs.map((r) => [r.name.replace(/[0-9a-f]{64}/, '…'), r.stream?.replace(/[0-9a-f]{64}/, '…') ?? null, r.image ?? null]),
        [
          ['config:sha256:…', 'oci-config-sha256:…', null],
          ['sha256:…', 'oci-layer-sha256:…', null],
          ['composefs.image', null, repo.images.v2],
        ],
      );
    } finally {
      await inspector.closeAll();
    }
  });

  test('a health check reports every object measured and no findings on a clean repository; cancelled at once, it measures none', async () => {
    const inspector = createInspector();
    try {
      const { objectCount } = await inspector.openRepository(repo.path);
      let done = nextDone(inspector);
      const { jobId } = await inspector.checkRepository(repo.path);
      const d = await done;
      assert.equal(d.jobId, jobId);
      assert.equal(d.repoPath, repo.path);
      assert.equal(d.cancelled, undefined);
      assert.deepEqual(d.health!.findings, []);
      assert.equal(d.health!.objectsChecked, objectCount);
      assert.equal(d.health!.complete, true);

      done = nextDone(inspector);
      const second = await inspector.checkRepository(repo.path);
      await inspector.cancelRepositoryCheck(second.jobId);
      const c = await done;
      assert.equal(c.jobId, second.jobId);
      assert.equal(c.cancelled, true);
      assert.equal(c.health!.objectsChecked, 0);
      assert.equal(c.health!.complete, false);
    } finally {
      await inspector.closeAll();
    }
  });

  test('a SHA-512 repository: the image verifies against its 128-digit images/ name, and its layer opens as a tree', async () => {
    const big = makeRepository('sha512');
    const inspector = createInspector();
    try {
      const image = await inspector.openRepositoryImage(big.path, 'system/rootfs/v2');
      assert.deepEqual(image.objectStores, [join(big.path, 'objects')]);
      const done = new Promise<VerifySummary>((ok) => inspector.onVerifyDone(ok));
      await inspector.verify(image.imageId, big.images.v2);
      const v = await done;
      assert.equal(v.imageDigest, big.images.v2);
      assert.equal(v.imageDigest!.length, 128);
      // The image is format 2 with SHA-512 metacopy digests: each object is measured with SHA-512.
      assert.deepEqual(v.counts, { inline: 1, verified: 3 });
      // A flipped byte in one object is a mismatch under SHA-512 too.
      const victim = objectHolding(big.path, Buffer.alloc(9000, 2)); // /usr/bin/tool of v2 (makeSourceTree)
      const bytes = readFileSync(victim);
      bytes[0] ^= 0xff;
      writeFileSync(victim, bytes);
      const redone = new Promise<VerifySummary>((ok) => inspector.onVerifyDone(ok));
      await inspector.verify(image.imageId, big.images.v2);
      assert.deepEqual((await redone).counts, { inline: 1, verified: 2, mismatch: 1 });
      const layer = (await inspector.openRepository(big.path)).streams.find((s) => s.contentType === 'oci-layer')!;
      const tree = await inspector.openRepositoryStream(big.path, layer.name);
      assert.notEqual(await inspector.lookup(tree.imageId, '/usr/bin/tool'), null);
    } finally {
      await inspector.closeAll();
      big.close();
    }
  });
});
