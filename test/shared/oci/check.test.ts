import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import type { Finding } from '../../../shared/model.ts';
import { checkOciTar } from '../../../shared/oci/check.ts';
import { isOciCode, OCI_CODES } from '../../../shared/oci/codes.ts';
import type { OciTarReader } from '../../../shared/oci/reader.ts';
import { openBytes, walkLayer } from './oci-helpers.ts';
import { concat, END, entry, fixChecksum, header, pax, tar, zeros } from './tar-builder.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** The findings of one code; asserts every finding lies inside the stream. */
function found(r: OciTarReader, code: string): Finding[] {
  const all = checkOciTar(r);
  for (const f of all) {
    assert.ok(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= r.size, `${f.code} range ${f.offset}+${f.length} inside ${r.size}`);
    assert.ok(isOciCode(f.code), `${f.code} is listed in OCI_CODES`);
    assert.equal(f.severity, OCI_CODES[f.code].severity, `${f.code} has its listed severity`);
  }
  return all.filter((f) => f.code === code);
}

function one(r: OciTarReader, code: string, severity: Finding['severity']): Finding {
  const f = found(r, code);
  assert.equal(f.length, 1, `${code}: ${JSON.stringify(checkOciTar(r).map((x) => x.code))}`);
  assert.equal(f[0]!.severity, severity);
  return f[0]!;
}

describe('check rules: decoding', () => {
  test('oci.header.checksum: a damaged header is reported at its chksum field and the scan resumes at the next header', async () => {
    const b = entry({ name: 'b' }, 'y');
    b[0] = 0x42; // name "B" after the checksum was computed
    const r = await openBytes(tar(entry({ name: 'a' }, 'x'), b, entry({ name: 'c' }, 'z')));
    const f = one(r, 'oci.header.checksum', 'error');
    assert.deepEqual([f.offset, f.length], [1024 + 148, 8]);
    assert.ok(f.expected && f.actual && f.expected !== f.actual);
    assert.deepEqual([...(await walkLayer(r)).keys()].sort(), ['', 'a', 'c']);
  });

  test('a checksum computed over signed bytes (historic tars) is accepted', async () => {
    const h = header({ name: new Uint8Array([0xe9, 0xe8]) });
    const sum = h.reduce((a, v, i) => a + (i >= 148 && i < 156 ? 0x20 : v >= 0x80 ? v - 256 : v), 0);
    h.set(enc(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    const r = await openBytes(tar(h));
    assert.deepEqual(found(r, 'oci.header.checksum'), []);
  });

  test('oci.member.truncated: a stream that ends inside member data is reported from the header, and reads past the end reject', async () => {
    const full = tar(entry({ name: 'a' }, 'x'), entry({ name: 'big' }, new Uint8Array(5000).fill(1)));
    const r = await openBytes(full.subarray(0, 1024 + 512 + 3000));
    const f = one(r, 'oci.member.truncated', 'error');
    assert.deepEqual([f.offset, f.length], [1024, 512 + 3000]);
    assert.equal(f.path, 'big');
    const id = (await walkLayer(r)).get('big')!.id;
    assert.deepEqual(await r.readData(id, 0, 3000), new Uint8Array(3000).fill(1));
    await assert.rejects(r.readData(id, 0, 5000), DecodeError);
  });

  test('oci.member.truncated: a stream that ends inside a header block', async () => {
    const r = await openBytes(concat(entry({ name: 'a' }, 'x'), header({ name: 'b' }).subarray(0, 300)));
    const f = one(r, 'oci.member.truncated', 'error');
    assert.deepEqual([f.offset, f.length], [1024, 300]);
  });

  for (const [what, bytes, offset] of [
    ['a length past the data', enc('99 path=x\n'), 512],
    ['a record without "="', enc('10 pathxyz\n'), 512],
    ['a second record without its newline', enc('11 uid=123\n9 gid=456'), 512 + 11],
  ] as const) {
    test(`oci.pax.malformed: ${what} is reported at that record, and the member keeps its header values`, async () => {
      const r = await openBytes(tar(pax(bytes), entry({ name: 'f', uid: 9 })));
      const f = one(r, 'oci.pax.malformed', 'error');
      assert.equal(f.offset, offset);
      const t = await walkLayer(r);
      assert.ok(t.has('f'));
    });
  }

  test('oci.pax.invalid-value: a non-numeric uid is reported at its record and the header uid is kept', async () => {
    const r = await openBytes(tar(pax({ uid: 'abc' }), entry({ name: 'f', uid: 9 })));
    const f = one(r, 'oci.pax.invalid-value', 'error');
    assert.equal(f.offset, 512);
    assert.equal((await walkLayer(r)).get('f')!.node.uid, 9);
  });

  test('oci.header.bad-number: a garbage numeric field is reported at its bytes', async () => {
    const r = await openBytes(tar(entry({ name: 'f', raw: { gid: enc('zz\0') } })));
    const f = one(r, 'oci.header.bad-number', 'error');
    assert.deepEqual([f.offset, f.length], [116, 8]);
  });

  test('oci.header.oversized-extended: an extended header claiming more than 16 MiB is refused without reading it', async () => {
    const h = header({ name: 'PaxHeaders/x', typeflag: 'x', size: 32 << 20 });
    const r = await openBytes(concat(entry({ name: 'before' }, 'x'), h, zeros(2048)));
    assert.equal(one(r, 'oci.header.oversized-extended', 'error').offset, 1024 + 124);
    assert.ok((await walkLayer(r)).has('before'));
  });

  test('oci.tar.no-end-marker and oci.tar.lone-zero-block: how the archive ends', async () => {
    const body = entry({ name: 'f' }, 'x');
    const noEnd = await openBytes(body);
    assert.equal(one(noEnd, 'oci.tar.no-end-marker', 'warning').offset, 1024);
    const lone = await openBytes(concat(body, zeros(512)));
    assert.equal(one(lone, 'oci.tar.lone-zero-block', 'warning').offset, 1024);
    assert.deepEqual(checkOciTar(await openBytes(tar(body))), [], 'two zero blocks end a clean archive');
  });

  test('oci.tar.dangling-extended-header: extended headers with no member after them', async () => {
    const r = await openBytes(concat(pax({ path: 'x' }), END));
    assert.equal(one(r, 'oci.tar.dangling-extended-header', 'warning').offset, 0);
  });

  test('oci.sparse.bad-map: a segment beyond the real size; the stored bytes are shown as they are', async () => {
    const r = await openBytes(tar(pax({ 'GNU.sparse.size': '100', 'GNU.sparse.map': '90,20' }), entry({ name: 's' }, 'x'.repeat(20))));
    one(r, 'oci.sparse.bad-map', 'error');
    assert.equal((await walkLayer(r)).get('s')!.node.size, 20);
  });
});

describe('check rules: paths and links', () => {
  test('oci.path.escape: a path climbing above the root is not applied', async () => {
    const r = await openBytes(tar(entry({ name: '../evil' }, 'x'), entry({ name: 'a/../../evil2' }, 'x')));
    const f = found(r, 'oci.path.escape');
    assert.deepEqual(f.map((x) => [x.severity, x.offset, x.length]), [['error', 0, 7], ['error', 1024, 13]]);
    assert.deepEqual([...(await walkLayer(r)).keys()], [''], 'neither is applied, nor the parent the second names on its way out');
  });

  test('oci.path.escape: a hardlink whose target climbs above the root, reported at the linkname', async () => {
    const r = await openBytes(tar(entry({ name: 'h', typeflag: '1', linkname: '../../etc/shadow' })));
    const f = one(r, 'oci.path.escape', 'error');
    assert.deepEqual([f.offset, f.length], [157, 16]);
  });

  test('oci.path.absolute: a leading "/" is reported and the member applied below the root', async () => {
    const r = await openBytes(tar(entry({ name: '/abs/file' }, 'x')));
    one(r, 'oci.path.absolute', 'warning');
    assert.ok((await walkLayer(r)).has('abs/file'));
  });

  test('oci.path.dotdot: ".." that stays inside the root is reported and resolved', async () => {
    const r = await openBytes(tar(entry({ name: 'a/../b' }, 'x')));
    one(r, 'oci.path.dotdot', 'warning');
    assert.ok((await walkLayer(r)).has('b'));
  });

  test('oci.path.duplicate: the later member wins for files; a directory listed twice keeps its entries', async () => {
    const r = await openBytes(tar(
      entry({ name: 'f' }, 'first'), entry({ name: 'f' }, 'second'),
      entry({ name: 'd/', typeflag: '5' }), entry({ name: 'd/x' }, 'x'), entry({ name: 'd/', typeflag: '5', mode: 0o700 }),
    ));
    const f = found(r, 'oci.path.duplicate');
    assert.deepEqual(f.map((x) => [x.severity, x.path, x.offset]), [['warning', '/f', 1024], ['warning', '/d', 3584]]);
    const t = await walkLayer(r);
    assert.equal(new TextDecoder().decode(await r.readData(t.get('f')!.id, 0, 10)), 'second');
    assert.ok(t.has('d/x'));
    assert.equal(t.get('d')!.node.mode & 0o7777, 0o700);
  });

  test('oci.path.duplicate: a file replacing a directory says which entries it drops', async () => {
    const r = await openBytes(tar(entry({ name: 'd/', typeflag: '5' }), entry({ name: 'd/x' }, 'x'), entry({ name: 'd' }, 'file now')));
    assert.match(one(r, 'oci.path.duplicate', 'warning').message, /dropping the 1 entries/);
    assert.equal((await walkLayer(r)).get('d')!.node.kind, 'file');
  });

  test('oci.path.conflict: a non-directory where earlier paths implied a directory is not applied', async () => {
    const r = await openBytes(tar(entry({ name: 'a/b' }, 'x'), entry({ name: 'a' }, 'file')));
    one(r, 'oci.path.conflict', 'error');
    assert.equal((await walkLayer(r)).get('a')!.node.kind, 'dir');
  });

  test('oci.path.parent-not-dir: members below a file or a symlink are not applied', async () => {
    const r = await openBytes(tar(entry({ name: 'f' }, 'x'), entry({ name: 'f/y' }, 'y'), entry({ name: 'l', typeflag: '2', linkname: '/etc' }), entry({ name: 'l/passwd' }, 'p')));
    const f = found(r, 'oci.path.parent-not-dir');
    assert.equal(f.length, 2);
    assert.match(f[1]!.message, /symlink/);
    assert.deepEqual([...(await walkLayer(r)).keys()].sort(), ['', 'f', 'l']);
  });

  test('oci.hardlink.missing-target: a link to a path no earlier member provides, forward references included', async () => {
    const r = await openBytes(tar(entry({ name: 'h1', typeflag: '1', linkname: 'nope' }), entry({ name: 'h2', typeflag: '1', linkname: 'later' }), entry({ name: 'later' }, 'x')));
    const f = found(r, 'oci.hardlink.missing-target');
    assert.deepEqual(f.map((x) => [x.severity, x.offset, x.expected]), [['error', 157, '/nope'], ['error', 512 + 157, '/later']]);
    assert.deepEqual([...(await walkLayer(r)).keys()].sort(), ['', 'later']);
  });

  test('oci.hardlink.to-directory: hardlinks to directories are refused', async () => {
    const r = await openBytes(tar(entry({ name: 'd/', typeflag: '5' }), entry({ name: 'h', typeflag: '1', linkname: 'd' })));
    one(r, 'oci.hardlink.to-directory', 'error');
  });
});

describe('check rules: members', () => {
  test('oci.member.sparse: sparse files are reported with their map', async () => {
    const r = await openBytes(tar(pax({ 'GNU.sparse.size': '100', 'GNU.sparse.map': '10,2' }), entry({ name: 's' }, 'ab')));
    assert.match(one(r, 'oci.member.sparse', 'info').message, /1 data segments, real size 100/);
  });

  test('oci.member.data-on-non-file: a symlink that stores data', async () => {
    const r = await openBytes(tar(entry({ name: 'l', typeflag: '2', linkname: 't' }, 'extra')));
    const f = one(r, 'oci.member.data-on-non-file', 'warning');
    assert.deepEqual([f.offset, f.actual], [124, '5']);
  });

  test('oci.member.unknown-type: read as a regular file, like GNU tar', async () => {
    const r = await openBytes(tar(entry({ name: 'z', typeflag: 'Z' }, 'data')));
    assert.equal(one(r, 'oci.member.unknown-type', 'warning').offset, 156);
    assert.equal((await walkLayer(r)).get('z')!.node.kind, 'file');
  });

  test('checkOciTar includes the reader findings and orders everything by offset', async () => {
    const b = entry({ name: 'b' }, 'y');
    b[0] = 0x42;
    const r = await openBytes(tar(entry({ name: '/abs' }, 'x'), b, entry({ name: 'abs' }, 'again')));
    const all = checkOciTar(r);
    for (const f of r.findings()) assert.ok(all.includes(f));
    assert.deepEqual(all.map((f) => f.code), ['oci.path.absolute', 'oci.header.checksum', 'oci.path.duplicate']);
    assert.deepEqual(all.map((f) => f.offset), [...all.map((f) => f.offset)].sort((x, y) => x - y));
  });
});

test('fixChecksum in the builder makes a header valid again after an edit', async () => {
  const h = header({ name: 'a' });
  h[0] = 0x62;
  const r = await openBytes(tar(fixChecksum(h)));
  assert.ok((await walkLayer(r)).has('b'));
});
