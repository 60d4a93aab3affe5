/**
 * Root cause first: knock-on findings point at the finding they follow from, roots name the bad
 * field, and over corpus images at least 90% of single-field corruptions have a root finding of at
 * most 64 bytes containing the corrupted offset (the figure is printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { checkBytes, fixture, locate, mutate, put16, put32, put64 } from './corrupt.ts';
import { measureRootCause, QUICK_PRECISION_IMAGES } from './root-cause.ts';

test('single-field corruptions over the corpus: at least 90% have a root finding on the corrupted field', { skip: corpusSkip }, async (t) => {
  let hits = 0;
  let all = 0;
  const misses: string[] = [];
  for (const parts of QUICK_PRECISION_IMAGES) {
    const { loadImage } = await import('./corrupt.ts');
    for (const o of await measureRootCause(loadImage(...parts))) {
      all++;
      if (o.hit) hits++;
      else misses.push(`${parts.join('/')}: ${o.what} (roots ${o.roots.join(' ') || 'none'})`);
    }
  }
  const pct = (100 * hits) / all;
  t.diagnostic(`root-cause precision: ${pct.toFixed(1)}% (${hits} of ${all} mutations)`);
  for (const m of misses) t.diagnostic(`miss: ${m}`);
  console.log(`root-cause precision: ${pct.toFixed(1)}% (${hits} of ${all} mutations)`);
  assert.ok(all >= 400, `only ${all} mutations`);
  assert.ok(pct >= 90, `precision ${pct.toFixed(1)}%`);
});

test('the three corruptions of the issue: lowered blocks, a wild i_xattr_icount and a bad dirent nid are three roots', { skip: corpusSkip }, async () => {
  const f = await fixture('02-fs-tree', 'image.cfs');
  const bigdir = await locate(f.reader, '/bigdir');
  const links = await locate(f.reader, '/links');
  const [blocksAt] = f.reader.sb.fieldRanges['blocks']!;
  assert.equal(f.reader.sb.blocks, 92);
  const bad = mutate(f.bytes, (b) => {
    put16(b, bigdir.ino.offset + 2, 0xffff);
    put64(b, links.dirent!.offset, 0x12345n);
    put32(b, blocksAt, 16);
  });
  const r = await checkBytes(bad);
  const roots = r.findings.filter((x) => !x.cause && x.severity === 'error');
  const at = (offset: number, length: number) => roots.find((x) => x.offset === offset && x.length === length);
  const blocks = at(blocksAt, 4);
  assert.equal(blocks?.code, 'erofs.superblock.blocks');
  assert.equal(blocks?.actual, '16');
  assert.equal(blocks?.region?.offset, 16 * 4096);
  assert.ok(blocks!.region!.length > 4096);
  const icount = at(bigdir.ino.offset + 2, 2);
  assert.equal(icount?.code, 'layout.wild-size');
  assert.equal(icount?.region?.offset, bigdir.ino.offset);
  const nid = at(links.dirent!.offset, 8);
  assert.equal(nid?.code, 'erofs.dirent.nid');
  // Every overlap follows from the wild count; nothing about /links stands on its own.
  const overlaps = r.findings.filter((x) => x.code === 'layout.overlap' || x.code === 'erofs.inode.overlap');
  assert.ok(overlaps.length > 10);
  for (const o of overlaps) assert.ok(o.cause, `${o.code}@${o.offset} has no cause`);
  assert.ok(overlaps.every((o) => o.cause === icount!.id || r.findings.find((x) => x.id === o.cause)?.cause === undefined));
  for (const x of r.findings.filter((y) => y.path === '/links' && y !== nid)) assert.equal(x.cause, nid!.id, `${x.code} about /links`);
});

test('a lowered superblock block count is reported at the field with the blocks it leaves out as its region', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const [blocksAt] = f.reader.sb.fieldRanges['blocks']!;
  const r = await checkBytes(mutate(f.bytes, (b) => put32(b, blocksAt, 2)));
  const x = r.findings.find((y) => y.code === 'erofs.superblock.blocks')!;
  assert.deepEqual([x.offset, x.length, x.severity, x.expected, x.actual], [blocksAt, 4, 'error', '4', '2']);
  assert.equal(x.region?.offset, 2 * 4096);
  const raised = await checkBytes(mutate(f.bytes, (b) => put32(b, blocksAt, 3)));
  assert.equal(raised.findings.find((y) => y.code === 'erofs.superblock.blocks')?.actual, '3');
});
