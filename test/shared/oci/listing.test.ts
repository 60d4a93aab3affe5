/**
 * Conformance with GNU tar: archives made by `tar` from real directories, in every header dialect
 * and compression, must list exactly as `tar --list --verbose` lists them, and every regular file
 * must read back with the content `tar -x` extracts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { openImage } from '../../../shared/open.ts';
import type { OciTarReader } from '../../../shared/oci/reader.ts';
import { extractedHashes, hasTool, listTar, makeSourceTree, removeDir, run, tempDir, type ListedEntry, type SourceTree } from './gnu-tar.ts';
import { decodeDev, latin1Of, openFile, permString, sha256Of, walkLayer, type Walked } from './oci-helpers.ts';

const KIND_OF_TYPE: Record<string, string> = { '-': 'file', d: 'dir', l: 'symlink', c: 'chardev', b: 'blockdev', p: 'fifo' };

/** Compares our reading of `tarPath` with GNU tar's listing and extraction, entry by entry. */
async function assertMatchesGnuTar(tarPath: string, layerPath = tarPath): Promise<{ reader: OciTarReader; ours: Map<string, Walked>; listed: ListedEntry[] }> {
  const listed = listTar(tarPath);
  const reader = await openFile(layerPath);
  const ours = await walkLayer(reader);
  const where = (e: ListedEntry) => `${e.type} ${JSON.stringify(e.path)}`;

  for (const e of listed) {
    const w = ours.get(e.path);
    assert.ok(w, `${where(e)}: listed by tar but missing from our tree`);
    const n = w.node;
    if (e.type === 'h') {
      const target = ours.get(e.link!);
      assert.ok(target, `${where(e)}: hardlink target ${e.link} missing`);
      assert.equal(w.id, target.id, `${where(e)}: a hardlink shares its target's node`);
      assert.notEqual(n.kind, 'dir');
    } else {
      assert.equal(n.kind, KIND_OF_TYPE[e.type], `${where(e)}: kind`);
    }
    assert.equal(permString(n.mode), e.perms, `${where(e)}: permission bits`);
    assert.equal(n.uid, e.uid, `${where(e)}: uid`);
    assert.equal(n.gid, e.gid, `${where(e)}: gid`);
    assert.deepEqual(n.mtime, e.mtime, `${where(e)}: mtime`);
    if (e.major !== undefined) assert.deepEqual(decodeDev(n.rdev), { major: e.major, minor: e.minor }, `${where(e)}: device numbers`);
    else if (e.type === '-') assert.equal(n.size, e.size, `${where(e)}: size`);
    else assert.equal(e.size, 0, `${where(e)}: tar lists no size for non-files`);
    if (e.type === 'l') {
      assert.equal(latin1Of(n.target!), e.link, `${where(e)}: symlink target`);
      assert.equal(n.size, n.target!.length, `${where(e)}: a symlink's size is its target length`);
    }
    for (const x of e.xattrs) {
      const mine = n.xattrs.find((y) => latin1Of(y.name) === x.name);
      assert.ok(mine, `${where(e)}: xattr ${x.name}`);
      assert.equal(mine.value.length, x.size, `${where(e)}: xattr ${x.name} size`);
    }
  }
  const listedPaths = new Set(listed.map((e) => e.path));
  for (const path of ours.keys()) assert.ok(listedPaths.has(path), `our tree has ${JSON.stringify(path)}, which tar does not list`);

  const hashes = extractedHashes(tarPath);
  assert.ok(hashes.size > 0);
  for (const [path, hash] of hashes) {
    const w = ours.get(path);
    assert.ok(w && w.node.kind === 'file', `extracted file ${JSON.stringify(path)} is a file in our tree`);
    assert.equal(await sha256Of(reader, w.id, w.node.size), hash, `content of ${JSON.stringify(path)}`);
  }
  return { reader, ours, listed };
}

function assertXattrsAsSet(ours: Map<string, Walked>, src: SourceTree) {
  assert.ok(src.xattrs.size > 0, 'the source tree has xattrs');
  for (const [path, set] of src.xattrs) {
    const n = ours.get(path)!.node;
    for (const [name, value] of Object.entries(set)) {
      const x = n.xattrs.find((y) => latin1Of(y.name) === name);
      assert.ok(x, `${path}: xattr ${name}`);
      assert.deepEqual(x.value, value, `${path}: xattr ${name} value`);
    }
  }
}

describe('OCI layers made by GNU tar list as tar lists them', () => {
  let src: SourceTree;
  let work: string;
  const tarOf = (name: string, args: string[], root = src.root) => {
    const out = join(work, name);
    run('tar', [...args, '-cf', out, '-C', root, '.']);
    return out;
  };
  before(() => {
    src = makeSourceTree();
    work = tempDir('work');
  });
  after(() => {
    removeDir(src.root);
    removeDir(work);
  });

  test('pax format with xattrs and sparse files: every entry, xattr and content matches tar', async () => {
    const path = tarOf('pax.tar', ['--format=pax', '--xattrs', '--sparse']);
    const { reader, ours } = await assertMatchesGnuTar(path);
    assertXattrsAsSet(ours, src);
    assert.ok(reader.info().features.includes('pax'));
    const sparse = ours.get('sparse')!.node;
    assert.equal(sparse.size, 3 * 1024 * 1024);
    assert.ok(sparse.layout!.includes('sparse, pax 1.0'), sparse.layout);
    assert.ok(sparse.data.kind === 'blocks' && sparse.data.extents.length >= 2, 'sparse data lists its segments');
    assert.deepEqual(ours.get('dir/size-1')!.node.mtime, { sec: -86401, nsec: 500_000_000 }, 'pre-1970 fractional mtime');
    assert.ok(src.devices ? ours.get('cdev')!.node.kind === 'chardev' : true);
  });

  test('GNU format: ././@LongLink names and targets, base-256 ids and times, old GNU sparse', async () => {
    const path = tarOf('gnu.tar', ['--format=gnu', '--sparse']);
    const { reader, ours, listed } = await assertMatchesGnuTar(path);
    assert.ok(listed.some((e) => e.path.length > 255), 'the tree has a path over 255 bytes');
    assert.deepEqual(reader.info().features.filter((f) => f.startsWith('gnu')).sort(), ['gnu', 'gnu-longlink', 'gnu-longname']);
    assert.equal(ours.get('long/sym-300')!.node.target!.length, 300);
    assert.equal(ours.get('dir/size-1')!.node.uid, 3_000_000, 'a uid over 2097151 needs base-256');
    assert.ok(ours.get('sparse')!.node.layout!.includes('old GNU'));
  });

  test('ustar format: prefix/name split paths and v7-compatible fields', async () => {
    const root = join(work, 'ustar-src');
    mkdirSync(join(root, 'p'.repeat(90), 'q'.repeat(60)), { recursive: true });
    writeFileSync(join(root, 'p'.repeat(90), 'q'.repeat(60), 'r'.repeat(90)), 'split');
    writeFileSync(join(root, 'top'), 'top');
    const path = tarOf('ustar.tar', ['--format=ustar', '--owner=0', '--group=0', '--mtime=@1000000000'], root);
    const { ours, reader } = await assertMatchesGnuTar(path);
    assert.deepEqual(reader.info().features.slice(0, 1), ['ustar']);
    assert.ok([...ours.keys()].some((k) => k.length > 200), 'a path longer than the 100-byte name field');
  });

  test('v7 format: no magic, no owner names, still the same listing', async () => {
    const root = join(work, 'v7-src');
    mkdirSync(join(root, 'd'), { recursive: true });
    writeFileSync(join(root, 'd', 'f'), 'v7 data');
    run('ln', ['-s', 'd/f', join(root, 's')]);
    const path = tarOf('v7.tar', ['--format=v7', '--mtime=@1000000000'], root);
    const { reader } = await assertMatchesGnuTar(path);
    assert.deepEqual(reader.info().features.slice(0, 1), ['v7']);
  });

  test('gzip-compressed pax layer reads exactly like the uncompressed one', { skip: hasTool('gzip') ? false : 'gzip is not installed' }, async () => {
    const path = tarOf('gz.tar', ['--format=pax', '--xattrs', '--sparse']);
    run('gzip', ['-k', '-9', path]);
    const { reader, ours } = await assertMatchesGnuTar(path, path + '.gz');
    assert.equal(reader.compression, 'gzip');
    assert.equal(reader.size, readFileSync(path).length, 'size is the decompressed stream');
    assertXattrsAsSet(ours, src);
  });

  test('zstd-compressed pax layer reads exactly like the uncompressed one', { skip: hasTool('zstd') ? false : 'zstd is not installed' }, async () => {
    const path = tarOf('zst.tar', ['--format=pax', '--xattrs', '--sparse']);
    run('zstd', ['-q', '-19', path, '-o', path + '.zst']);
    const { reader } = await assertMatchesGnuTar(path, path + '.zst');
    assert.equal(reader.compression, 'zstd');
    assert.deepEqual(await reader.bytes(0, 2048), new Uint8Array(readFileSync(path)).subarray(0, 2048), 'bytes() serves the decompressed stream');
  });

  test('openImage detects .tar, .tar.gz and .tar.zst layers as oci-tar', async () => {
    const path = tarOf('detect.tar', ['--format=pax']);
    run('gzip', ['-k', path]);
    const variants = [path, path + '.gz'];
    if (hasTool('zstd')) {
      run('zstd', ['-q', path, '-o', path + '.zst']);
      variants.push(path + '.zst');
    }
    for (const v of variants) {
      const r = await openImage(memorySource(new Uint8Array(readFileSync(v))));
      assert.equal(r.format, 'oci-tar', v);
      assert.ok((await r.children(r.rootId)).length > 5, v);
    }
  });
});
