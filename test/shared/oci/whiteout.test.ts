import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { S_IFCHR } from '../../../shared/model.ts';
import { checkOciTar } from '../../../shared/oci/check.ts';
import { classifyWhiteout } from '../../../shared/oci/whiteout.ts';
import { removeDir, run, tempDir } from './gnu-tar.ts';
import { latin1Of, openBytes, openFile, walkLayer } from './oci-helpers.ts';
import { entry, tar } from './tar-builder.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('whiteout names', () => {
  test('".wh.<name>" whites out <name>; ".wh..wh..opq" is the opaque marker', () => {
    assert.deepEqual(classifyWhiteout(enc('.wh.gone')), { kind: 'whiteout', target: enc('gone') });
    assert.deepEqual(classifyWhiteout(enc('.wh..wh..opq')), { kind: 'opaque' });
    assert.deepEqual(classifyWhiteout(enc('.wh..hidden')), { kind: 'whiteout', target: enc('.hidden') });
    assert.deepEqual(classifyWhiteout(enc('plain')), { kind: 'none' });
    assert.deepEqual(classifyWhiteout(enc('x.wh.y')), { kind: 'none' });
  });

  test('other ".wh..wh." names are AUFS metadata, and whiteouts of "", "." or ".." are invalid', () => {
    assert.equal(classifyWhiteout(enc('.wh..wh.plnk')).kind, 'meta');
    assert.equal(classifyWhiteout(enc('.wh..wh..opq2')).kind, 'meta');
    for (const n of ['.wh.', '.wh..', '.wh...']) assert.equal(classifyWhiteout(enc(n)).kind, 'invalid', n);
  });
});

describe('whiteouts in a layer made by GNU tar', () => {
  test('whiteouts become 0:0 character devices and the opaque marker an xattr on its directory', async () => {
    const src = tempDir('wh-src');
    const out = tempDir('wh-out');
    try {
      mkdirSync(join(src, 'etc', 'opaque'), { recursive: true });
      writeFileSync(join(src, 'etc', '.wh.removed.conf'), '');
      writeFileSync(join(src, 'etc', 'kept.conf'), 'kept');
      writeFileSync(join(src, 'etc', 'opaque', '.wh..wh..opq'), '');
      writeFileSync(join(src, 'etc', 'opaque', 'new'), 'new');
      writeFileSync(join(src, '.wh..wh.plnk'), '');
      const path = join(out, 'layer.tar');
      run('tar', ['--format=pax', '--owner=0', '--group=0', '-cf', path, '-C', src, '.']);
      const r = await openFile(path);
      const t = await walkLayer(r);

      const w = t.get('etc/removed.conf')!.node;
      assert.equal(w.kind, 'chardev');
      assert.equal(w.mode, S_IFCHR, 'no permission bits, like overlayfs mknod(S_IFCHR, 0)');
      assert.equal(w.rdev, 0);
      assert.match(w.layout!, /whiteout/);
      const opaque = t.get('etc/opaque')!.node;
      assert.deepEqual(opaque.xattrs.map((x) => [latin1Of(x.name), latin1Of(x.value)]), [['trusted.overlay.opaque', 'y']]);
      assert.ok(opaque.ranges.some((x) => x.label.startsWith('opaque marker')), 'the marker member is among the directory ranges');
      assert.deepEqual([...t.keys()].filter((k) => k.includes('.wh.')), [], 'no marker name is shown as an entry');
      assert.equal(t.get('etc/opaque/new')!.node.kind, 'file', 'an opaque directory keeps what this layer puts in it');
      assert.deepEqual(checkOciTar(r).map((f) => [f.code, f.severity]), [['oci.whiteout.aufs-meta', 'info']]);
      assert.ok(r.info().features.includes('whiteouts') && r.info().features.includes('opaque'));
    } finally {
      removeDir(src);
      removeDir(out);
    }
  });
});

describe('whiteouts next to what they hide', () => {
  for (const order of ['whiteout first', 'entry first'] as const) {
    test(`a whiteout of an entry the same layer provides is reported and the entry stays (${order})`, async () => {
      const wh = entry({ name: 'd/.wh.x' });
      const file = entry({ name: 'd/x' }, 'content');
      const r = await openBytes(tar(...(order === 'whiteout first' ? [wh, file] : [file, wh])));
      const t = await walkLayer(r);
      assert.equal(t.get('d/x')!.node.kind, 'file');
      const f = checkOciTar(r).filter((x) => x.code === 'oci.whiteout.shadows-entry');
      assert.equal(f.length, 1);
      assert.equal(f[0]!.severity, 'warning');
      assert.equal(f[0]!.path, '/d/x');
      // The whiteout is a header-only member (512 bytes); the file has one data block (1024).
      assert.equal(f[0]!.offset, order === 'whiteout first' ? 512 : 1024, 'the range is the later member\'s name field');
    });
  }

  test('a directory or symlink named ".wh.*" is ordinary content, not a marker', async () => {
    const r = await openBytes(tar(entry({ name: '.wh.dir/', typeflag: '5' }), entry({ name: '.wh.link', typeflag: '2', linkname: 't' })));
    const t = await walkLayer(r);
    assert.equal(t.get('.wh.dir')!.node.kind, 'dir');
    assert.equal(t.get('.wh.link')!.node.kind, 'symlink');
  });

  test('".wh.." is refused as an invalid whiteout that would hide the parent', async () => {
    const r = await openBytes(tar(entry({ name: 'a/.wh..' })));
    const f = checkOciTar(r).find((x) => x.code === 'oci.whiteout.invalid');
    assert.ok(f);
    assert.equal(f.severity, 'error');
    assert.deepEqual(await r.children((await walkLayer(r)).get('a')!.id), []);
  });
});
