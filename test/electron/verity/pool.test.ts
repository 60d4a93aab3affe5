import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVerityPool } from '../../../electron/verity/pool.ts';
import { createScratch, digestFileSync, leafHashesOfRangeSync } from '../../../electron/verity/node-hash.ts';
import { toHex } from '../../../shared/model.ts';
import { fsverityDigest, leafHashes } from '../../../shared/verity/merkle.ts';
import { corpusSkip, REPO_ROOT } from '../../helpers/corpus.ts';
import { loadVectors, vectorChunks, VECTOR_DIR } from '../../shared/verity/vectors.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-pool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a corpus vector to a file without holding it in memory. */
function writeVector(name: string, path: string): string {
  const v = loadVectors().find((x) => x.name === name)!;
  const fd = openSync(path, 'w');
  try {
    for (const chunk of vectorChunks(v)) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return v.fsverity;
}

test('the node:crypto backend matches `fsverity digest` for every stored vector file', { skip: corpusSkip }, () => {
  for (const v of loadVectors().filter((x) => x.file)) {
    assert.equal(toHex(digestFileSync(join(VECTOR_DIR, v.file!)).digest), v.fsverity, v.name);
  }
});

test('small files digested through the pool in batches each get their own digest', { skip: corpusSkip }, async (t) => {
  const pool = createVerityPool({ threads: 2 });
  t.after(() => pool.close());
  const vectors = loadVectors().filter((x) => x.file);
  const got = await Promise.all(vectors.map((v) => pool.digestFile(join(VECTOR_DIR, v.file!))));
  assert.deepEqual(got.map((d) => toHex(d.digest)), vectors.map((v) => v.fsverity));
  assert.deepEqual(got.map((d) => d.size), vectors.map((v) => v.size));
});

test('a large file split across threads gives the same digest as `fsverity digest` (3-level tree)', { skip: corpusSkip }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big');
  const expected = writeVector('pattern-67108865', file);
  const pool = createVerityPool({ threads: 2, segmentSize: 1 << 20, splitThreshold: 2 << 20 });
  t.after(() => pool.close());
  let bytes = 0;
  const d = await pool.digestFile(file, { onBytes: (n) => (bytes += n) });
  assert.equal(toHex(d.digest), expected);
  assert.equal(d.size, 67108865);
  assert.equal(bytes, 67108865, 'progress adds up to the file size');
  assert.equal(toHex(digestFileSync(file).digest), expected, 'single-threaded path agrees');
});

test('leaf hashing refuses a segment that does not start on a block boundary, or a ragged read buffer', () => {
  assert.throws(() => leafHashesOfRangeSync('/dev/null', 100, 4096), RangeError);
  assert.throws(() => createScratch(5000), RangeError);
});

test('file digests and leaf hashes do not depend on the read buffer size', (t) => {
  const dir = tempDir(t);
  for (const size of [1, 4096, 8193, 300_001, 2 * 1024 * 1024 + 5]) {
    const data = new Uint8Array(size).map((_, i) => (i * 7919) >>> 3);
    const file = join(dir, `f${size}`);
    writeFileSync(file, data);
    const expected = toHex(fsverityDigest(data));
    for (const scratch of [createScratch(4096), createScratch(12288), undefined]) {
      const got = digestFileSync(file, scratch ? { scratch } : {}).digest;
      assert.equal(toHex(got), expected, `${size} bytes, buffer ${scratch?.buffer.length}`);
    }
    const leaves = leafHashesOfRangeSync(file, 0, size, { scratch: createScratch(8192) });
    assert.deepEqual(leaves, leafHashes(data), `${size} bytes: leaf hashes`);
  }
});

test('missing files, directories and FIFOs are rejected with their error code, never waited on', async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const pool = createVerityPool({ threads: 1 });
  t.after(() => pool.close());
  await assert.rejects(pool.digestFile(join(dir, 'nope')), { code: 'ENOENT' });
  await assert.rejects(pool.digestFile(dir, { size: 0 }), { code: 'EISDIR' });
  await assert.rejects(pool.digestFile(fifo), { code: 'EINVAL' });
});

test('aborting rejects at once and frees the worker within a chunk', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'sparse');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 4 * 2 ** 30); // 4 GiB of holes: seconds of hashing if it were not stopped
  closeSync(fd);
  const small = join(dir, 'small');
  writeFileSync(small, 'hello world\n');
  const pool = createVerityPool({ threads: 1 });
  t.after(() => pool.close());
  const ac = new AbortController();
  let bytes = 0;
  const running = pool.digestFile(big, { signal: ac.signal, onBytes: (n) => (bytes += n) });
  for (const deadline = Date.now() + 20_000; bytes === 0; ) {
    assert.ok(Date.now() < deadline, 'no progress within 20 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  const t0 = performance.now();
  ac.abort();
  await assert.rejects(running, { name: 'AbortError' });
  // The same single worker must be free again: the small file cannot be stuck behind 4 GiB.
  const d = await pool.digestFile(small);
  assert.equal(toHex(d.digest), '37061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92');
  assert.ok(performance.now() - t0 < 1000, `worker took ${performance.now() - t0} ms to come back`);
  assert.ok(bytes < 4 * 2 ** 30);
});

test('a request aborted while queued never reaches a worker', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'f');
  writeFileSync(file, 'x');
  const pool = createVerityPool({ threads: 1 });
  t.after(() => pool.close());
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(pool.digestFile(file, { signal: ac.signal }), { name: 'AbortError' });
  const late = new AbortController();
  const p = pool.digestFile(file, { signal: late.signal });
  late.abort();
  await assert.rejects(p, { name: 'AbortError' });
});

test('many requests sharing one signal add one abort listener, and one abort rejects them all', async (t) => {
  const dir = tempDir(t);
  const files = Array.from({ length: 50 }, (_, i) => {
    const f = join(dir, `f${i}`);
    writeFileSync(f, `file ${i}\n`);
    return f;
  });
  const pool = createVerityPool({ threads: 1 });
  t.after(() => pool.close());
  const ac = new AbortController();
  const running = files.map((f) => pool.digestFile(f, { signal: ac.signal }));
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
  ac.abort();
  const settled = await Promise.allSettled(running);
  assert.ok(settled.every((r) => r.status === 'rejected' && (r.reason as Error).name === 'AbortError'));
  // Settled requests leave nothing behind on a signal that lives on.
  const keep = new AbortController();
  await Promise.all(files.slice(0, 5).map((f) => pool.digestFile(f, { signal: keep.signal })));
  assert.equal(getEventListeners(keep.signal, 'abort').length, 0);
});

test('a worker that cannot start fails the request instead of hanging', async (t) => {
  const dir = tempDir(t);
  const pool = createVerityPool({ threads: 1, workerUrl: pathToFileURL(join(dir, 'no-such-worker.mjs')) });
  t.after(() => pool.close());
  writeFileSync(join(dir, 'f'), 'x');
  await assert.rejects(pool.digestFile(join(dir, 'f')), { code: 'EWORKER' });
});

test('an idle pool that was never closed does not keep the process alive', () => {
  const script = [
    `import { createVerityPool } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'electron/verity/pool.ts')).href)};`,
    'const pool = createVerityPool({ threads: 2 });',
    `const d = await pool.digestFile(${JSON.stringify(join(REPO_ROOT, 'package.json'))});`,
    'console.log(d.size > 0 ? "digested" : "empty");',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.error, undefined, 'the process had to be killed: the pool kept it alive');
  assert.equal(r.stdout.trim(), 'digested', r.stderr);
  assert.equal(r.status, 0);
});
