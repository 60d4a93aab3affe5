/**
 * Opening an image reads O(1) of it: the superblock and the root inode, not the tree. Proven on
 * the 200k-inode benchmark image (when available) and on the largest corpus images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BENCH_DIR, corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { countingSource, memorySource } from '../../../shared/bytes/source.ts';
import { openImage } from '../../../shared/open.ts';
import { imageFromDump } from '../../helpers/image-builder.ts';

async function openCounting(bytes: Uint8Array) {
  const src = countingSource(memorySource(bytes));
  const reader = await openImage(src);
  return { src, reader };
}

const load = (p: string) => new Uint8Array(p.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p));

test('opening an image and listing its root reads a few blocks, whatever the image size', { skip: corpusSkip }, async () => {
  const images = [
    corpusPath('01-readme', 'image.cfs'),
    corpusPath('02-fs-tree', 'image.cfs'),
    corpusPath('05-upstream', 'cs9-x86_64-minimal', 'image.cfs.gz'),
    ...(BENCH_DIR && existsSync(join(BENCH_DIR, 'big.cfs.gz')) ? [join(BENCH_DIR, 'big.cfs.gz')] : []),
  ];
  const read: number[] = [];
  for (const p of images) {
    const bytes = load(p);
    const { src, reader } = await openCounting(bytes);
    const afterOpen = src.bytesRead;
    const root = await reader.children(reader.rootId);
    assert.ok(root.length > 0, `${p}: root has entries`);
    read.push(src.bytesRead);
    // Superblock block + root inode + the root's directory blocks: bounded by a small constant
    // number of blocks, not by the image size.
    assert.ok(afterOpen <= 8 * 4096, `${p}: open read ${afterOpen} bytes`);
    assert.ok(src.bytesRead <= 24 * 4096, `${p}: open + root listing read ${src.bytesRead} of ${bytes.length} bytes`);
  }
  // The same bound holds for a 16 KiB image and a 51 MiB one.
  assert.ok(Math.max(...read) <= 24 * 4096);
});

test('openImage recognises each format the core reads by its signature', { skip: corpusSkip }, async () => {
  const cases: [string, string][] = [
    [corpusPath('01-readme', 'image.cfs'), 'composefs'],
    [corpusPath('08-mkfs-erofs', 'plain', 'image.erofs'), 'erofs'],
    [corpusPath('09-legacy', 'readme-cfs', 'image.cfs'), 'legacy-cfs'],
  ];
  for (const [p, format] of cases) {
    if (!existsSync(p)) assert.fail(`corpus file missing: ${p}`);
    const reader = await openImage(memorySource(load(p)));
    assert.equal(reader.format, format, p);
    assert.ok((await reader.children(reader.rootId)).length > 0);
  }
});

test('a directory far larger than one read lists completely without prefetching, in a few reads', async () => {
  const n = 30000;
  const dump = ['/ 4096 40755 2 0 0 0 0.0 - - -', '/big 0 40755 2 0 0 0 0.0 - - -'];
  for (let i = 0; i < n; i++) dump.push(`/big/file-${String(i).padStart(6, '0')}-with-a-longish-name 0 100644 1 0 0 0 0.0 - - -`);
  const image = imageFromDump(dump.join('\n') + '\n');
  const src = countingSource(memorySource(image));
  const reader = await openImage(src);
  const big = (await reader.children(reader.rootId)).find((e) => new TextDecoder().decode(e.name) === 'big')!;
  const entries = await reader.children(big.id);
  assert.equal(entries.length, n);
  // The directory's extent is fetched as a whole, not block by block with a re-decode each time.
  assert.ok(src.reads < 40, `listing took ${src.reads} reads`);
});
