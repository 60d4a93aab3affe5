/**
 * `cfs-inspect share`: composefs images whose content is in an object store, read through the
 * store (never outside it), hard links counted once, inline data from the image; JSON carries the
 * same figures as the core; missing objects are left out, said once per image, and exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { buildImage, objectPath } from '../../helpers/image-builder.ts';
import { distinctNames } from '../../../electron/cli/commands/share.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'share', ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const tmp = mkdtempSync(join(tmpdir(), 'cfs-share-cli-'));
const store = join(tmp, 'objects');
const MAX = 256 * 1024;

/** Puts content in the store under a made-up digest (share reads objects by redirect, it does not verify them). */
function object(fill: number, bytes: Uint8Array): Uint8Array {
  const digest = new Uint8Array(32).fill(fill);
  const p = join(store, objectPath(digest));
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return digest;
}

const zeros = new Uint8Array(3 * MAX + 10);
const changed = zeros.slice();
changed[300_000] = 0x5a;
const d1 = object(1, zeros);
const d2 = object(2, changed);
const missing = new Uint8Array(32).fill(3); // never written to the store

const image = (name: string, bytes: Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};
const v1 = image('v1.cfs', buildImage({ entries: [
  { path: '/big', size: zeros.length, digest: d1 },
  { path: '/hello', content: 'hello' },
  { path: '/again', type: 'hardlink', target: '/big' },
] }));
const v2 = image('v2.cfs', buildImage({ entries: [
  { path: '/big', size: changed.length, digest: d2 },
  { path: '/hello', content: 'hello' },
] }));
const v3 = image('v3.cfs', buildImage({ entries: [
  { path: '/big', size: zeros.length, digest: d1 },
  { path: '/gone', size: 4096, digest: missing },
] }));

test('figures over an object store: hard links once, inline data from the image, one changed byte', () => {
  const r = cli(v1, v2, '--basedir', store, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.images.map((i: { name: string; files: number; logical: number }) => [i.name, i.files, i.logical]), [
    ['v1.cfs', 2, 786_447],
    ['v2.cfs', 2, 786_447],
  ]);
  const b = j.images[1].schemes;
  assert.deepEqual(b.file, { unique: 786_447, delta: 786_442, units: 2 });
  assert.equal(b.block.delta, 4096);
  assert.equal(b.casync.delta, MAX); // the chunk holding the changed byte; /hello rides in the last chunk with the zero tail, unchanged
  assert.deepEqual(j.parameters, { blockSize: 4096, casync: { min: 16384, avg: 65536, max: 262144 }, fastcdc: { min: 16384, avg: 65536, max: 262144 } });
  assert.deepEqual(j.skipped, []);
});

test('the text report names each scheme, each image and the page cache', () => {
  const r = cli(v1, v2, '--basedir', store);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^schemes:\n  file     whole files \(composefs, ostree\)\n/);
  assert.match(r.stdout, /\n\[2\] v2\.cfs: 2 files, 768\.0 KiB logical\n/);
  assert.match(r.stdout, /\n    shared with \[1\]: file 5 B, block /);
  assert.match(r.stdout, /page cache, all images running: /);
  assert.match(r.stdout, /\n    \[2\] casync   \/big: delta 768\.0 KiB as a whole file, 256\.0 KiB as chunks\n/);
});

test('a missing object leaves its file out, is said once per image, and exits 1', () => {
  const r = cli(v1, v3, '--basedir', store, '--json');
  assert.equal(r.status, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.images[1].files, 1);
  assert.deepEqual(j.skipped.map((s: { path: string }) => s.path), ['/gone']);
  assert.match(r.stderr, /v3\.cfs: 1 file left out of every figure, missing \(is --basedir the object store\?\): \/gone\n$/);
});

test('objects/ beside the image is the store when no --basedir is given', () => {
  const r = cli(v1, v2, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).images[0].logical, 786_447);
});

test('usage errors: one image, a bad block size, a store that is not a directory', () => {
  assert.equal(cli(v1).status, 2);
  assert.match(cli(v1).stderr, /needs two or more IMAGEs, oldest first/);
  const bs = cli(v1, v2, '--block-size', '1000');
  assert.equal(bs.status, 2);
  assert.match(bs.stderr, /--block-size must be a power of two from 512 to 1048576 \(got 1000\)/);
  const nd = cli(v1, v2, '--basedir', v1);
  assert.equal(nd.status, 2);
  assert.match(nd.stderr, /v1\.cfs: not a directory/);
});

test('--block-size changes the block unit', () => {
  const r = cli(v1, v2, '--basedir', store, '--block-size', '65536', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).images[1].schemes.block.delta, 65536);
});

test('images with the same file name are told apart by their shortest distinguishing path', () => {
  assert.deepEqual(distinctNames(['a/v1/image.cfs', 'b/v2/image.cfs', 'c.cfs']), ['v1/image.cfs', 'v2/image.cfs', 'c.cfs']);
});
