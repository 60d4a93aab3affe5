/**
 * The Nydus structure decoders on their own: detection by signature, the blob chunk info records
 * (the vectors of storage/src/meta's own tests), and the RAFS v5 xattr table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cursor } from '../../../shared/bytes/cursor.ts';
import { decodeBlobChunkInfoV1, decodeBlobChunkInfoV2 } from '../../../shared/nydus/blob-meta.ts';
import { decodeRafsV5Xattrs } from '../../../shared/nydus/v5-inode.ts';
import { flagNames, RAFS_SUPER_FLAGS, BLOB_FEATURES } from '../../../shared/nydus/rafs_fs.ts';
import { detectFormat } from '../../../shared/open.ts';
import { concatBytes } from '../../../shared/model.ts';

const le64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const cat = concatBytes;

test('RAFS v5 is recognised by "SFAR" at 0; RAFS v6 by the EROFS magic with Nydus\'s compat bit', () => {
  const v5 = new Uint8Array(2048);
  v5.set([0x53, 0x46, 0x41, 0x52, 0x00, 0x05, 0, 0]);
  assert.equal(detectFormat(v5), 'nydus-v5');
  const erofs = new Uint8Array(2048);
  erofs.set([0xe2, 0xe1, 0xf5, 0xe0], 1024);
  assert.equal(detectFormat(erofs), 'erofs');
  erofs.set([0, 0, 0, 0x40], 1032);
  assert.equal(detectFormat(erofs), 'nydus-v6');
});

test('BlobChunkInfoV1Ondisk: sizes split over low and high bits, as storage/src/meta/chunk_info_v1.rs tests them', () => {
  const c = decodeBlobChunkInfoV1(new Cursor(cat(le64(0xffff_ffff_f100_0000n), le64(0xffff_f0ff_ffff_ffffn)), 0));
  assert.equal(c.uncompressedSize, 0x000f_ffff + 1);
  assert.equal(c.uncompressedOffset, 0xffff_1000 * 0x1000);
  assert.equal(c.compressedSize, 0x000f_ffff + 1);
  assert.equal(c.compressedOffset, 0x00ff_ffff_ffff);
  const small = decodeBlobChunkInfoV1(new Cursor(cat(le64(0x01ff_f000_0000_2000n), le64(0x01ff_f000_0000_1000n)), 0));
  assert.deepEqual([small.uncompressedOffset, small.uncompressedSize, small.compressedOffset, small.compressedSize, small.compressed], [0x2000, 0x2000, 0x1000, 0x2000, false]);
});

test('BlobChunkInfoV2Ondisk: offsets, sizes and the compressed flag, as chunk_info_v2.rs tests them', () => {
  const c = decodeBlobChunkInfoV2(new Cursor(cat(le64(0x0300_0100_0000_0100n), le64(0x0fff_ffff_ffff_ffffn), le64(0x0000_0003_0000_0005n)), 0));
  assert.equal(c.uncompressedOffset, 0x100000);
  assert.equal(c.uncompressedSize, 0x100 + 1);
  assert.equal(c.compressedSize, 0x000f_ffff);
  assert.equal(c.compressedOffset, 0x00ff_ffff_ffff);
  assert.equal(c.compressed, true);
});

test('the RAFS v5 xattr table: u32-sized "name\\0value" pairs; a pair past the table is an error with its range', () => {
  const enc = new TextEncoder();
  const pair = (name: string, value: string) => {
    const body = cat(enc.encode(name), new Uint8Array([0]), enc.encode(value));
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, body.length, true);
    return cat(size, body);
  };
  const table = cat(pair('user.a', 'one'), pair('security.capability', '\u0001'));
  const xs = decodeRafsV5Xattrs(new Cursor(table, 100), table.length);
  assert.deepEqual(xs.map((x) => [new TextDecoder().decode(x.name), new TextDecoder().decode(x.value), x.offset]), [
    ['user.a', 'one', 100],
    ['security.capability', '\u0001', 114],
  ]);
  const bad = table.slice();
  bad[0] = 200;
  assert.throws(() => decodeRafsV5Xattrs(new Cursor(bad, 100), bad.length), { code: 'nydus.v5.xattr', offset: 100, length: 4 });
});

test('flag words are named bit by bit, with unknown bits left in hex', () => {
  assert.deepEqual(flagNames(0x194, RAFS_SUPER_FLAGS), ['HASH_BLAKE3', 'EXPLICIT_UID_GID', 'COMPRESSION_ZSTD', 'INLINED_CHUNK_DIGEST']);
  assert.deepEqual(flagNames(0x7000_0021 | 0x8000, BLOB_FEATURES), ['ALIGNED', 'INLINED_CHUNK_DIGEST', 'HAS_TAR_HEADER', 'HAS_TOC', 'CAP_TAR_TOC', '0x8000']);
});
