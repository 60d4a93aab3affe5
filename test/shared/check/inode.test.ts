/** Inode rules: slots, format and layout, mode, data placement (flat blocks, inline tails, chunks), symlinks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { explainCode } from '../../../shared/check/index.ts';
import { BLOCK, checkBytes, expectFinding, expectNoFinding, fixture, locate, mutate, put16, put32, put64, put8 } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');
const plain = () => fixture('08-mkfs-erofs', 'plain', 'image.erofs');

test('an unknown data layout is reported at i_format, and the dirent naming the inode at its nid', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset, 5 << 1)));
  const x = expectFinding(r, 'erofs.inode.layout', small.ino.offset, 2);
  assert.equal(x.path, '/small');
  assert.equal(x.nodeId, small.nid);
  expectFinding(r, 'erofs.dirent.nid', small.dirent!.offset, 8);
});

test('i_format bits beyond version and layout are reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset, small.ino.format | 0x100)));
  expectFinding(r, 'erofs.inode.format', small.ino.offset, 2);
});

test('a mode naming no file type is reported at i_mode', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset + 4, 0o170644)));
  expectFinding(r, 'erofs.inode.mode', small.ino.offset + 4, 2);
});

test('a nid placing the inode beyond the image is reported for the inode slot and the dirent', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const nid = 1_000_000;
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, small.dirent!.offset, BigInt(nid))));
  expectFinding(r, 'erofs.nid.out-of-bounds', f.reader.sb.metaBlkaddr * BLOCK + nid * 32, 32);
  const x = expectFinding(r, 'erofs.dirent.nid', small.dirent!.offset, 8);
  assert.equal(x.actual, String(nid));
});

test('an inode slot over the superblock is reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const empty = await locate(f.reader, '/empty');
  // nid 35 is bytes 1120..1151: the zeroed tail of the superblock, which decodes as an inode.
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, empty.dirent!.offset, 35n)));
  expectFinding(r, 'erofs.inode.overlaps-superblock', 1120, 32);
});

test('an inline tail that crosses its block boundary is reported at i_size, the tail as the region it spoils', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const tail = f.reader.inlineTail(small.ino)!;
  const size = BLOCK - (tail.offset % BLOCK) + 100;
  assert.ok(size < BLOCK);
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, small.ino.offset + 8, size)));
  const x = expectFinding(r, 'erofs.inline.crosses-block', small.ino.offset + 8, 4);
  assert.deepEqual(x.region, { offset: tail.offset, length: size });
});

test('flat data blocks beyond the image are reported at raw_blkaddr', { skip: corpusSkip }, async () => {
  const f = await plain();
  const file = await locate(f.reader, '/exact-4096.bin');
  assert.equal(file.ino.datalayout, 0);
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, file.ino.offset + 16, 100_000)));
  expectFinding(r, 'erofs.data.out-of-bounds', file.ino.offset + 16, 4);
});

test('chunks beyond the image are reported at their block map entry', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'chunked-4k', 'image.erofs');
  const file = await locate(f.reader, '/exact-4096.bin');
  const { layout, chunks } = await f.reader.chunks(file.ino);
  assert.equal(layout.entrySize, 4);
  const at = chunks[0]!.offset;
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, at, 100_000)));
  const x = expectFinding(r, 'erofs.chunk.addr-out-of-bounds', at, 4);
  assert.equal(x.actual, '100000');
});

test('a chunk index naming a device the image does not have is reported at the index', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'chunked-4k', 'image.erofs');
  const [devicesAt] = f.reader.sb.fieldRanges['extra_devices']!;
  const file = await locate(f.reader, '/exact-4096.bin');
  const { chunks } = await f.reader.chunks(file.ino);
  // Two extra devices (so device ids keep two bits), the file switched to chunk indexes
  // (EROFS_CHUNK_FORMAT_INDEXES) and its one index written: startblk_hi 0, device_id 3,
  // startblk_lo = the block the map pointed at.
  const end = file.ino.offset + file.ino.inodeSize + file.ino.xattrSize;
  const at = Math.ceil(end / 8) * 8;
  const r = await checkBytes(
    mutate(f.bytes, (b) => {
      put16(b, devicesAt, 2);
      put16(b, file.ino.offset + 16, file.ino.iu | 0x20);
      put16(b, at, 0);
      put16(b, at + 2, 3);
      put32(b, at + 4, chunks[0]!.blkaddr!);
    }),
  );
  expectFinding(r, 'erofs.chunk.device', at, 8);
  // Without extra devices the kernel masks device_id to 0: the same index then reads the image.
  const masked = await checkBytes(mutate(f.bytes, (b) => (put16(b, file.ino.offset + 16, file.ino.iu | 0x20), put16(b, at, 0), put16(b, at + 2, 3), put32(b, at + 4, chunks[0]!.blkaddr!))));
  expectNoFinding(masked, 'erofs.chunk.device');
});

test('unknown chunk format bits and a chunk map past the image end are reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const file = await locate(f.reader, '/file_a');
  assert.equal(file.ino.datalayout, 4);
  const bad = await checkBytes(mutate(f.bytes, (b) => put16(b, file.ino.offset + 16, file.ino.iu | 0x80)));
  expectFinding(bad, 'erofs.chunk.format', file.ino.offset + 16, 2);
  // 4 GiB in 4 KiB chunks needs a 4 MiB block map: far more than the image holds.
  const huge = mutate(f.bytes, (b) => (put32(b, file.ino.offset + 16, 0), put32(b, file.ino.offset + 8, 0xffffffff)));
  const r = await checkBytes(huge);
  const mapStart = Math.ceil((file.ino.offset + file.ino.inodeSize + file.ino.xattrSize) / 4) * 4;
  const x = expectFinding(r, 'erofs.chunk.out-of-bounds', file.ino.offset + 8, 4);
  assert.deepEqual(x.region, { offset: mapStart, length: Math.ceil(0xffffffff / BLOCK) * 4 });
});

test('a symlink with an empty target or one longer than 4095 bytes is reported at i_size', { skip: corpusSkip }, async () => {
  const f = await plain();
  const link = await locate(f.reader, '/link');
  const empty = await checkBytes(mutate(f.bytes, (b) => put32(b, link.ino.offset + 8, 0)));
  expectFinding(empty, 'composefs.symlink.empty', link.ino.offset + 8, 4);
  const long = await checkBytes(mutate(f.bytes, (b) => put32(b, link.ino.offset + 8, 5000)));
  expectFinding(long, 'erofs.symlink.too-long', link.ino.offset + 8, 4);
});

test('a directory of size 0 (no "." or "..") is reported at i_size', { skip: corpusSkip }, async () => {
  const f = await readme();
  const dir = await locate(f.reader, '/dir');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, dir.ino.offset + 8, 0)));
  expectFinding(r, 'erofs.dir.empty', dir.ino.offset + 8, 4);
});

test('mtime nanoseconds of a second or more are reported on extended inodes', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'extended', 'image.erofs');
  const file = await locate(f.reader, '/empty');
  assert.equal(file.ino.extended, true);
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, file.ino.offset + 40, 2e9)));
  expectFinding(r, 'erofs.inode.mtime-nsec', file.ino.offset + 40, 4);
});

test('an inode whose xattrs and inline data run into the next inode is reported as overlapping it', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const next = await locate(f.reader, '/dir/another_a');
  const tail = f.reader.inlineTail(small.ino)!;
  // Four xattr slots (24 bytes) push the 12-byte tail to end past the next inode's start.
  const end = tail.offset + 24 + tail.length;
  assert.ok(end > next.ino.offset && small.ino.offset < next.ino.offset);
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset + 2, 4)));
  const x = expectFinding(r, 'erofs.inode.overlap', next.ino.offset, end - next.ino.offset);
  assert.equal(x.nodeId, next.nid);
});

test('an undecodable inode costs only that node: the rest of the tree is still checked', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const clean = await checkBytes(f.bytes);
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, small.ino.offset, 0xff)));
  assert.ok(r.findings.length > 0);
  // Only /small is lost: the walk goes on with the rest of the tree.
  assert.equal(r.nodesChecked, clean.nodesChecked - 1);
});

test('compressed files are decompressed in full: a damaged compression map is reported with the decoder code', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'lz4', 'image.erofs');
  const text = await locate(f.reader, '/text.txt');
  assert.equal(text.ino.datalayout, 3);
  const header = Math.ceil((text.ino.offset + text.ino.inodeSize + text.ino.xattrSize) / 8) * 8;
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, header + 6, 0x0f)));
  const x = r.findings.find((y) => y.path === '/text.txt' && y.code.startsWith('erofs.z'));
  assert.ok(x, JSON.stringify(r.findings));
  assert.ok(explainCode(x.code));
});
