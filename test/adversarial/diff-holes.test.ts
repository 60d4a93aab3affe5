/**
 * Sparse files cost the diff their data, not their size: two 28 KB images, each with one chunked
 * file of 4095 hole chunks (4 GiB each) and one real chunk, just under 16 TiB. Holes are skipped
 * without a read; the diff used to read them in 1 MiB pieces (16 million reads) and re-derive the
 * 4096 chunk extents per read, for hours. Bounded here by counting reads (an operation count) and
 * by CPU time, never by the wall clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffImages, formatChange } from '../../shared/diff/index.ts';
import type { ImageReader } from '../../shared/model.ts';
import { chunkedErofs } from '../helpers/erofs-builder.ts';
import { openBytes } from '../helpers/image-builder.ts';

const CHUNK_BITS = 32;
const SIZE = 4095 * 2 ** CHUNK_BITS + 4096;

function image(lastByte: number): Uint8Array {
  const tail = new Uint8Array(4096).fill(0x5a);
  tail[4095] = lastByte;
  return chunkedErofs([{ name: 'sparse', chunkBits: CHUNK_BITS, size: SIZE, chunks: { 4095: tail } }]);
}

/** The reader with its data reads counted; past `budget` reads it fails, so a regression ends rather than runs for hours. */
function counted(r: ImageReader, budget: number): { reader: ImageReader; reads: () => number; bytes: () => number } {
  let reads = 0;
  let bytes = 0;
  const w = Object.create(r) as ImageReader;
  w.readData = (id, offset, length) => {
    if (++reads > budget) return Promise.reject(new Error(`more than ${budget} data reads`));
    bytes += length;
    return r.readData(id, offset, length);
  };
  return { reader: w, reads: () => reads, bytes: () => bytes };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

describe('diff of a sparse 16 TiB chunked file', () => {
  test('equal images: only the real chunk is read, once per side', async () => {
    const a = counted(await openBytes(image(1)), 64);
    const b = counted(await openBytes(image(1)), 64);
    const before = cpuMs();
    const result = await diffImages(a.reader, b.reader, {});
    const spent = cpuMs() - before;
    assert.deepEqual(result.changes, []);
    assert.equal(a.reads() + b.reads(), 2);
    assert.equal(a.bytes() + b.bytes(), 2 * 4096);
    assert.ok(spent < 5000, `diff took ${spent} ms of CPU`);
  });

  test('a changed byte in the real chunk is one data change, described without hashing the holes', async () => {
    const a = counted(await openBytes(image(1)), 64);
    const b = counted(await openBytes(image(2)), 64);
    const before = cpuMs();
    const result = await diffImages(a.reader, b.reader, {});
    const spent = cpuMs() - before;
    assert.equal(result.changes.length, 1);
    assert.match(formatChange(result.changes[0]!), /^modified file \/sparse data=sparse-sha256:[0-9a-f]{64}->sparse-sha256:[0-9a-f]{64}$/);
    // Compare once, then describe each side: the real chunk read twice per side.
    assert.equal(a.reads() + b.reads(), 4);
    assert.ok(spent < 5000, `diff took ${spent} ms of CPU`);
  });

  test('a hole against real zeros is compared by reading the data side only', async () => {
    const x = new Uint8Array(4096).fill(0x33);
    const zerosThenX = chunkedErofs([{ name: 'f', chunkBits: 12, size: 3 * 4096, chunks: { 0: new Uint8Array(4096), 1: x } }]);
    const holeThenX = chunkedErofs([{ name: 'f', chunkBits: 12, size: 3 * 4096, chunks: { 1: x } }]);
    const a = counted(await openBytes(zerosThenX), 8);
    const b = counted(await openBytes(holeThenX), 8);
    assert.deepEqual((await diffImages(a.reader, b.reader, {})).changes, []);
    assert.equal(a.reads(), 2);
    assert.equal(b.reads(), 1);
  });
});
