/**
 * The splitstream reader against files our test writer makes from composefs-rs's documented format
 * (test/helpers/splitstream-writer.ts; no independent producer runs here): every field, the chunk
 * list, named refs, reassembly, and a clear error for each way a file can be wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySource } from '../../../shared/bytes/source.ts';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { readSplitStream, reassembledSource } from '../../../shared/splitstream/reader.ts';
import { writeSplitstream } from '../../helpers/splitstream-writer.ts';

const enc = new TextEncoder();
const digest = (fill: number, size = 32) => new Uint8Array(size).fill(fill);
const objA = enc.encode('A'.repeat(100));
const objB = enc.encode('the second object, 37 bytes long....');

const sample = () =>
  writeSplitstream({
    contentType: 'ocilayer',
    streamRefs: [digest(0x11), digest(0x22)],
    objectRefs: [digest(0xaa), digest(0xbb)],
    chunks: [{ inline: enc.encode('head:') }, { object: 0 }, { inline: enc.encode('|mid|') }, { object: 1 }, { object: 0 }, { inline: enc.encode(':tail') }],
    namedRefs: [{ stream: 1, name: 'config:sha256:abc' }, { stream: 0, name: 'composefs.image' }],
    streamSize: 5 + 100 + 5 + objB.length + 100 + 5,
  });

test('decodes the header, info, reference arrays, chunks and named refs', async () => {
  const ss = await readSplitStream(memorySource(sample()));
  assert.equal(ss.header.version, 0);
  assert.equal(ss.header.algorithm, 1);
  assert.equal(ss.header.lgBlockSize, 12);
  assert.equal(ss.contentType, 'oci-layer');
  assert.deepEqual(ss.streamRefs, ['11'.repeat(32), '22'.repeat(32)]);
  assert.deepEqual(ss.objectRefs, ['aa'.repeat(32), 'bb'.repeat(32)]);
  assert.deepEqual(
    ss.chunks.map((c) => (c.kind === 'inline' ? `i${c.length}` : `o${c.object}`)),
    ['i5', 'o0', 'i5', 'o1', 'o0', 'i5'],
  );
  assert.deepEqual(ss.namedRefs, [
    { stream: 1, name: 'config:sha256:abc' },
    { stream: 0, name: 'composefs.image' },
  ]);
});

test('reassembles the original stream from inline chunks and objects, at any offset', async () => {
  const ss = await readSplitStream(memorySource(sample()));
  const objs = [objA, objB].map((o) => ({ size: o.length, read: async (off: number, n: number) => o.subarray(off, off + n) }));
  const src = reassembledSource(ss, objs);
  const whole = new TextDecoder().decode(await src.read(0, src.size));
  const expected = `head:${'A'.repeat(100)}|mid|${new TextDecoder().decode(objB)}${'A'.repeat(100)}:tail`;
  assert.equal(whole, expected);
  assert.equal(src.size, ss.info.streamSize);
  assert.equal(new TextDecoder().decode(await src.read(103, 10)), expected.slice(103, 113));
});

test('a SHA-512 splitstream has 64-byte references', async () => {
  const ss = await readSplitStream(
    memorySource(writeSplitstream({ algorithm: 2, objectRefs: [digest(0xcd, 64)], chunks: [{ object: 0 }], streamSize: 4 })),
  );
  assert.equal(ss.digestSize, 64);
  assert.deepEqual(ss.objectRefs, ['cd'.repeat(64)]);
});

test('each kind of damage is a DecodeError that names it', async () => {
  const bad = sample();
  bad[0] = 0x73;
  await assert.rejects(readSplitStream(memorySource(bad)), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.magic');

  const alg = sample();
  alg[14] = 9;
  await assert.rejects(readSplitStream(memorySource(alg)), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.algorithm' && e.offset === 14);

  const wildIndex = writeSplitstream({ objectRefs: [digest(1)], chunks: [{ object: 3 }], streamSize: 0 });
  await assert.rejects(readSplitStream(memorySource(wildIndex)), (e: unknown) => e instanceof DecodeError && /object index 3, but there are 1/.test(e.message));

  const badName = writeSplitstream({ streamRefs: [digest(1)], chunks: [], namedRefs: [{ stream: 5, name: 'x' }], streamSize: 0 });
  await assert.rejects(readSplitStream(memorySource(badName)), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.named-ref');

  const truncated = sample().subarray(0, 100);
  await assert.rejects(readSplitStream(memorySource(truncated)), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.range');

  const lies = writeSplitstream({ chunks: [{ inline: enc.encode('abc') }], streamSize: 4 });
  const ss = await readSplitStream(memorySource(lies));
  assert.throws(() => reassembledSource(ss, []), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.size');
});

test('a missing object fails only the reads that cross it, naming its digest', async () => {
  const ss = await readSplitStream(memorySource(sample()));
  const src = reassembledSource(ss, [{ size: objA.length, read: async (off, n) => objA.subarray(off, off + n) }, undefined]);
  assert.equal(new TextDecoder().decode(await src.read(0, 5)), 'head:');
  await assert.rejects(src.read(100, 30), (e: unknown) => e instanceof DecodeError && e.code === 'splitstream.object-missing' && e.message.includes('bb'.repeat(32)));
});
