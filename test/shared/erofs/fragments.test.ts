/**
 * Fragments (EROFS_FEATURE_INCOMPAT_FRAGMENTS): a compressed file's tail extent, or the whole file,
 * stored inside the packed inode's data. mkfs.erofs 1.5 cannot write them, so the test patches
 * corpus images: another file of the image plays the packed inode, and the expected bytes are
 * that file's bytes at the fragment offset.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { superblockChecksum } from '../../../shared/erofs/crc32c.ts';
import { openErofs, type ErofsReader } from '../../../shared/erofs/reader.ts';
import { compressedExtents, createDecompressor } from '../../../shared/erofs/zdata.ts';
import { zMapHeaderOffset } from '../../../shared/erofs/zmap.ts';
import { bytesToString } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { concat } from '../oci/tar-builder.ts';

const open = (b: Uint8Array) => openErofs(memorySource(b), { decompressor: createDecompressor() });
const load = (variant: string) => new Uint8Array(readFileSync(corpusPath('08-mkfs-erofs', variant, 'image.erofs')));

async function nidOf(r: ErofsReader, name: string): Promise<number> {
  return (await r.children(r.rootId)).find((e) => bytesToString(e.name) === name)!.id;
}

/** Sets EROFS_FEATURE_INCOMPAT_FRAGMENTS and packed_nid, and re-seals the superblock checksum. */
function setPacked(b: Uint8Array, packedNid: number): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(1024 + 80, dv.getUint32(1024 + 80, true) | 0x20, true);
  dv.setBigUint64(1024 + 96, BigInt(packedNid), true);
  dv.setUint32(1024 + 4, superblockChecksum(b.subarray(1024, 4096)), true);
}

describe('fragments in the packed inode', { skip: corpusSkip }, () => {
  test('a whole-file fragment (h_clusterbits bit 7) reads its bytes from the packed inode at the 63-bit offset', async () => {
    const bytes = load('plain');
    const r0 = await open(bytes);
    const hello = await r0.rawInode(await nidOf(r0, 'hello.txt'));
    const packedNid = await nidOf(r0, 'text.txt');
    const text = await r0.readData(packedNid, 0, 114000);
    // Turn hello.txt (14 bytes inline) into a compressed inode whose map header says "all in the packed inode at 1000".
    const dv = new DataView(bytes.buffer);
    dv.setUint16(hello.offset, 1 << 1, true); // compact, COMPRESSED_FULL
    dv.setBigUint64(zMapHeaderOffset(hello), (1n << 63n) | 1000n, true);
    setPacked(bytes, packedNid);
    const r = await open(bytes);
    const node = await r.node(hello.nid);
    assert.deepEqual(node.data, { kind: 'compressed', algorithm: 'fragment' });
    assert.deepEqual(await r.readData(hello.nid, 0, 14), text.subarray(1000, 1014));
    assert.deepEqual(await r.readData(hello.nid, 5, 3), text.subarray(1005, 1008));
  });

  test('a tail fragment (Z_EROFS_ADVISE_FRAGMENT_PCLUSTER): the extents before the tail still decode from their pclusters', async () => {
    // Full indexes, so a smaller i_size leaves every index where it was; the tail then fits the
    // 20000-byte file that plays the packed inode.
    const bytes = load('lz4-legacy');
    const r0 = await open(bytes);
    const ino = await r0.rawInode(await nidOf(r0, 'text.txt'));
    const packedNid = await nidOf(r0, 'random.bin');
    const original = await r0.readData(ino.nid, 0, ino.size);
    const random = await r0.readData(packedNid, 0, 20000);
    const { z, extents } = await compressedExtents(r0, ino);
    const tail = extents.at(-1)!;
    assert.ok(extents.length > 2 && tail.la > 0 && tail.llen > 5000);
    const size = tail.la + 5000;
    const dv = new DataView(bytes.buffer);
    dv.setUint32(ino.offset + 8, size, true); // compact i_size
    dv.setUint32(z.indexBase + 8 * tail.headLcn + 4, 0, true); // full indexes keep fragmentoff's high half in the tail head's blkaddr
    dv.setUint32(z.header.offset, 500, true); // h_fragmentoff
    dv.setUint16(z.header.offset + 4, dv.getUint16(z.header.offset + 4, true) | 0x20, true);
    setPacked(bytes, packedNid);
    const r = await open(bytes);
    const got = await r.readData(ino.nid, 0, size);
    assert.deepEqual(got, concat(original.subarray(0, tail.la), random.subarray(500, 5500)));
    const after = await compressedExtents(r, await r.rawInode(ino.nid));
    assert.deepEqual(after.extents.map((e) => e.fragment), [...extents.slice(0, -1).map(() => false), true]);
  });

  test('a fragment without a packed inode, or one that would read the packed inode from itself, is refused', async () => {
    const bytes = load('plain');
    const r0 = await open(bytes);
    const hello = await r0.rawInode(await nidOf(r0, 'hello.txt'));
    const dv = new DataView(bytes.buffer);
    dv.setUint16(hello.offset, 1 << 1, true);
    dv.setBigUint64(zMapHeaderOffset(hello), (1n << 63n) | 0n, true);
    const noPacked = await open(bytes);
    await assert.rejects(noPacked.readData(hello.nid, 0, 14), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.zdata.fragment' && /no packed inode/.test(e.message));
    setPacked(bytes, hello.nid);
    const selfPacked = await open(bytes);
    await assert.rejects(selfPacked.readData(hello.nid, 0, 14), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.zdata.fragment');
  });

  test('a fragment reaching past the packed inode\'s data is refused with the map header as its range', async () => {
    const bytes = load('plain');
    const r0 = await open(bytes);
    const hello = await r0.rawInode(await nidOf(r0, 'hello.txt'));
    const dv = new DataView(bytes.buffer);
    dv.setUint16(hello.offset, 1 << 1, true);
    dv.setBigUint64(zMapHeaderOffset(hello), (1n << 63n) | 113990n, true);
    setPacked(bytes, await nidOf(r0, 'text.txt'));
    const r = await open(bytes);
    await assert.rejects(r.readData(hello.nid, 0, 14), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.zdata.fragment' && e.offset === zMapHeaderOffset(hello));
  });
});
