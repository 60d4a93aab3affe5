/** Xattr rules: the area, the ibody header, inline entries, shared ids, prefixes and the name filter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { checkBytes, expectFinding, expectNoFinding, fixture, ibody, locate, mutate, put16, put32, put8, xattrEntry } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');

test('an xattr area of only the 12-byte header (i_xattr_icount 1) is reported at the count', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  assert.equal(small.ino.xattrSize, 0);
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset + 2, 1)));
  expectFinding(r, 'erofs.xattr.header-only', small.ino.offset + 2, 2);
});

test('an xattr area running past the image end is reported at i_xattr_icount, the area to the image end as its region', { skip: corpusSkip }, async () => {
  const f = await readme();
  const small = await locate(f.reader, '/small');
  const start = small.ino.offset + small.ino.inodeSize;
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, small.ino.offset + 2, 0xffff)));
  const x = expectFinding(r, 'erofs.xattr.out-of-bounds', small.ino.offset + 2, 2);
  assert.deepEqual(x.region, { offset: start, length: f.bytes.length - start });
});

test('h_shared_count larger than the area holds is reported at the count byte', { skip: corpusSkip }, async () => {
  const f = await readme();
  const file = await locate(f.reader, '/file_a');
  const { offset, header } = await ibody(f.reader, file.ino);
  assert.equal(header.sharedCount, 2);
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, offset + 4, 200)));
  const x = expectFinding(r, 'erofs.xattr.shared-count', offset + 4, 1);
  assert.equal(x.actual, '200');
});

test('an inline entry whose value runs past the xattr area is reported at the entry', { skip: corpusSkip }, async () => {
  const f = await readme();
  const file = await locate(f.reader, '/file_b');
  const e = await xattrEntry(f.reader, file.ino, 'trusted.overlay.metacopy');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, e.offset + 2, 0xffff)));
  expectFinding(r, 'erofs.xattr.entry-out-of-bounds', e.offset, 4);
});

test('a shared xattr id pointing past the image is reported at the id', { skip: corpusSkip }, async () => {
  const f = await readme();
  const file = await locate(f.reader, '/file_a');
  const { offset } = await ibody(f.reader, file.ino);
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, offset + 12, 0x7fffffff)));
  const x = expectFinding(r, 'erofs.xattr.shared-out-of-bounds', offset + 12, 4);
  assert.equal(x.path, '/file_a');
});

test('an unknown name index is reported at e_name_index, inline or shared', { skip: corpusSkip }, async () => {
  const f = await readme();
  const inline = await xattrEntry(f.reader, (await locate(f.reader, '/file_b')).ino, 'trusted.overlay.redirect');
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, inline.offset + 1, 9)));
  expectFinding(r, 'erofs.xattr.prefix', inline.offset + 1, 1);

  const shared = await xattrEntry(f.reader, (await locate(f.reader, '/file_a')).ino, 'trusted.overlay.redirect');
  const r2 = await checkBytes(mutate(f.bytes, (b) => put8(b, shared.offset + 1, 0x42)));
  const hits = r2.findings.filter((x) => x.code === 'erofs.xattr.prefix' && x.offset === shared.offset + 1);
  // Both files that share the entry are told about it.
  assert.deepEqual(hits.map((x) => x.path).sort(), ['/dir/another_a', '/file_a']);
});

test('a name filter that marks a present name absent is reported at h_name_filter', { skip: corpusSkip }, async () => {
  const f = await readme();
  for (const path of ['/file_b', '/file_a']) {
    const file = await locate(f.reader, path);
    const { offset } = await ibody(f.reader, file.ino);
    const r = await checkBytes(mutate(f.bytes, (b) => put32(b, offset, 0xffffffff)));
    const x = expectFinding(r, 'erofs.xattr.filter', offset, 4);
    assert.equal(x.actual, '0xffffffff');
  }
});

test('extra clear bits in the name filter only cost lookups and are not reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const file = await locate(f.reader, '/file_b');
  const { offset } = await ibody(f.reader, file.ino);
  expectNoFinding(await checkBytes(mutate(f.bytes, (b) => put32(b, offset, 0))), 'erofs.xattr.filter');
});
