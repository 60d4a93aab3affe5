/** composefs rules on overlayfs xattrs: redirect, metacopy, legacy verity, file data, whiteouts, opaque markers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { checkBytes, expectFinding, expectNoFinding, fixture, locate, mutate, put16, put64, put8, putBytes, xattrEntry, type Fixture } from './corrupt.ts';

const readme = () => fixture('01-readme', 'image.cfs');
const dumpTree = () => fixture('04-dump-tree', 'image.cfs');

async function entry(f: Fixture, path: string, name: string) {
  const node = await locate(f.reader, path);
  return { node, x: await xattrEntry(f.reader, node.ino, name) };
}
const valueAt = (x: { offset: number; suffix: Uint8Array }) => x.offset + 4 + x.suffix.length;

test('a non-empty file with neither redirect, metacopy nor data in the image is reported at i_size', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { node, x: redirect } = await entry(f, '/file_b', 'trusted.overlay.redirect');
  const { x: metacopy } = await entry(f, '/file_b', 'trusted.overlay.metacopy');
  // Renamed to user.overlay.*: present but meaningless to overlayfs.
  const r = await checkBytes(mutate(f.bytes, (b) => (put8(b, redirect.offset + 1, 1), put8(b, metacopy.offset + 1, 1))));
  expectFinding(r, 'composefs.file.no-data', node.ino.offset + 8, 4);
});

test('redirects that climb out of the store, are relative, have empty components or NUL are reported at the entry', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { x } = await entry(f, '/file_b', 'trusted.overlay.redirect');
  const v = valueAt(x);
  const cases: [string, (b: Uint8Array) => void][] = [
    ['composefs.redirect.escape', (b) => putBytes(b, v, '/../')],
    ['composefs.redirect.relative', (b) => put8(b, v, 0x78)],
    ['composefs.redirect.invalid', (b) => put8(b, v + 1, 0x2f)],
    ['composefs.redirect.nul', (b) => put8(b, v + 10, 0)],
  ];
  for (const [code, edit] of cases) expectFinding(await checkBytes(mutate(f.bytes, edit)), code, x.offset, x.size);
});

test('an empty redirect is reported', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { x } = await entry(f, '/file_b', 'trusted.overlay.redirect');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, x.offset + 2, 0)));
  expectFinding(r, 'composefs.redirect.empty', x.offset, (4 + x.suffix.length + 3) & ~3);
});

test('a redirect without metacopy, or naming another object than the digest, is reported at the redirect', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { x } = await entry(f, '/file_b', 'trusted.overlay.redirect');
  const { x: metacopy } = await entry(f, '/file_b', 'trusted.overlay.metacopy');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put8(b, metacopy.offset + 1, 1))), 'composefs.redirect.no-metacopy', x.offset, x.size);
  const v = valueAt(x);
  const hexAt = v + 5;
  const swapped = f.bytes[hexAt] === 0x30 ? 0x31 : 0x30;
  const r = await checkBytes(mutate(f.bytes, (b) => put8(b, hexAt, swapped)));
  const y = expectFinding(r, 'composefs.redirect.digest-mismatch', x.offset, x.size);
  assert.match(y.expected!, /^\/[0-9a-f]{2}\/[0-9a-f]{62}$/);
});

test('a metacopy with bad size, version, len, flags or algorithm is reported at the entry', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { x } = await entry(f, '/file_b', 'trusted.overlay.metacopy');
  assert.equal(x.value.length, 36);
  const v = valueAt(x);
  const cases: [string, (b: Uint8Array) => void][] = [
    ['composefs.metacopy.version', (b) => put8(b, v, 1)],
    ['composefs.metacopy.len', (b) => put8(b, v + 1, 35)],
    ['composefs.metacopy.flags', (b) => put8(b, v + 2, 1)],
    ['composefs.metacopy.algorithm', (b) => put8(b, v + 3, 2)],
  ];
  for (const [code, edit] of cases) expectFinding(await checkBytes(mutate(f.bytes, edit)), code, x.offset, x.size);
  const short = await checkBytes(mutate(f.bytes, (b) => put16(b, x.offset + 2, 2)));
  expectFinding(short, 'composefs.metacopy.size', x.offset, (4 + x.suffix.length + 2 + 3) & ~3);
});

test('a pre-1.0 verity digest that is not 32 bytes is reported at the shared entry, for each file using it', { skip: corpusSkip }, async () => {
  const f = await fixture('09-legacy', 'readme-erofs-v0.1.3', 'image.cfs');
  const { x } = await entry(f, '/file_a', 'trusted.overlay.verity');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, x.offset + 2, 31)));
  const hits = r.findings.filter((y) => y.code === 'composefs.verity.size' && y.offset === x.offset && y.length === x.size);
  assert.deepEqual(hits.map((y) => y.path).sort(), ['/dir/another_a', '/file_a']);
});

test('redirect and metacopy on something other than a regular file are reported as misplaced', { skip: corpusSkip }, async () => {
  const f = await readme();
  const { node, x } = await entry(f, '/file_b', 'trusted.overlay.redirect');
  const r = await checkBytes(mutate(f.bytes, (b) => put16(b, node.ino.offset + 4, 0o020644)));
  expectFinding(r, 'composefs.overlay.misplaced', x.offset, x.size);
});

test('an escaped whiteout on a non-empty file is reported as misplaced', { skip: corpusSkip }, async () => {
  const f = await dumpTree();
  const { node, x } = await entry(f, '/wh/deleted-2', 'trusted.overlay.overlay.whiteout');
  assert.equal(node.ino.extended, true);
  const r = await checkBytes(mutate(f.bytes, (b) => put64(b, node.ino.offset + 8, 5n)));
  expectFinding(r, 'composefs.whiteout.misplaced', x.offset, x.size);
});

test('escaped whiteouts whose parent lacks the opaque "x" and whiteouts markers are reported', { skip: corpusSkip }, async () => {
  const f = await dumpTree();
  const { x: opaque } = await entry(f, '/wh', 'trusted.overlay.overlay.opaque');
  const { x: marker } = await entry(f, '/wh', 'trusted.overlay.overlay.whiteouts');
  const { x: wh } = await entry(f, '/wh/deleted-file', 'trusted.overlay.overlay.whiteout');
  const onlyOpaque = await checkBytes(mutate(f.bytes, (b) => put8(b, valueAt(opaque), 0x79)));
  expectNoFinding(onlyOpaque, 'composefs.whiteout.parent-unmarked');
  const r = await checkBytes(
    mutate(f.bytes, (b) => {
      put8(b, valueAt(opaque), 0x79);
      put8(b, marker.offset + 4 + marker.suffix.length - 1, 0x7a);
    }),
  );
  expectFinding(r, 'composefs.whiteout.parent-unmarked', wh.offset, wh.size);
  // The marker is one shared entry: both whiteouts of /wh are told.
  const paths = r.findings.filter((y) => y.code === 'composefs.whiteout.parent-unmarked').map((y) => y.path);
  assert.deepEqual(paths.sort(), ['/wh/deleted-2', '/wh/deleted-file']);
});

test('opaque markers with a value other than "y" or "x", or on a non-directory, are reported', { skip: corpusSkip }, async () => {
  const f = await dumpTree();
  const { node, x } = await entry(f, '/ovl', 'trusted.overlay.overlay.opaque');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put8(b, valueAt(x), 0x71))), 'composefs.opaque.value', x.offset, x.size);
  const { x: root } = await entry(f, '/', 'trusted.overlay.opaque');
  expectFinding(await checkBytes(mutate(f.bytes, (b) => put8(b, valueAt(root), 0x6e))), 'composefs.opaque.value', root.offset, root.size);
  const asFile = await checkBytes(mutate(f.bytes, (b) => put16(b, node.ino.offset + 4, 0o100644)));
  expectFinding(asFile, 'composefs.whiteout.marker-misplaced', x.offset, x.size);
});
