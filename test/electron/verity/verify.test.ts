import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  cpSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VerityResult } from '../../../shared/api.ts';
import { toHex } from '../../../shared/model.ts';
import { fsverityDigest } from '../../../shared/verity/merkle.ts';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { createVerityPool, type VerityPool } from '../../../electron/verity/pool.ts';
import { normalizeDigest, verifyImage, type VerifyCounters } from '../../../electron/verity/verify.ts';
import { buildImage, objectPath, openBytes } from '../../helpers/image-builder.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

type T = { after: (fn: () => void | Promise<void>) => void };

function tempDir(t: T): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cfs-verify-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable copy of a corpus case's object store (the corpus itself is never touched). */
function copyStore(t: T, caseDir: string): string {
  const store = join(tempDir(t), 'objects');
  cpSync(corpusPath(caseDir, 'objects'), store, { recursive: true });
  // The corpus is read-only and the copy keeps its modes; the tests need to change it.
  const makeWritable = (p: string) => {
    const dir = statSync(p).isDirectory();
    chmodSync(p, dir ? 0o755 : 0o644);
    if (dir) for (const name of readdirSync(p)) makeWritable(join(p, name));
  };
  makeWritable(store);
  return store;
}

// One pool for the whole file: starting worker threads under tsx costs more than these tests' digests.
const sharedPool = createVerityPool({ threads: 2 });
after(() => sharedPool.close());

/** Counts digest requests, to prove shared objects are read once. */
function countingPool(): VerityPool & { calls: string[] } {
  const inner = sharedPool;
  const calls: string[] = [];
  return {
    threads: inner.threads,
    calls,
    digestFile(path, o) {
      calls.push(path);
      return inner.digestFile(path, o);
    },
    warm: () => inner.warm(),
    close: async () => {},
  };
}

const README = '01-readme';
// In 01-readme, /file_a and /dir/another_a share the 7f… object; /file_b has 63…
const OBJ_A = '7f/8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b';
const OBJ_B = '63/ac487fca7234c6c954b79be008824f245d8357b4b86b0d47739c344643ef2f';

async function verifyReadme(t: T, stores: string[], extra: Partial<Parameters<typeof verifyImage>[1]> = {}) {
  const reader = await openImageFile(corpusPath(README, 'image.cfs'));
  t.after(() => reader.close());
  return verifyImage(reader, { stores, pool: sharedPool, ...extra });
}

const byPath = (results: VerityResult[]) => Object.fromEntries(results.map((r) => [r.path, r]));

test('an untouched corpus store verifies every object, and the image digest equals mkcomposefs --print-digest', { skip: corpusSkip }, async (t) => {
  const expected = readFileSync(corpusPath(README, 'print-digest.txt'), 'utf8').trim();
  const out = await verifyReadme(t, [corpusPath(README, 'objects')], {
    imagePath: corpusPath(README, 'image.cfs'),
    expectedImageDigest: 'sha256:' + expected.toUpperCase(),
  });
  assert.equal(out.cancelled, false);
  assert.deepEqual(out.counts, { verified: 3, inline: 1, empty: 1 });
  assert.equal(out.imageDigest, expected);
  assert.equal(out.expectedImageDigest, expected);
  assert.deepEqual(out.results.map((r) => [r.path, r.status]), [
    ['/dir/another_a', 'verified'],
    ['/empty', 'empty'],
    ['/file_a', 'verified'],
    ['/file_b', 'verified'],
    ['/small', 'inline'],
  ]);
  const a = byPath(out.results)['/file_a']!;
  assert.equal(a.actual, OBJ_A.replace('/', ''));
  assert.equal(a.expected, a.actual);
  assert.equal(a.objectPath, join(realpathSync(corpusPath(README, 'objects')), OBJ_A));
});

test('a corrupted shared object is a mismatch for every file using it, and is digested once', { skip: corpusSkip }, async (t) => {
  const store = copyStore(t, README);
  const obj = join(store, OBJ_A);
  const bytes = readFileSync(obj);
  bytes[0]! ^= 1;
  writeFileSync(obj, bytes);
  const pool = countingPool();
  const out = await verifyReadme(t, [store], { pool });
  assert.deepEqual(out.counts, { mismatch: 2, verified: 1, inline: 1, empty: 1 });
  const r = byPath(out.results);
  for (const p of ['/file_a', '/dir/another_a']) {
    assert.equal(r[p]!.status, 'mismatch');
    assert.equal(r[p]!.expected, OBJ_A.replace('/', ''));
    assert.equal(r[p]!.actual, toHex(fsverityDigest(bytes)));
  }
  assert.deepEqual(pool.calls.sort(), [join(store, OBJ_A), join(store, OBJ_B)].sort());
});

test('a truncated object is a size mismatch and is not digested', { skip: corpusSkip }, async (t) => {
  const store = copyStore(t, README);
  truncateSync(join(store, OBJ_B), 100);
  const pool = countingPool();
  const out = await verifyReadme(t, [store], { pool });
  const r = byPath(out.results)['/file_b']!;
  assert.equal(r.status, 'size-mismatch');
  assert.equal(r.actualSize, 100);
  assert.equal(r.expectedSize, 128);
  assert.ok(!pool.calls.includes(join(store, OBJ_B)));
});

test('a deleted object is missing', { skip: corpusSkip }, async (t) => {
  const store = copyStore(t, README);
  unlinkSync(join(store, OBJ_B));
  const out = await verifyReadme(t, [store]);
  assert.deepEqual(out.counts, { missing: 1, verified: 2, inline: 1, empty: 1 });
  assert.equal(byPath(out.results)['/file_b']!.objectPath, join(store, OBJ_B));
});

test('an object replaced by a symlink out of the store is an escape even when the content would verify', { skip: corpusSkip }, async (t) => {
  const store = copyStore(t, README);
  const outside = join(dirname(store), 'outside-copy');
  cpSync(join(store, OBJ_B), outside);
  unlinkSync(join(store, OBJ_B));
  symlinkSync(outside, join(store, OBJ_B));
  const pool = countingPool();
  const out = await verifyReadme(t, [store], { pool });
  const r = byPath(out.results)['/file_b']!;
  assert.equal(r.status, 'escape');
  assert.equal(r.actual, undefined);
  assert.ok(!pool.calls.some((p) => p === outside || p === join(store, OBJ_B)), 'the outside file was never opened');
});

test('an object that cannot be read as a file is unreadable', { skip: corpusSkip }, async (t) => {
  const store = copyStore(t, README);
  unlinkSync(join(store, OBJ_B));
  mkdirSync(join(store, OBJ_B));
  const out = await verifyReadme(t, [store]);
  const r = byPath(out.results)['/file_b']!;
  assert.equal(r.status, 'unreadable');
  assert.match(r.message ?? '', /not a regular file/);
});

test('stores are tried in order: the first store holding the object decides', { skip: corpusSkip }, async (t) => {
  const good = corpusPath(README, 'objects');
  const empty = join(tempDir(t), 'empty');
  mkdirSync(empty);
  assert.deepEqual((await verifyReadme(t, [empty, good])).counts, { verified: 3, inline: 1, empty: 1 });
  const bad = copyStore(t, README);
  writeFileSync(join(bad, OBJ_B), Buffer.alloc(128));
  assert.deepEqual((await verifyReadme(t, [bad, good])).counts, { mismatch: 1, verified: 2, inline: 1, empty: 1 });
});

test('redirects that are absolute or climb out with .. are escapes; a payload without digest is no-digest; files without object say where their data is', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'store');
  mkdirSync(join(store, 'ab'), { recursive: true });
  writeFileSync(join(dir, 'secret'), 'secret\n');
  writeFileSync(join(store, 'ab', 'plain'), 'hello\n');
  const good = new TextEncoder().encode('verified content\n');
  const digest = fsverityDigest(good);
  mkdirSync(join(store, dirname(objectPath(digest))), { recursive: true });
  writeFileSync(join(store, objectPath(digest)), good);
  const secretDigest = toHex(fsverityDigest(new TextEncoder().encode('secret\n')));
  const image = buildImage({
    entries: [
      { path: '/abs', size: 7, payload: join(dir, 'secret'), digest: secretDigest },
      { path: '/dotdot', size: 7, payload: '../secret', digest: secretDigest },
      { path: '/nodigest', size: 6, payload: 'ab/plain' },
      { path: '/ok', size: good.length, digest },
      { path: '/inline', content: 'tiny' },
      { path: '/hole', size: 10 },
    ],
  });
  const reader = await openBytes(image);
  const out = await verifyImage(reader, { stores: [store], pool: sharedPool });
  assert.deepEqual(
    out.results.map((r) => [r.path, r.status]),
    [
      ['/abs', 'escape'],
      ['/dotdot', 'escape'],
      ['/hole', 'empty'],
      ['/inline', 'inline'],
      ['/nodigest', 'no-digest'],
      ['/ok', 'verified'],
    ],
  );
  assert.equal(out.imageDigest, undefined, 'no image file given, no image digest');
  const r = byPath(out.results);
  assert.match(r['/hole']!.message!, /reads as zeros/);
  assert.match(r['/inline']!.message!, /data stored in the image/);
});

test('progress and per-file results add up to the totals', { skip: corpusSkip }, async (t) => {
  const seen: VerityResult[] = [];
  let last: VerifyCounters | undefined;
  const out = await verifyReadme(t, [corpusPath(README, 'objects')], {
    imagePath: corpusPath(README, 'image.cfs'),
    onResult: (r) => seen.push(r),
    onProgress: (p) => (last = p),
  });
  assert.equal(seen.length, out.results.length);
  assert.deepEqual(last, { filesDone: 5, filesTotal: 5, bytesDone: 16384 + 2 * 128, bytesTotal: 16384 + 2 * 128 });
});

test('cancelling a verification stops it promptly and says so', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'store');
  mkdirSync(join(store, 'aa'), { recursive: true });
  const size = 8 * 2 ** 30; // sparse: reads as zeros, far longer to hash than the test waits
  const fd = openSync(join(store, 'aa', 'big'), 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  const reader = await openBytes(buildImage({ entries: [{ path: '/big', size, payload: 'aa/big', digest: '11'.repeat(32) }] }));
  const ac = new AbortController();
  let abortedAt = 0;
  const out = await verifyImage(reader, {
    stores: [store],
    pool: sharedPool,
    signal: ac.signal,
    onProgress: (p) => {
      if (p.bytesDone > 0 && !abortedAt) {
        abortedAt = performance.now();
        ac.abort();
      }
    },
  });
  const took = performance.now() - abortedAt;
  assert.equal(out.cancelled, true);
  assert.deepEqual(out.results, []);
  assert.ok(took < 1500, `returned ${took.toFixed(0)} ms after the abort`);
  // The pool is free again at once: nothing of the 8 GiB is still queued or running.
  const small = join(dir, 'small');
  writeFileSync(small, 'hello world\n');
  assert.equal(toHex((await sharedPool.digestFile(small)).digest), '37061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92');
});

test('an expected image digest must be 64 hex digits (sha256) or 128 (sha512), matching its prefix', () => {
  assert.equal(normalizeDigest(' SHA256:' + 'AB'.repeat(32)), 'ab'.repeat(32));
  assert.equal(normalizeDigest('sha512:' + 'cd'.repeat(64)), 'cd'.repeat(64));
  assert.equal(normalizeDigest('ef'.repeat(64)), 'ef'.repeat(64));
  assert.throws(() => normalizeDigest('abc'), /not an fs-verity digest/);
  assert.throws(() => normalizeDigest('zz'.repeat(32)), /not an fs-verity digest/);
  assert.throws(() => normalizeDigest('sha256:' + 'ab'.repeat(64)), /not an fs-verity digest/);
});

test('a worker pool that cannot start fails the verification instead of calling every object unreadable', { skip: corpusSkip }, async (t) => {
  const pool = createVerityPool({ threads: 1, workerUrl: pathToFileURL(join(tempDir(t), 'no-worker.mjs')) });
  t.after(() => pool.close());
  await assert.rejects(verifyReadme(t, [corpusPath(README, 'objects')], { pool }), { code: 'EWORKER' });
});
