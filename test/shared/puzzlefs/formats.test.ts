/**
 * A PuzzleFS image next to plain EROFS: the sample tree written to disk and made into an EROFS
 * image by mkfs.erofs diffs as equal to the PuzzleFS image of it, file content compared by bytes
 * (PuzzleFS stores no timestamps, so mtimes are left out of the comparison).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { diffImages, formatChange } from '../../../shared/diff/index.ts';
import { erofsUtilsSkip } from '../erofs/erofs-utils.ts';
import { isRoot, removeDir, setXattrs, tempDir } from '../oci/gnu-tar.ts';
import { buildPuzzlefs, ENTRIES, puzzlefsSkip, type Built } from './puzzlefs-builder.ts';

describe('PuzzleFS beside plain EROFS', { skip: puzzlefsSkip || erofsUtilsSkip || (!isRoot() && 'needs root to make the device node and set owners') }, () => {
  let img: Built;
  let work: string;
  let erofs: string;
  before(() => {
    img = buildPuzzlefs(ENTRIES);
    work = tempDir('puzzlefs-erofs');
    const root = join(work, 'tree');
    mkdirSync(root);
    for (const e of ENTRIES) {
      const p = join(root, e.path);
      if (e.kind === 'dir') mkdirSync(p);
      else if (e.kind === 'file') writeFileSync(p, e.content!);
      else if (e.kind === 'symlink') symlinkSync(e.target!, p);
      else if (e.kind === 'fifo') execFileSync('mkfifo', [p]);
      else if (e.kind === 'chr') execFileSync('mknod', [p, 'c', String(e.major), String(e.minor)]);
      // chown first: it clears the setuid bit chmod sets.
      execFileSync('chown', ['-h', `${e.uid ?? 0}:${e.gid ?? 0}`, p]);
      if (e.kind !== 'symlink') execFileSync('chmod', [(e.permissions ?? (e.kind === 'dir' ? 0o755 : 0o644)).toString(8), p]);
      if (e.xattrs) assert.ok(setXattrs(p, e.xattrs));
    }
    execFileSync('chmod', ['755', root]);
    erofs = join(work, 'tree.erofs');
    execFileSync('mkfs.erofs', ['--quiet', erofs, root], { stdio: 'ignore' });
  });
  after(() => {
    for (const d of [img?.dir, work]) if (d) removeDir(d);
  });

  test('the same tree as a PuzzleFS image and an EROFS image diffs as equal, content included', async () => {
    const [a, b] = [await openImageFile(erofs), await openImageFile(img.index)];
    try {
      assert.deepEqual((await diffImages(a, b, { ignoreMtime: true })).changes.map(formatChange), []);
      assert.deepEqual((await diffImages(b, a, { ignoreMtime: true })).changes.map(formatChange), []);
      // Not vacuous: with mtimes compared, every entry differs by its mtime alone.
      const lines = (await diffImages(a, b)).changes.map(formatChange);
      assert.equal(lines.length, ENTRIES.length + 1, lines.join('\n'));
      assert.ok(lines.every((l) => / mtime=\d+\.\d+->0\.000000000$/.test(l)), lines.join('\n'));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
