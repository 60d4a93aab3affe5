import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { countingSource, memorySource } from '../../../shared/bytes/source.ts';
import { S_IFCHR, S_IFDIR } from '../../../shared/model.ts';
import { openOciTar } from '../../../shared/oci/reader.ts';
import { decodeDev, latin1Of, openBytes, walkLayer } from './oci-helpers.ts';
import { concat, END, entry, gnuLong, pax, paxRecord, tar } from './tar-builder.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('OCI layer reader', () => {
  test('pax path and linkpath override the header name and linkname', async () => {
    const long = 'p/'.repeat(80) + 'link';
    const r = await openBytes(tar(pax({ path: long, linkpath: 'the/real/target' }), entry({ name: 'short', typeflag: '2', linkname: 'wrong' })));
    const w = (await walkLayer(r)).get(long)!;
    assert.equal(w.node.kind, 'symlink');
    assert.equal(text(w.node.target!), 'the/real/target');
    assert.deepEqual(r.info().features.includes('pax'), true);
  });

  test('GNU ././@LongLink L and K members name the next member and its target', async () => {
    const name = 'n'.repeat(200);
    const target = 't'.repeat(150);
    const r = await openBytes(tar(gnuLong(name, 'L'), gnuLong(target, 'K'), entry({ name: 'cut', typeflag: '2', linkname: 'cut', dialect: 'gnu' })));
    const w = (await walkLayer(r)).get(name)!;
    assert.equal(text(w.node.target!), target);
  });

  test('a pax global header applies to later members until a local record overrides it', async () => {
    const r = await openBytes(tar(
      pax({ uid: '42', 'SCHILY.xattr.user.g': 'global' }, 'g'),
      entry({ name: 'f1' }, 'a'),
      pax({ uid: '7' }),
      entry({ name: 'f2' }, 'b'),
    ));
    const t = await walkLayer(r);
    assert.equal(t.get('f1')!.node.uid, 42);
    assert.equal(t.get('f2')!.node.uid, 7);
    for (const f of ['f1', 'f2']) assert.deepEqual(t.get(f)!.node.xattrs.map((x) => [latin1Of(x.name), text(x.value)]), [['user.g', 'global']]);
  });

  test('LIBARCHIVE.xattr names are %-decoded and their values base64-decoded', async () => {
    const r = await openBytes(tar(pax({ 'LIBARCHIVE.xattr.user.a%3Db': 'AP9oaQ' }), entry({ name: 'f' })));
    const x = (await walkLayer(r)).get('f')!.node.xattrs;
    assert.equal(latin1Of(x[0]!.name), 'user.a=b');
    assert.deepEqual(x[0]!.value, Uint8Array.of(0, 0xff, 0x68, 0x69));
  });

  test('parents no member lists are synthetic 0755 root directories; a later listing gives them attributes', async () => {
    const r = await openBytes(tar(entry({ name: 'a/b/c' }, 'x'), entry({ name: 'a/', typeflag: '5', mode: 0o700, uid: 5 })));
    const t = await walkLayer(r);
    const b = t.get('a/b')!.node;
    assert.equal(b.mode, S_IFDIR | 0o755);
    assert.deepEqual([b.uid, b.gid, b.mtime.sec], [0, 0, 0]);
    assert.match(b.layout!, /synthetic/);
    const a = t.get('a')!.node;
    assert.equal(a.mode, S_IFDIR | 0o700);
    assert.equal(a.uid, 5);
    assert.doesNotMatch(a.layout!, /synthetic/);
    assert.deepEqual(r.tree.findings, [], 'listing an implied directory later is not a duplicate');
    assert.equal(r.info().fields.find((f) => f.label === 'Synthetic directories')!.value, '1');
  });

  test('hardlinks share their target node; nlink counts names, and subdirectories for directories', async () => {
    const r = await openBytes(tar(
      entry({ name: 'd/', typeflag: '5' }),
      entry({ name: 'd/f' }, 'data'),
      entry({ name: 'd/sub/', typeflag: '5' }),
      entry({ name: 'd/sub/h', typeflag: '1', linkname: 'd/f' }),
      entry({ name: 'h2', typeflag: '1', linkname: './d/f' }),
    ));
    const t = await walkLayer(r);
    const f = t.get('d/f')!;
    assert.equal(t.get('d/sub/h')!.id, f.id);
    assert.equal(t.get('h2')!.id, f.id);
    assert.equal(f.node.nlink, 3);
    assert.equal(t.get('d')!.node.nlink, 3);
    assert.equal(t.get('')!.node.nlink, 3);
    assert.equal(text(await r.readData(t.get('h2')!.id, 0, 100)), 'data');
  });

  test('device numbers are stored as the kernel new_encode_dev value, like EROFS', async () => {
    const r = await openBytes(tar(
      entry({ name: 'c', typeflag: '3', devmajor: 4095, devminor: 1048575 }),
      entry({ name: 'b', typeflag: '4', devmajor: 8, devminor: 1 }),
      entry({ name: 'p', typeflag: '6' }),
    ));
    const t = await walkLayer(r);
    assert.deepEqual(decodeDev(t.get('c')!.node.rdev), { major: 4095, minor: 1048575 });
    assert.equal(t.get('b')!.node.rdev, 0x801);
    assert.equal(t.get('p')!.node.kind, 'fifo');
    assert.equal(t.get('c')!.node.mode, S_IFCHR | 0o644);
  });

  test('readData returns the member bytes at any offset and clips at the file size', async () => {
    const data = Uint8Array.from({ length: 1500 }, (_, i) => i % 251);
    const r = await openBytes(tar(entry({ name: 'f' }, data)));
    const id = (await walkLayer(r)).get('f')!.id;
    assert.deepEqual(await r.readData(id, 0, 1500), data);
    assert.deepEqual(await r.readData(id, 700, 100), data.subarray(700, 800));
    assert.deepEqual(await r.readData(id, 1400, 1000), data.subarray(1400));
    assert.equal((await r.readData(id, 1500, 10)).length, 0);
  });

  test('an uncompressed layer is read lazily: opening reads headers, not file data', async () => {
    const big = new Uint8Array(8 << 20).fill(7);
    const src = countingSource(memorySource(tar(entry({ name: 'big' }, big), entry({ name: 'after' }, 'tail'))));
    const r = await openOciTar(src);
    assert.ok(src.bytesRead < 1 << 20, `read ${src.bytesRead} bytes to open an ${src.size}-byte layer`);
    const id = (await walkLayer(r)).get('big')!.id;
    const before = src.bytesRead;
    assert.deepEqual(await r.readData(id, 5 << 20, 16), new Uint8Array(16).fill(7));
    assert.ok(src.bytesRead - before <= 16, 'readData reads just the range asked for');
  });

  test('pax 0.0 and 0.1 sparse maps read back with holes as zeros', async () => {
    const expected = new Uint8Array(10000);
    expected.set(new TextEncoder().encode('AAAAA'), 100);
    expected.set(new TextEncoder().encode('BBB'), 9000);
    const v01 = pax({ 'GNU.sparse.size': '10000', 'GNU.sparse.numblocks': '2', 'GNU.sparse.map': '100,5,9000,3', 'GNU.sparse.name': 'real01' });
    const v00 = pax(concat(
      paxRecord('GNU.sparse.size', '10000'), paxRecord('GNU.sparse.numblocks', '2'),
      paxRecord('GNU.sparse.offset', '100'), paxRecord('GNU.sparse.numbytes', '5'),
      paxRecord('GNU.sparse.offset', '9000'), paxRecord('GNU.sparse.numbytes', '3'),
    ));
    const r = await openBytes(tar(v01, entry({ name: 'GNUSparseFile.1/real01' }, 'AAAAABBB'), v00, entry({ name: 'real00' }, 'AAAAABBB')));
    const t = await walkLayer(r);
    for (const name of ['real01', 'real00']) {
      const w = t.get(name)!;
      assert.equal(w.node.size, 10000, name);
      assert.deepEqual(await r.readData(w.id, 0, 10000), expected, name);
      assert.deepEqual(await r.readData(w.id, 8990, 20), expected.subarray(8990, 9010), `${name}: a read across a hole and data`);
    }
    assert.ok(!t.has('GNUSparseFile.1'), 'GNU.sparse.name replaces the placeholder path');
  });

  test('a pre-POSIX regular-file member whose name ends in "/" is a directory', async () => {
    const r = await openBytes(tar(entry({ name: 'olddir/', typeflag: '\0', dialect: 'v7' }), entry({ name: 'cont', typeflag: '7' }, 'c')));
    const t = await walkLayer(r);
    assert.equal(t.get('olddir')!.node.kind, 'dir');
    assert.equal(t.get('cont')!.node.kind, 'file', "'7' (contiguous) is a regular file");
  });

  test('node ranges name the extended header, the header and the data at their stream offsets', async () => {
    const r = await openBytes(tar(entry({ name: 'first' }, 'x'), pax({ mtime: '1.5' }), entry({ name: 'f' }, 'hello')));
    const n = (await walkLayer(r)).get('f')!.node;
    assert.deepEqual(n.ranges.map((x) => [x.label, x.offset, x.length]), [
      ['pax extended header', 1024, 1024],
      ['ustar header', 2048, 512],
      ['data', 2560, 5],
    ]);
    assert.deepEqual(n.data, { kind: 'blocks', extents: [{ offset: 2560, length: 5, fileOffset: 0 }] });
    assert.deepEqual(n.mtime, { sec: 1, nsec: 500_000_000 });
  });

  test('bytes() serves the stream and clips at its end', async () => {
    const bytes = tar(entry({ name: 'f' }, 'x'));
    const r = await openBytes(bytes);
    assert.equal(r.size, bytes.length);
    assert.deepEqual(await r.bytes(0, 512), bytes.subarray(0, 512));
    assert.equal((await r.bytes(bytes.length - 10, 100)).length, 10);
  });

  test('asking a directory for data or a file for children rejects with a DecodeError', async () => {
    const r = await openBytes(tar(entry({ name: 'd/', typeflag: '5' }), entry({ name: 'f' }, 'x')));
    const t = await walkLayer(r);
    await assert.rejects(r.readData(t.get('d')!.id, 0, 1), DecodeError);
    await assert.rejects(r.children(t.get('f')!.id), DecodeError);
    await assert.rejects(r.node(9999), DecodeError);
  });

  test('an archive of just the end marker opens as an empty layer', async () => {
    const r = await openBytes(END);
    assert.deepEqual(await r.children(r.rootId), []);
    assert.equal(r.info().fields.find((f) => f.label === 'End of archive')!.value, '0x0');
  });

  test('bytes that hold no tar header are rejected as not a tar', async () => {
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) % 256);
    await assert.rejects(openBytes(junk), (e: unknown) => e instanceof DecodeError && e.code === 'oci.tar.not-tar');
  });
});
