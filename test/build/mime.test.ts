/**
 * The shared-mime-info file is checked with the real tools: update-mime-database compiles it (and
 * rejects malformed definitions), then GIO, which file managers use to pick the app for a
 * double-click, classifies real corpus images against it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { withDir } from '../electron/fakes.ts';

const MIME_XML = join(REPO_ROOT, 'build', 'mime', 'composefs-inspector.xml');
const FREEDESKTOP = '/usr/share/mime/packages/freedesktop.org.xml';
const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const toolsSkip = !have('update-mime-database') || !have('gio') ? 'needs update-mime-database and gio (shared-mime-info, libglib2.0-bin)' : false;

function compile(dataDir: string, withFreedesktop: boolean) {
  const packages = join(dataDir, 'mime', 'packages');
  mkdirSync(packages, { recursive: true });
  // Named so it is read before freedesktop.org.xml, as the deb's file is: ties must not depend on order.
  copyFileSync(MIME_XML, join(packages, 'composefs-inspector-magic.xml'));
  if (withFreedesktop) copyFileSync(FREEDESKTOP, join(packages, 'freedesktop.org.xml'));
  return spawnSync('update-mime-database', [join(dataDir, 'mime')], { encoding: 'utf8' });
}

function contentType(dataDir: string, file: string): string {
  const r = spawnSync('gio', ['info', '-a', 'standard::content-type', file], {
    encoding: 'utf8',
    env: { ...process.env, XDG_DATA_DIRS: dataDir, XDG_DATA_HOME: join(dataDir, 'home') },
  });
  assert.equal(r.status, 0, r.stderr);
  return /standard::content-type: (\S+)/.exec(r.stdout)?.[1] ?? '';
}

/** Types the system already knows: used by an association, never declared by us. */
const STANDARD_TYPES = new Set(['application/json']);

test('the MIME types declared are the ones the file associations use, besides standard ones', () => {
  const require = createRequire(import.meta.url);
  const config = require(join(REPO_ROOT, 'electron-builder.cjs')) as { fileAssociations: { mimeType: string }[] };
  const declared = [...readFileSync(MIME_XML, 'utf8').matchAll(/<mime-type type="([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual([...new Set(config.fileAssociations.map((a) => a.mimeType).filter((t) => !STANDARD_TYPES.has(t)))].sort(), declared);
  assert.ok(!declared.some((t) => STANDARD_TYPES.has(t)));
});

test('update-mime-database compiles the definitions without complaint', { skip: toolsSkip }, () =>
  withDir(async (dir) => {
    const r = compile(dir, false);
    assert.equal(r.status, 0, r.stderr);
    // It reports unknown elements and bad attributes as warnings on stderr but still exits 0.
    assert.doesNotMatch(r.stderr, /warning|error|unknown/i);
    assert.ok(existsSync(join(dir, 'mime', 'magic')));
  }));

test('composefs, EROFS and Nydus RAFS images are recognised by their magic whatever their name', { skip: toolsSkip || corpusSkip }, () =>
  withDir(async (dir) => {
    assert.equal(compile(dir, existsSync(FREEDESKTOP)).status, 0);
    const cases: [string, string, string][] = [
      [corpusPath('01-readme', 'image.cfs'), 'no-extension', 'application/x-composefs'],
      [corpusPath('01-readme', 'image.cfs'), 'composefs.img', 'application/x-composefs'],
      [corpusPath('01-readme', 'image.cfs'), 'composefs.cfs', 'application/x-composefs'],
      [corpusPath('04-dump-tree-v0', 'image.cfs'), 'v0.bin', 'application/x-composefs'],
      [corpusPath('08-mkfs-erofs', 'plain', 'image.erofs'), 'plain-erofs', 'application/x-erofs'],
      [corpusPath('08-mkfs-erofs', 'lz4', 'image.erofs'), 'lz4.img', 'application/x-erofs'],
      [corpusPath('11-nydus', 'rafs-v6', 'bootstrap'), 'bootstrap', 'application/x-nydus-rafs'],
      [corpusPath('11-nydus', 'rafs-v6', 'bootstrap'), 'image.boot', 'application/x-nydus-rafs'],
      [corpusPath('11-nydus', 'rafs-v5-sha256-nocompress', 'bootstrap'), 'v5-bootstrap', 'application/x-nydus-rafs'],
    ];
    for (const [source, name, expected] of cases) {
      copyFileSync(source, join(dir, name));
      assert.equal(contentType(dir, join(dir, name)), expected, name);
    }
  }));

test('a disk image that is neither stays what it was', { skip: toolsSkip || (!existsSync(FREEDESKTOP) && 'needs freedesktop.org.xml') }, () =>
  withDir(async (dir) => {
    assert.equal(compile(dir, true).status, 0);
    const disk = new Uint8Array(64 * 1024);
    disk.set([0xe2, 0xe1, 0xf5, 0xe0], 1000); // the EROFS magic, but not at 1024
    writeFileSync(join(dir, 'disk.img'), disk);
    assert.equal(contentType(dir, join(dir, 'disk.img')), 'application/x-raw-disk-image');
    writeFileSync(join(dir, 'zeros.img'), new Uint8Array(8192));
    assert.equal(contentType(dir, join(dir, 'zeros.img')), 'application/x-raw-disk-image');
    // The composefs header alone, without an EROFS superblock behind it, is not a composefs image.
    disk.set([0x9a, 0x62, 0x78, 0xd0], 0);
    writeFileSync(join(dir, 'header-only'), disk);
    assert.notEqual(contentType(dir, join(dir, 'header-only')), 'application/x-composefs');
  }));
