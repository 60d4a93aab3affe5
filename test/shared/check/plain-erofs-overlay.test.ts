/**
 * composefs rules apply to composefs images only. A plain EROFS image made by mkfs.erofs from an
 * overlayfs layer keeps overlay xattrs as the layer's own data (an opaque marker on a file, a
 * redirect on a directory): fsck.erofs calls it clean, and so does check. The same xattrs in a
 * composefs image still raise the composefs findings.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildImage } from '../../helpers/image-builder.ts';
import { erofsUtilsSkip, mkfsErofs, removeDir, tempDir } from '../erofs/erofs-utils.ts';
import { checkBytes } from './corrupt.ts';

const setXattr = (p: string, name: string, value: string) =>
  execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', p, name, value]);

describe('overlay xattrs in a plain EROFS image', { skip: erofsUtilsSkip }, () => {
  const dir = tempDir('cfs-ovl-');
  after(() => removeDir(dir));

  test('a file with trusted.overlay.opaque and a directory with a redirect: no findings, as fsck.erofs says', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'moved'), { recursive: true });
    writeFileSync(join(src, 'file'), 'data');
    setXattr(join(src, 'file'), 'trusted.overlay.opaque', 'y');
    setXattr(join(src, 'moved'), 'trusted.overlay.redirect', '/old');
    setXattr(join(src, 'moved'), 'trusted.overlay.metacopy', '');
    const image = join(dir, 'layer.erofs');
    mkfsErofs(image, src, []);
    execFileSync('fsck.erofs', [image]);
    const r = await checkBytes(new Uint8Array(readFileSync(image)));
    assert.equal(r.unreadable, false);
    assert.deepEqual(r.findings, []);
  });
});

describe('the same xattrs in a composefs image', () => {
  test('still raise the composefs rules', async () => {
    const image = buildImage({ entries: [{ path: '/file', content: 'data', xattrs: { 'trusted.overlay.opaque': 'y' } }] });
    const r = await checkBytes(image);
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity]), [['composefs.whiteout.marker-misplaced', 'warning']]);
  });
});
