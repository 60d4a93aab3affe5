import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFsverityHasher,
  createVerityTree,
  digestFromRoot,
  fsverityDigest,
  leafHashes,
  nobleSha512,
  rootFromLeaves,
} from '../../../shared/verity/merkle.ts';
import { toHex } from '../../../shared/model.ts';
import { corpusSkip } from '../../helpers/corpus.ts';
import { loadVectors, vectorChunks } from './vectors.ts';

/** Deterministic bytes for tests that need content but no corpus. */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('streaming digest matches `fsverity digest` for every corpus vector', { skip: corpusSkip }, () => {
  const vectors = loadVectors();
  assert.ok(vectors.length >= 20, `expected the full vector table, got ${vectors.length}`);
  for (const v of vectors) {
    const hasher = createFsverityHasher();
    const plain = createHash('sha256');
    for (const chunk of vectorChunks(v)) {
      hasher.update(chunk);
      plain.update(chunk);
    }
    assert.equal(hasher.size, v.size, `${v.name}: size`);
    assert.equal(plain.digest('hex'), v.sha256, `${v.name}: regenerated content differs from the corpus`);
    assert.equal(toHex(hasher.digest()), v.fsverity, `${v.name}: fs-verity digest`);
  }
});

test('the empty file has the all-zero root, giving fsverity-utils 3d248ca5… (not composefs-info cfc33910…)', () => {
  assert.equal(toHex(fsverityDigest(new Uint8Array(0))), '3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95');
  assert.equal(toHex(createVerityTree().root()), '00'.repeat(32));
});

test('a one-block file has its block hash as the root, zero-padded', () => {
  const data = noise(100);
  const padded = new Uint8Array(4096);
  padded.set(data);
  const root = createHash('sha256').update(padded).digest();
  assert.deepEqual(fsverityDigest(data), digestFromRoot(root, 100));
});

test('the digest does not depend on how the input is chunked', () => {
  const data = noise(3 * 4096 * 128 + 4097, 7); // three full level-1 blocks and a tail
  const whole = toHex(fsverityDigest(data));
  for (const seed of [1, 2, 3]) {
    const h = createFsverityHasher();
    const cuts = noise(64, seed);
    let off = 0;
    for (let k = 0; off < data.length; k++) {
      const n = 1 + ((cuts[k % cuts.length]! * 997 + k * 131) % 9000);
      h.update(data.subarray(off, off + n));
      off += n;
    }
    h.update(new Uint8Array(0));
    assert.equal(toHex(h.digest()), whole, `chunking seed ${seed}`);
  }
});

test('a tree fed leaf hashes in arbitrary segments gives the same root as the streaming hasher', () => {
  const data = noise(129 * 4096 + 5, 3); // 130 leaves: two level-1 blocks
  const tree = createVerityTree();
  // Segments must be block-aligned except the last, as the worker pool cuts them.
  for (const [from, to] of [[0, 4096], [4096, 40 * 4096], [40 * 4096, data.length]] as const) {
    tree.addLeafHashes(leafHashes(data.subarray(from, to)));
  }
  assert.equal(tree.leafCount, 130);
  assert.deepEqual(digestFromRoot(tree.root(), data.length), fsverityDigest(data));
});

test('exactly 128 leaves make one level-1 block whose hash is the root; 129 add a level', () => {
  const leaves = noise(129 * 32, 9);
  const one = createVerityTree();
  one.addLeafHashes(leaves, 128);
  assert.deepEqual(one.root(), new Uint8Array(createHash('sha256').update(leaves.subarray(0, 4096)).digest()));

  const two = createVerityTree();
  two.addLeafHashes(leaves, 129);
  const blockA = leaves.subarray(0, 4096);
  const blockB = new Uint8Array(4096);
  blockB.set(leaves.subarray(4096, 4128));
  const level1 = new Uint8Array(4096);
  level1.set(createHash('sha256').update(blockA).digest(), 0);
  level1.set(createHash('sha256').update(blockB).digest(), 32);
  assert.deepEqual(two.root(), new Uint8Array(createHash('sha256').update(level1).digest()));
});

test('the root from a list of leaves equals the tree root, with or without a tree level', () => {
  const leaves = noise(300 * 32, 5);
  for (const count of [0, 1, 2, 127, 128, 129, 256, 300]) {
    const tree = createVerityTree();
    tree.addLeafHashes(leaves, count);
    assert.deepEqual(rootFromLeaves(leaves, count), tree.root(), `${count} leaves`);
  }
  assert.throws(() => rootFromLeaves(leaves, 301), RangeError);
});

test('whole blocks of leaf hashes and single ones mix in any order', () => {
  const leaves = noise(1000 * 32, 6);
  const one = createVerityTree();
  one.addLeafHashes(leaves, 1000);
  const mixed = createVerityTree();
  for (const [from, n] of [[0, 3], [3, 128], [131, 256], [387, 1], [388, 612]] as const) {
    mixed.addLeafHashes(leaves.subarray(from * 32), n);
  }
  assert.equal(mixed.leafCount, 1000);
  assert.deepEqual(mixed.root(), one.root());
  const single = createVerityTree();
  for (let k = 0; k < 1000; k++) single.addLeafHashes(leaves.subarray(k * 32), 1);
  assert.deepEqual(single.root(), one.root());
});

test('a finished hasher refuses more input instead of returning a wrong digest', () => {
  const h = createFsverityHasher().update(noise(10));
  h.digest();
  assert.throws(() => h.update(noise(1)), /already finished/);
  assert.throws(() => h.digest(), /already finished/);
});

test('block sizes that fs-verity cannot use are rejected', () => {
  assert.throws(() => createFsverityHasher({ blockSize: 3000 }), RangeError);
  assert.throws(() => createFsverityHasher({ blockSize: 32 }), RangeError);
});

const haveFsverity = spawnSync('fsverity', ['--version']).status === 0;

test(
  'other hash algorithms and block sizes match `fsverity digest`',
  { skip: haveFsverity ? false : 'fsverity command not installed' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfs-verity-'));
    try {
      for (const [size, blockSize, alg] of [
        [5000, 1024, 'sha256'],
        [70000, 1024, 'sha512'],
        [300000, 4096, 'sha512'],
        [1, 65536, 'sha256'],
      ] as const) {
        const data = noise(size, size);
        const file = join(dir, `f${size}`);
        writeFileSync(file, data);
        const out = execFileSync('fsverity', ['digest', `--hash-alg=${alg}`, `--block-size=${blockSize}`, file], { encoding: 'utf8' });
        const expected = out.split(' ')[0]!.replace(`${alg}:`, '');
        const params = { blockSize, ...(alg === 'sha512' ? { hash: nobleSha512 } : {}) };
        assert.equal(toHex(fsverityDigest(data, params)), expected, `${size} bytes, ${alg}, ${blockSize}-byte blocks`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
