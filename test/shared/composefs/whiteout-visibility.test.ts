/**
 * Which whiteouts the listings hide: only the 256 bookkeeping whiteouts "00".."ff" mkcomposefs
 * adds to a composefs root. In a plain EROFS or legacy image a char device 0:0 is the user's own
 * whiteout (an overlayfs layer as mkfs.erofs packs it) and is listed like any other entry.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { lsLine, walkComposefs } from '../../../shared/composefs/dump.ts';
import { openLegacy } from '../../../shared/legacy/reader.ts';
import { openImage } from '../../../shared/open.ts';
import { bytesToString, S_IFCHR, S_IFDIR, S_IFREG, type ImageReader } from '../../../shared/model.ts';
import { buildImage, openBytes } from '../../helpers/image-builder.ts';
import { erofsUtilsSkip, mkfsErofs, removeDir, tempDir } from '../erofs/erofs-utils.ts';
import { buildLegacy } from '../legacy/build.ts';

async function listing(r: ImageReader): Promise<string[]> {
  const lines: string[] = [];
  await walkComposefs(r, (e) => void (e.depth > 0 && lines.push(lsLine(e))));
  return lines;
}

describe('whiteouts in plain EROFS images made by mkfs.erofs', { skip: erofsUtilsSkip }, () => {
  const dir = tempDir('cfs-wh-');
  after(() => removeDir(dir));

  test('a whiteout (char 0:0) is listed, including one named like a bookkeeping whiteout', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'file'), 'x');
    execFileSync('mknod', [join(src, 'wh'), 'c', '0', '0']);
    execFileSync('mknod', [join(src, 'ab'), 'c', '0', '0']);
    execFileSync('mknod', [join(src, 'sub', 'gone'), 'c', '0', '0']);
    const image = join(dir, 'x.erofs');
    mkfsErofs(image, src, []);
    const r = await openImage(memorySource(new Uint8Array(readFileSync(image))));
    assert.equal(r.format, 'erofs');
    assert.deepEqual(await listing(r), ['/ab\n', '/file\n', '/sub/\t\n', '/sub/gone\n', '/wh\n']);
  });
});

describe('whiteouts in legacy descriptors', () => {
  test('a char device 0:0 in the root is listed', async () => {
    const built = buildLegacy([
      { mode: S_IFDIR | 0o755, nlink: 2, children: [{ name: '00', ino: 1 }, { name: 'file', ino: 2 }] },
      { mode: S_IFCHR | 0o644, rdev: 0 },
      { mode: S_IFREG | 0o644 },
    ]);
    const r = await openLegacy(memorySource(built.bytes));
    assert.deepEqual(await listing(r), ['/00\n', '/file\n']);
  });
});

describe('whiteouts in composefs images', () => {
  test('the root bookkeeping whiteouts stay hidden; a user whiteout (escaped) is listed', async () => {
    const r = await openBytes(buildImage({ entries: [{ path: '/wh', type: 'whiteout' }, { path: '/d/ab', type: 'whiteout' }] }));
    assert.equal(r.format, 'composefs');
    const paths: string[] = [];
    let bookkeepingSeen = 0;
    for (const e of await r.children(r.rootId)) if (/^[0-9a-f]{2}$/.test(bytesToString(e.name))) bookkeepingSeen++;
    await walkComposefs(r, (e) => void (e.depth > 0 && paths.push(bytesToString(e.path))));
    assert.equal(bookkeepingSeen, 256);
    assert.deepEqual(paths, ['/d', '/d/ab', '/wh']);
  });
});
