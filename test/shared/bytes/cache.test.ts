import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READ_AHEAD, cachedSource } from '../../../shared/bytes/cache.ts';
import { countingSource, memorySource } from '../../../shared/bytes/source.ts';

const image = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

test('readThrough serves reads that follow each other from one read-ahead window, and leaves the block cache alone', async () => {
  const bytes = image(3 * READ_AHEAD);
  const inner = countingSource(memorySource(bytes));
  const src = cachedSource(inner);
  const got: Uint8Array[] = [];
  // Back to back, then with a small gap (a skipped pcluster), all inside the first window.
  for (const [at, len] of [[4096, 4096], [8192, 12288], [24576, 4096], [40960, 8192]] as const) got.push((await src.readThrough(at, len)).slice());
  assert.equal(inner.reads, 1);
  assert.equal(inner.bytesRead, READ_AHEAD);
  assert.deepEqual(got[1], bytes.slice(8192, 20480));
  assert.deepEqual(got[3], bytes.slice(40960, 49152));
  assert.equal(src.has(4096, 1), false);
  // Past the window: one more window.
  assert.deepEqual(await src.readThrough(4096 + READ_AHEAD, 100), bytes.slice(4096 + READ_AHEAD, 4196 + READ_AHEAD));
  assert.equal(inner.reads, 2);
});

test('readThrough reads exactly what is asked where reads jump around, so random access never reads ahead', async () => {
  const bytes = image(3 * READ_AHEAD);
  const inner = countingSource(memorySource(bytes));
  const src = cachedSource(inner);
  await src.readThrough(0, 10); // the first read counts as sequential: one window
  const before = inner.bytesRead;
  for (const at of [2 * READ_AHEAD + 5, READ_AHEAD + 3, 2 * READ_AHEAD + 900_000]) {
    assert.deepEqual(await src.readThrough(at, 64), bytes.slice(at, at + 64));
  }
  assert.equal(inner.bytesRead - before, 3 * 64);
});

test('readThrough stops its window at the end of the source and refuses ranges past it', async () => {
  const bytes = image(5000);
  const src = cachedSource(memorySource(bytes));
  assert.deepEqual(await src.readThrough(4000, 1000), bytes.slice(4000));
  await assert.rejects(src.readThrough(4990, 20), { message: "read of 20 bytes at 0x137e runs past the end of the image (5000 bytes)" });
});
