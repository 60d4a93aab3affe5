/** struct z_erofs_map_header decoding and the algorithm name shown for a compressed node. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cursor } from '../../../shared/bytes/cursor.ts';
import { decodeZMapHeader, zAlgorithmName } from '../../../shared/erofs/zmap.ts';

const header = (bytes: number[]) => decodeZMapHeader(new Cursor(Uint8Array.from(bytes), 4096));

test('the map header union: h_idata_size is the upper half of h_fragmentoff; advise, algorithms and cluster bits follow', () => {
  const h = header([0x34, 0x12, 0xd2, 0x04, 0x0b, 0x00, 0x10, 0x01]);
  assert.equal(h.offset, 4096);
  assert.equal(h.fragmentOff, 0x04d21234);
  assert.equal(h.idataSize, 1234);
  assert.equal(h.advise, 0x000b);
  assert.deepEqual(h.algorithmType, [0, 1]);
  assert.equal(h.clusterBits, 1);
  assert.equal(h.wholeFileFragment, false);
});

test('bit 7 of h_clusterbits makes the whole header a 63-bit fragment offset, exact beyond 2^32', () => {
  // 0x8000_0123_4567_89ab little-endian
  const h = header([0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x80]);
  assert.equal(h.wholeFileFragment, true);
  assert.equal(h.fragmentOff64, 0x0123456789ab);
});

test('the algorithm name: HEAD2 is named only when it differs and is in use', () => {
  const named = (alg: number, advise: number) => zAlgorithmName(header([0, 0, 0, 0, advise, 0, alg, 0]));
  assert.equal(named(0x00, 0x07), 'lz4');
  assert.equal(named(0x01, 0x00), 'lzma'); // HEAD2 left 0 by a single-algorithm builder
  assert.equal(named(0x01, 0x04), 'lzma+lz4'); // HEAD2 big pclusters advised: lz4 HEAD2 is real
  assert.equal(named(0x31, 0x00), 'lzma+zstd');
  assert.equal(named(0x09, 0x00), 'algorithm 9');
  assert.equal(zAlgorithmName(header([0, 0, 0, 0, 0, 0, 0, 0x80])), 'fragment');
});
