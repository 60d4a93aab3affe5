/** Whole-tree rules: cycles, directories reached twice, depth, nlink. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { MAX_DEPTH } from '../../../shared/check/tree.ts';
import { openErofs } from '../../../shared/erofs/reader.ts';
import { imageFromDump } from '../../helpers/image-builder.ts';
import { checkBytes, expectFinding, expectNoFinding, fixture, locate, mutate, put16, put64 } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');

test('a dirent pointing back at an ancestor is a cycle, reported at its nid and not followed', { skip: corpusSkip }, async () => {
  const f = await readme();
  const a = await locate(f.reader, '/dir/another_a');
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, a.dirent!.offset, BigInt(f.reader.rootId))));
  const x = expectFinding(r, 'erofs.tree.cycle', a.dirent!.offset, 8);
  assert.equal(x.path, '/dir/another_a');
  // The walk ends: every inode is still checked once.
  assert.equal(r.unreadable, false);
});

test('a directory reachable through a second name is reported at the second dirent', { skip: corpusSkip }, async () => {
  const f = await readme();
  const dir = await locate(f.reader, '/dir');
  const fileA = await locate(f.reader, '/file_a');
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, fileA.dirent!.offset, BigInt(dir.nid))));
  expectFinding(r, 'erofs.tree.dir-hardlink', fileA.dirent!.offset, 8);
  expectNoFinding(r, 'erofs.tree.cycle');
});

test('a directory nlink other than 2 + its subdirectories is reported at i_nlink', { skip: corpusSkip }, async () => {
  const f = await readme();
  const root = await locate(f.reader, '/');
  assert.equal(root.ino.nlink, 3);
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, root.ino.offset + 6, 5)));
  const x = expectFinding(r, 'erofs.tree.nlink', root.ino.offset + 6, 2);
  assert.equal(x.expected, '3');
  assert.equal(x.actual, '5');
});

test('a file nlink other than its number of names is reported for plain EROFS, not for composefs', { skip: corpusSkip }, async () => {
  const f = await fixture('08-mkfs-erofs', 'plain', 'image.erofs');
  const hello = await locate(f.reader, '/hello.txt');
  assert.equal(hello.ino.nlink, 2);
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, hello.ino.offset + 6, 1)));
  expectFinding(r, 'erofs.tree.nlink', hello.ino.offset + 6, 2);

  // composefs keeps the nlink its dump gave a file (upstream images carry such), so it is not judged.
  const c = await readme();
  const fileA = await locate(c.reader, '/file_a');
  expectNoFinding(await checkBytes(mutate(c.bytes, (b) => put16(b, fileA.ino.offset + 6, 7))), 'erofs.tree.nlink');
});

test('a tree deeper than 4096 directories is reported at the first dirent beyond, and not followed', async () => {
  const lines = ['/ 4096 40755 2 0 0 0 0.0 - - -'];
  let path = '';
  for (let depth = 1; depth <= MAX_DEPTH + 2; depth++) {
    path += '/a';
    lines.push(`${path} 4096 40755 2 0 0 0 0.0 - - -`);
  }
  const image = imageFromDump(lines.join('\n') + '\n');
  const reader = await openErofs(memorySource(image));
  const beyond = await locate(reader, '/a'.repeat(MAX_DEPTH + 1));
  const r = await checkBytes(image);
  const x = expectFinding(r, 'erofs.tree.too-deep', beyond.dirent!.offset, 8);
  assert.equal(x.path, '/a'.repeat(MAX_DEPTH + 1));
  assert.equal(r.findings.length, 1, 'nothing else: the inode count is not judged on a walk cut short');
});
