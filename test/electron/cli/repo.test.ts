/**
 * cfs-inspect repo on repositories built from real parts (test/helpers/repository.ts: mkcomposefs
 * 1.0.8 images and objects, `fsverity digest` names, the documented symlink layout, splitstreams
 * from our own writer of the documented format), SHA-256 and SHA-512 alike: every subcommand, and
 * each health finding on a damaged copy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, cpSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { fsverity, makeRepository, objectRel, putObject, TOOLS, type TestRepository } from '../../helpers/repository.ts';

const noTools = existsSync(join(TOOLS, 'mkcomposefs')) ? false : `mkcomposefs 1.0.8 not found in ${TOOLS}`;

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'repo', ...args], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 1 << 26 });

const json = (...args: string[]) => {
  const r = cli(...args, '--json');
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
};

for (const hash of ['sha256', 'sha512'] as const) {
  describe(`a ${hash} repository`, { skip: noTools }, () => {
    let repo: TestRepository;
    before(() => {
      repo = makeRepository(hash);
    });
    after(() => repo?.close());
    const hexLength = hash === 'sha512' ? 128 : 64;

    test('info names the algorithm from meta.json and counts objects, images and streams', () => {
      const r = cli(repo.path, 'info');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`algorithm: fsverity-${hash}-12 \\(fs-verity ${hash}, 4096-byte blocks\\)`));
      assert.match(r.stdout, /^images: 2$/m);
      assert.match(r.stdout, /^streams: 3$/m);
      const j = json(repo.path, 'info');
      assert.equal(j.meta.hash, hash);
      assert.equal(j.images, 2);
    });

    test('images lists each image by its fs-verity digest, with refs, size and format', () => {
      const format = hash === 'sha512' ? 'composefs v2' : 'composefs v0';
      const images = json(repo.path, 'images') as { digest: string; refs: string[]; format: string; size: number; objectPath: string }[];
      assert.deepEqual(images.map((i) => i.refs).sort(), [['system/rootfs/v1'], ['system/rootfs/v2']]);
      for (const i of images) {
        assert.equal(i.digest.length, hexLength);
        // SHA-512 repositories hold format 2 images, as composefs-rs writes them (test/helpers/repository.ts).
        assert.equal(i.format, format);
        // The oracle: fsverity-utils' digest of the image file.
        assert.equal(fsverity(join(repo.path, i.objectPath), hash), i.digest);
      }
      assert.match(cli(repo.path, 'images').stdout, new RegExp(`^${repo.images.v1}  ${format} .* system/rootfs/v1$`, 'm'));
    });

    test('streams lists content types and the OCI tag, percent-decoded', () => {
      const streams = json(repo.path, 'streams') as { name: string; contentType: string; ociTags: string[] }[];
      assert.deepEqual(streams.map((s) => s.contentType).sort(), ['oci-config', 'oci-layer', 'oci-manifest']);
      assert.deepEqual(streams.find((s) => s.contentType === 'oci-manifest')!.ociTags, ['quay.io/test/app:2']);
    });

    test('stream shows a tag\'s manifest JSON and follows its named refs to the config, the layer and the image', () => {
      const r = cli(repo.path, 'stream', 'quay.io/test/app:2');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^ {2}config:sha256:[0-9a-f]{64} -> streams\/oci-config-sha256:/m);
      assert.match(r.stdout, /^ {2}sha256:[0-9a-f]{64} -> streams\/oci-layer-sha256:/m);
      assert.match(r.stdout, new RegExp(`^  composefs.image -> images/${repo.images.v2}$`, 'm'));
      assert.match(r.stdout, /"schemaVersion": 2/);
    });

    test('open runs ls on an image by ref, and on the layer stream reassembled from its splitstream', () => {
      const image = cli(repo.path, 'open', 'system/rootfs/v1', 'ls');
      assert.equal(image.status, 0, image.stderr);
      assert.match(image.stdout, /^\/usr\/bin\/tool\t@ [0-9a-f]{2}\/[0-9a-f]+$/m);
      const layerName = (json(repo.path, 'streams') as { name: string }[]).find((s) => s.name.startsWith('oci-layer-'))!.name;
      const layer = cli(repo.path, 'open', layerName, 'ls');
      assert.equal(layer.status, 0, layer.stderr);
      assert.deepEqual(layer.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['/etc/', '/etc/hostname', '/etc/os-release', '/usr/', '/usr/bin/', '/usr/bin/alias', '/usr/bin/shared', '/usr/bin/tool']);
      const content = cli(repo.path, 'open', layerName, 'cat', '/usr/bin/tool');
      assert.equal(content.stdout.length, 9000);
      const tag = cli(repo.path, 'open', 'quay.io/test/app:2', 'cat', '/etc/os-release');
      assert.match(tag.stdout, /^VERSION=2$/m);
    });

    test('open cat and verify use the repository\'s objects/ as the store', () => {
      const cat = cli(repo.path, 'open', 'system/rootfs/v2', 'cat', '/usr/bin/tool');
      assert.equal(cat.status, 0, cat.stderr);
      assert.equal(Buffer.from(cat.stdout, 'latin1').length, 9000);
      const verify = cli(repo.path, 'open', 'system/rootfs/v1', 'verify');
      assert.match(verify.stdout, /4 files: /);
      assert.doesNotMatch(verify.stdout, /missing/);
    });

    test('check of the intact repository finds nothing and measures every object', () => {
      const r = cli(repo.path, 'check');
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /: 12 of 12 object digests measured; 0 errors, 0 warnings; 0 orphans/);
    });

    test('check names a dangling ref, a renamed object, a missing object, an orphan and an unlinked image', () => {
      const damaged = mkdtempSync(join(tmpdir(), 'cfs-repo-damaged-'));
      try {
        cpSync(repo.path, damaged, { recursive: true, verbatimSymlinks: true });
        // A ref to an image that is gone.
        symlinkSync('../../../' + 'f'.repeat(hexLength), join(damaged, 'images/refs/system/rootfs/gone'));
        // A file's object renamed to another digest.
        const listing = cli(damaged, 'open', 'system/rootfs/v1', 'objects').stdout.trim().split('\n');
        const [renamedFrom, removed] = listing;
        const wrongName = 'e'.repeat(hexLength);
        mkdirSync(join(damaged, 'objects', wrongName.slice(0, 2)), { recursive: true });
        renameSync(join(damaged, 'objects', renamedFrom!), join(damaged, objectRel(wrongName)));
        // An object an image needs, deleted (v2 shares none of v1's other objects except "shared").
        unlinkSync(join(damaged, 'objects', removed!));
        // Something nothing refers to.
        const orphan = putObject(damaged, new TextEncoder().encode('left behind by an interrupted pull\n'.repeat(3)), hash);
        // An image in objects/ that images/ does not link.
        unlinkSync(join(damaged, 'images', repo.images.v2));

        const r = cli(damaged, 'check');
        assert.equal(r.status, 1, r.stderr);
        const f = json(damaged, 'check').findings as { code: string; path: string; severity: string }[];
        const has = (code: string, path: string) => assert.ok(f.some((x) => x.code === code && x.path === path), `${code} ${path} in\n${r.stdout}`);
        has('repo.ref.dangling', 'images/refs/system/rootfs/gone');
        has('repo.ref.dangling', 'images/refs/system/rootfs/v2');
        has('repo.object.name-mismatch', objectRel(wrongName));
        has('repo.object.missing', `objects/${renamedFrom}`);
        has('repo.object.missing', `objects/${removed}`);
        has('repo.object.orphan', objectRel(orphan));
        has('repo.image.unlinked', objectRel(repo.images.v2));
        assert.match(r.stdout, /orphans \([\d,]+ bytes garbage collection would free\)/);
      } finally {
        rmSync(damaged, { recursive: true, force: true });
      }
    });
  });
}

describe('repository metadata', { skip: noTools }, () => {
  test('an unknown incompatible feature is refused with a clear message; an unknown read-only-compatible one is shown', () => {
    const repo = makeRepository('sha256', { meta: { version: 1, algorithm: 'fsverity-sha256-12', features: { incompatible: ['future-thing'] } } });
    try {
      const r = cli(repo.path, 'info');
      assert.equal(r.status, 2);
      assert.match(r.stderr, /incompatible feature future-thing, which this inspector does not know; refusing to read it/);
      writeFileSync(join(repo.path, 'meta.json'), JSON.stringify({ version: 1, algorithm: 'fsverity-sha256-12', features: { 'read-only-compatible': ['newer-index'] } }));
      const ok = cli(repo.path, 'info');
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /unknown read-only-compatible features: newer-index/);
      const check = json(repo.path, 'check');
      assert.ok(check.findings.some((x: { code: string }) => x.code === 'repo.feature.unknown-ro'));
    } finally {
      repo.close();
    }
  });

  test('without meta.json the hash follows the object names, and a newer version is refused', () => {
    const repo = makeRepository('sha512', { meta: false });
    try {
      assert.match(cli(repo.path, 'info').stdout, /meta.json: absent \(sha512 decided by the object names\)/);
      writeFileSync(join(repo.path, 'meta.json'), JSON.stringify({ version: 2, algorithm: 'fsverity-sha512-12' }));
      assert.match(cli(repo.path, 'info').stderr, /version 2 is newer than this inspector understands/);
    } finally {
      repo.close();
    }
  });

  test('a path that is not a repository, and a name that is not in it, get one-line errors', () => {
    const r = cli(tmpdir() + '/no-such-repo', 'info');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^cfs-inspect: .*no-such-repo: no such directory\n$/);
    const repo = makeRepository('sha256');
    try {
      const bad = cli(repo.path, 'open', 'refs/nope', 'ls');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /no image named refs\/nope/);
    } finally {
      repo.close();
    }
  });
});
