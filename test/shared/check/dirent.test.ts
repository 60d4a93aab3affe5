/** Directory rules: nameoffs, name lengths and bytes, order, duplicates, file types, "." and "..". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import type { RawDirent } from '../../../shared/erofs/dirent.ts';
import { bytesToString } from '../../../shared/model.ts';
import { checkBytes, direntBlocks, expectFinding, expectNoFinding, fixture, locate, mutate, put16, put32, put64, put8, type Fixture } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');

/** The dirents of a directory (with "." and ".."), by name, and the first block's offset. */
async function listing(f: Fixture, path: string) {
  const dir = await locate(f.reader, path);
  const blocks = await direntBlocks(f.reader, dir.ino);
  const all = blocks.flatMap((b) => b.dirents);
  const by = (name: string): RawDirent => {
    const d = all.find((x) => bytesToString(x.name) === name);
    assert.ok(d, `no ${name} in ${path}`);
    return d;
  };
  return { dir, blocks, all, by };
}

test('a first nameoff outside the block or not a multiple of 12 is reported at that nameoff', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { blocks } = await listing(f, '/dir');
  const at = blocks[0]!.offset + 8;
  for (const bad of [5, 0, 4000]) {
    const r = await checkBytes(mutate(f.bytes, (b) => put16(b, at, bad)));
    expectFinding(r, 'erofs.dirent.nameoff', at, 2);
    // The block is lost, so a missing "." is not claimed on top.
    expectNoFinding(r, 'erofs.dir.missing-dot');
  }
});

test('a nameoff before the previous name is reported at that nameoff', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/dir');
  const a = by('another_a');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, a.offset + 8, by('.').nameoff - 1)));
  expectFinding(r, 'erofs.dirent.nameoff', a.offset + 8, 2);
});

test('a name longer than 255 bytes is reported over the name', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { all } = await listing(f, '/');
  const k = all.findIndex((d) => bytesToString(d.name) === '10');
  const d = all[k]!;
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, all[k + 1]!.offset + 8, d.nameoff + 300)));
  expectFinding(r, 'erofs.dirent.namelen', d.nameOffset, 300);
});

test('an empty name is reported at the nameoff that makes it empty', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/dir');
  const dotdot = by('..');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, by('another_a').offset + 8, dotdot.nameoff)));
  expectFinding(r, 'erofs.dirent.name-empty', dotdot.offset + 8, 2);
});

test('a "/" or a NUL inside a name is reported at that byte', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/');
  const dir = by('dir');
  const slash = await checkBytes(mutate(f.bytes, (b) => put8(b, dir.nameOffset + 1, 0x2f)));
  expectFinding(slash, 'erofs.dirent.name-slash', dir.nameOffset + 1, 1);
  const nul = await checkBytes(mutate(f.bytes, (b) => put8(b, dir.nameOffset + 1, 0)));
  expectFinding(nul, 'erofs.dirent.name-nul', dir.nameOffset + 1, 1);
});

test('names out of byte order are reported at the dirent that sorts too early', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/');
  const small = by('small');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, small.nameOffset, 0x61)));
  expectFinding(r, 'erofs.dirent.unsorted', small.offset, 12);
});

test('a name appearing twice is reported at the second dirent', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/');
  const b2 = by('file_b');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, b2.nameOffset + 5, 0x61)));
  expectFinding(r, 'erofs.dirent.duplicate', b2.offset, 12);
  expectNoFinding(r, 'erofs.dirent.unsorted');
});

test('"." not pointing at the directory and ".." not pointing at the parent are reported at their nid', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { dir, by } = await listing(f, '/dir');
  const dot = await checkBytes(mutate(f.bytes, (b) => put64(b, by('.').offset, BigInt(f.reader.rootId))));
  const x = expectFinding(dot, 'erofs.dirent.dot', by('.').offset, 8);
  assert.equal(x.expected, String(dir.nid));
  const dotdot = await checkBytes(mutate(f.bytes, (b) => put64(b, by('..').offset, BigInt(dir.nid))));
  const y = expectFinding(dotdot, 'erofs.dirent.dotdot', by('..').offset, 8);
  assert.equal(y.expected, String(f.reader.rootId));

  // The root is its own parent.
  const root = await listing(f, '/');
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, root.by('..').offset, BigInt(dir.nid))));
  expectFinding(r, 'erofs.dirent.dotdot', root.by('..').offset, 8);
});

test('a directory without "." is reported at its inode', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { dir, by } = await listing(f, '/dir');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, by('.').nameOffset, 0x2c)));
  expectFinding(r, 'erofs.dir.missing-dot', dir.ino.offset, dir.ino.inodeSize);
});

test('a file type of 8 or more is reported at file_type; one disagreeing with the inode too', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/dir');
  const a = by('another_a');
  const invalid = await checkBytes(mutate(f.bytes, (b) => put8(b, a.offset + 10, 9)));
  expectFinding(invalid, 'erofs.dirent.file-type', a.offset + 10, 1);
  const mismatch = await checkBytes(mutate(f.bytes, (b) => put8(b, a.offset + 10, 2)));
  const x = expectFinding(mismatch, 'erofs.dirent.type-mismatch', a.offset + 10, 1);
  assert.equal(x.expected, '1');
  assert.equal(x.actual, '2');
});

test('a directory block too short for one dirent is reported over the block', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { dir } = await listing(f, '/dir');
  // 4100 bytes: one full block, then a 4-byte tail inline after the inode.
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, dir.ino.offset + 8, 4100)));
  expectFinding(r, 'erofs.dirent.block', dir.ino.offset + dir.ino.inodeSize + dir.ino.xattrSize, 4);
});

test('a second "." or ".." entry is reported over that dirent', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { by } = await listing(f, '/dir');
  const a = by('another_a');
  // The last name ends at a NUL: "another_a" becomes "." or "..".
  const dot = await checkBytes(mutate(f.bytes, (b) => (put8(b, a.nameOffset, 0x2e), put8(b, a.nameOffset + 1, 0))));
  expectFinding(dot, 'erofs.dirent.dot', a.offset, 12);
  expectNoFinding(dot, 'erofs.dirent.duplicate');
  const dotdot = await checkBytes(mutate(f.bytes, (b) => (put8(b, a.nameOffset, 0x2e), put8(b, a.nameOffset + 1, 0x2e), put8(b, a.nameOffset + 2, 0))));
  expectFinding(dotdot, 'erofs.dirent.dotdot', a.offset, 12);
  expectNoFinding(dotdot, 'erofs.dirent.duplicate');
});
