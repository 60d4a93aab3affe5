/** Superblock and composefs header rules: each test breaks one field of a valid image. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { treeFromSpecs } from '../../../shared/composefs/writer-tree.ts';
import { writeComposefs } from '../../../shared/composefs/writer.ts';
import { writeComposefsV2 } from '../../../shared/composefs/writer-v2.ts';
import { BLOCK, checkBytes, expectFinding, expectNoFinding, fixture, locate, mutate, put16, put32, put64, put8 } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');
const field = (f: Awaited<ReturnType<typeof readme>>, name: string) => f.reader.sb.fieldRanges[name]!;

test('a wrong EROFS magic makes the image unreadable, with the magic field as the range', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'magic');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, o, 0x12345678)));
  assert.equal(r.unreadable, true);
  expectFinding(r, 'erofs.superblock.magic', o, l);
});

test('a block size outside 512 B..64 KiB makes the image unreadable, naming blkszbits', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'blkszbits');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, o, 20)));
  assert.equal(r.unreadable, true);
  expectFinding(r, 'erofs.superblock.blksize', o, l);
});

test('meta_blkaddr beyond the image makes it unreadable', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'meta_blkaddr');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, o, 1000)));
  assert.equal(r.unreadable, true);
  expectFinding(r, 'erofs.superblock.meta_blkaddr', o, l);
});

test('a composefs header version other than 1 is reported at header bytes 4..8', { skip: corpusSkip }, async () => {
  const f = await readme();
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, 4, 2)));
  const x = expectFinding(r, 'composefs.header.version', 4, 4);
  assert.equal(x.expected, '1');
  assert.equal(x.actual, '2');
});

test('an unknown composefs format version and unknown header flags are reported at their fields', { skip: corpusSkip }, async () => {
  const f = await readme();
  const r = await checkBytes(mutate(f.bytes, (b) => (put32(b, 12, 7), put32(b, 8, 0x10))));
  expectFinding(r, 'composefs.header.format-version', 12, 4);
  expectFinding(r, 'composefs.header.flags', 8, 4);
});

test('ACL xattrs without LCFS_EROFS_FLAGS_HAS_ACL in the header are reported at the flags', { skip: corpusSkip }, async () => {
  const f = await fixture('04-dump-tree', 'image.cfs');
  assert.equal(f.reader.header?.flags, 1);
  expectNoFinding(await checkBytes(f.bytes), 'composefs.header.acl-flag');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, 8, 0)));
  expectFinding(r, 'composefs.header.acl-flag', 8, 4);
});

test('format 2 (composefs-rs) images hold ACLs without the header flag, which only formats 0 and 1 need', async () => {
  const tree = () => treeFromSpecs([{ path: '/f', content: 'x', xattrs: { 'system.posix_acl_access': new Uint8Array([2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff]) } }]);
  const v2 = writeComposefsV2(tree());
  assert.equal(new DataView(v2.buffer).getUint32(8, true), 0, 'composefs-rs writes no flags');
  expectNoFinding(await checkBytes(v2), 'composefs.header.acl-flag');
  const v1 = writeComposefs(tree(), { minVersion: 1 });
  expectFinding(await checkBytes(mutate(v1, (b) => put32(b, 8, 0))), 'composefs.header.acl-flag', 8, 4);
});

test('unknown incompatible feature bits are an error at feature_incompat', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'feature_incompat');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, o, 0x80000000)));
  assert.equal(r.unreadable, false);
  const x = expectFinding(r, 'erofs.superblock.unknown-incompat', o, l);
  assert.equal(x.severity, 'error');
});

test('unknown compatible feature bits are only information', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'feature_compat');
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, o, f.reader.sb.featureCompat | 0x4000)));
  assert.equal(expectFinding(r, 'erofs.superblock.unknown-compat', o, l).severity, 'info');
});

test('sb_extslots that push the superblock past its page are reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'sb_extslots');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, o, 200)));
  expectFinding(r, 'erofs.superblock.extslots', o, l);
});

test('a block count larger than the image (a truncated image) is reported at blocks', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'blocks');
  const r = await checkBytes(f.bytes.slice(0, f.bytes.length - BLOCK));
  expectFinding(r, 'erofs.superblock.blocks', o, l);
  const r2 = await checkBytes(mutate(f.bytes, (b) => put32(b, o, 1000)));
  expectFinding(r2, 'erofs.superblock.blocks', o, l);
});

test('an inode count that differs from the reachable inodes is reported at inos', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'inos');
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, o, BigInt(f.reader.sb.inos + 1))));
  const x = expectFinding(r, 'erofs.superblock.inos', o, l);
  assert.equal(x.expected, String(f.reader.sb.inos));
});

test('build_time_nsec of a second or more is reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'build_time_nsec');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put32(b, o, 2e9))), 'erofs.superblock.build-time-nsec', o, l);
});

test('xattr_blkaddr beyond the image is reported at its field', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [o, l] = field(f, 'xattr_blkaddr');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put32(b, o, 5000))), 'erofs.superblock.xattr_blkaddr', o, l);
});

test('with sb_csum, any changed superblock byte breaks the crc32c checksum', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'plain', 'image.erofs');
  assert.ok(f.reader.sb.featureCompat & 1, 'fixture has sb_csum');
  expectNoFinding(await checkBytes(f.bytes), 'erofs.superblock.checksum');
  const [o, l] = field(f, 'checksum');
  const [vo] = field(f, 'volume_name');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, vo, 0x41)));
  const x = expectFinding(r, 'erofs.superblock.checksum', o, l);
  assert.equal(x.actual, '0x' + f.reader.sb.checksum.toString(16));
});

test('a composefs image with blocks other than 4096 bytes or with extra devices is reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const [bo, bl] = field(f, 'blkszbits');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put8(b, bo, 11))), 'composefs.blocksize', bo, bl);
  const [eo, el] = field(f, 'extra_devices');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put16(b, eo, 1))), 'composefs.extra-devices', eo, el);
});

test('a root inode that is not a directory is reported at root_nid', { skip: corpusSkip }, async () => {
  const f = await readme();
  const root = await locate(f.reader, '/');
  const [o, l] = field(f, 'root_nid');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, root.ino.offset + 4, 0o100644)));
  expectFinding(r, 'erofs.root.not-dir', o, l);
});
