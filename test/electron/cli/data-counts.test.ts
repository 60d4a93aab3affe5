/**
 * `info` counts every file whose bytes are in the image, whatever the layout, broken down by
 * layout; `verify` calls exactly those files "inline", and empty (or all-hole) files "empty".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { corpusPath, corpusSkip, REPO_ROOT } from '../../helpers/corpus.ts';
import { chunkedErofs } from '../../helpers/erofs-builder.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });

interface InfoJson {
  counts: { withImageData: number; imageDataByLayout: Record<string, number> };
}
const info = (path: string): InfoJson => {
  const r = cli('info', path, '--json', '--no-digest');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as InfoJson;
};
const verifyCounts = (path: string): Record<string, number> => {
  const r = cli('verify', path, '--basedir', tmpdir(), '--json');
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { counts: Record<string, number> }).counts;
};

describe('files with data in the image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('chunked files with a real chunk count; a file of holes only does not', () => {
    const p = join(dir, 'chunked.erofs');
    writeFileSync(p, chunkedErofs([
      { name: 'data', chunkBits: 12, size: 8192, chunks: { 1: new Uint8Array([1, 2, 3]) } },
      { name: 'holes', chunkBits: 12, size: 8192, chunks: {} },
    ]));
    assert.deepEqual(info(p).counts.withImageData, 1);
    assert.deepEqual(info(p).counts.imageDataByLayout, { chunks: 1 });
    assert.deepEqual(verifyCounts(p), { inline: 1, empty: 1 });
  });

  test('08-mkfs-erofs chunked-4k: every file with content counts, as chunked', { skip: corpusSkip }, () => {
    const p = corpusPath('08-mkfs-erofs', 'chunked-4k', 'image.erofs');
    const c = info(p).counts;
    assert.equal(c.withImageData, 12);
    assert.deepEqual(c.imageDataByLayout, { chunks: 12 });
    assert.deepEqual(verifyCounts(p), { inline: 12, empty: 401 });
  });

  test('08-mkfs-erofs lz4hc-ztail: compressed files count too, by layout', { skip: corpusSkip }, () => {
    const c = info(corpusPath('08-mkfs-erofs', 'lz4hc-ztail', 'image.erofs')).counts;
    assert.equal(c.withImageData, 12);
    assert.deepEqual(c.imageDataByLayout, { inline: 8, blocks: 2, compressed: 2 });
  });

  test('01-readme: files with backing objects are verified, the one small file is inline, the empty one empty', { skip: corpusSkip }, () => {
    const p = corpusPath('01-readme', 'image.cfs');
    assert.deepEqual(info(p).counts.imageDataByLayout, { inline: 1 });
    const r = cli('verify', p, '--basedir', corpusPath('01-readme', 'objects'), '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { counts: Record<string, number> }).counts, { verified: 3, inline: 1, empty: 1 });
  });
});
