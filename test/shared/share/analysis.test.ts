/**
 * File, block and chunk figures on small hand-built image series, with every expected number
 * worked out by hand below. The chunk cases use long zero runs, on which both chunkers cut only at
 * their maximum (asserted first), so the cut points are known without running a chunker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShareAnalysis, LedgerLimitError, type ShareReport } from '../../../shared/share/analysis.ts';
import { extractUnits, type ShareFile } from '../../../shared/share/units.ts';
import { nobleUnitHasher } from '../../../shared/share/hash.ts';
import { buzhashChunks } from '../../../shared/share/buzhash.ts';
import { fastCdcChunks } from '../../../shared/share/fastcdc.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const MAX = 256 * 1024;

function rnd(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => (r() * 256) | 0);
}

type Tree = Record<string, Uint8Array>;

function filesOf(tree: Tree): ShareFile[] {
  return Object.keys(tree)
    .sort()
    .map((path) => ({
      path,
      size: tree[path]!.length,
      dirOrder: path.split('/').length - 2,
      read: async (offset: number, length: number) => tree[path]!.subarray(offset, offset + length),
    }));
}

async function analyse(...trees: Tree[]): Promise<ShareReport> {
  const a = new ShareAnalysis();
  for (const [i, t] of trees.entries()) a.add(`v${i + 1}`, await extractUnits(filesOf(t), nobleUnitHasher));
  return a.report();
}

const big = new Uint8Array(3 * MAX + 10); // 786442 zero bytes
const r1 = rnd(100, 1);
const r2 = rnd(5000, 2);
const changed = big.slice();
changed[300_000] = 0x5a;

test('precondition: on zero runs both chunkers cut only at their maximum', () => {
  assert.deepEqual(buzhashChunks(big), [MAX, MAX, MAX, 10]);
  assert.deepEqual(fastCdcChunks(big), [MAX, MAX, MAX, 10]);
  assert.deepEqual(buzhashChunks(changed), [MAX, MAX, MAX, 10]);
  assert.deepEqual(fastCdcChunks(changed), [MAX, MAX, MAX, 10]);
});

test('a file kept, one removed and one added: every scheme counted by hand', async () => {
  const r = await analyse({ '/big': big, '/small': r1 }, { '/big': big, '/new': r2 });
  const [a, b] = r.images;
  assert.equal(a!.logical, 786_542);
  assert.equal(b!.logical, 791_442);
  // file: A holds two distinct files; B shares /big and adds /new.
  assert.deepEqual(a!.schemes.file, { unique: 786_542, delta: 786_542, units: 2 });
  assert.deepEqual(b!.schemes.file, { unique: 791_442, delta: 5000, units: 2 });
  // block: /big is 192 zero blocks (one unit) and a 10-byte zero tail; /new is 4096 + 904.
  assert.deepEqual(a!.schemes.block, { unique: 4096 + 10 + 100, delta: 4206, units: 3 });
  assert.deepEqual(b!.schemes.block, { unique: 4096 + 10 + 4096 + 904, delta: 5000, units: 4 });
  // chunks: three identical max-size zero chunks, then 10 zeros + the next file's bytes.
  for (const s of ['casync', 'fastcdc'] as const) {
    assert.deepEqual(a!.schemes[s], { unique: MAX + 110, delta: MAX + 110, units: 2 }, s);
    assert.deepEqual(b!.schemes[s], { unique: MAX + 5010, delta: 5010, units: 2 }, s);
  }
  assert.deepEqual(r.set.unique, { file: 791_542, block: 9206, casync: MAX + 5120, fastcdc: MAX + 5120 });
  assert.deepEqual(r.set.pageCache, { resident: 791_542, shared: 786_442 });
  assert.deepEqual(r.pairwise.file, [[786_542, 786_442], [786_442, 791_442]]);
  assert.deepEqual(r.pairwise.block, [[4206, 4106], [4106, 9106]]);
  assert.deepEqual(r.pairwise.casync, [[MAX + 110, MAX], [MAX, MAX + 5010]]);
});

test('a large file changed in one byte: chunking and blocks fetch a little, whole files fetch all of it', async () => {
  const r = await analyse({ '/big': big }, { '/big': changed });
  const b = r.images[1]!;
  assert.equal(b.schemes.file.delta, 786_442);
  assert.equal(b.schemes.block.delta, 4096); // the one block holding offset 300000
  assert.equal(b.schemes.casync.delta, MAX); // the second max-size chunk
  assert.equal(b.schemes.fastcdc.delta, MAX);
  assert.deepEqual(b.topSavings.casync, [{ path: '/big', size: 786_442, fileDelta: 786_442, schemeDelta: MAX }]);
  assert.deepEqual(b.topSavings.block, [{ path: '/big', size: 786_442, fileDelta: 786_442, schemeDelta: 4096 }]);
});

test('duplicate files inside one image count once in unique and once in the delta', async () => {
  const r = await analyse({ '/a': r2, '/b': r2, '/c': r2 });
  assert.deepEqual(r.images[0]!.schemes.file, { unique: 5000, delta: 5000, units: 1 });
  assert.equal(r.images[0]!.logical, 15_000);
  assert.deepEqual(r.set.pageCache, { resident: 5000, shared: 10_000 });
});

test('PuzzleFS order: a directory\'s files are chunked before its subdirectories\' files', async () => {
  // In catar order /a/x comes before /b; PuzzleFS streams the root's files first (/b, then /a/x).
  const x = rnd(20_000, 3);
  const y = rnd(20_000, 4);
  const one = await extractUnits(filesOf({ '/a/x': x, '/b': y }), nobleUnitHasher, {});
  const catar = new Uint8Array([...x, ...y]);
  const puzzle = new Uint8Array([...y, ...x]);
  assert.deepEqual(Array.from(one.units.casync.length.subarray(0, one.units.casync.count)), buzhashChunks(catar));
  assert.deepEqual(Array.from(one.units.fastcdc.length.subarray(0, one.units.fastcdc.count)), fastCdcChunks(puzzle));
});

test('a file shorter than its size is an error naming the file, not zeros', async () => {
  const f: ShareFile = { path: '/lie', size: 10_000, dirOrder: 0, read: async () => new Uint8Array(10) };
  await assert.rejects(extractUnits([f], nobleUnitHasher), /\/lie: read 10 of 10000 bytes at offset 0/);
});

test('more images than the ledger can tell apart are refused with the limit named', async () => {
  const a = new ShareAnalysis();
  const units = await extractUnits(filesOf({ '/a': r1 }), nobleUnitHasher);
  for (let i = 0; i < 32; i++) a.add(`v${i}`, units);
  assert.throws(() => a.add('v33', units), (e: unknown) => e instanceof LedgerLimitError && /at most 32 images/.test((e as Error).message));
});
