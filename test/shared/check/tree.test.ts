/** Whole-tree rules: cycles, directories reached twice, nlink. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
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
