/**
 * checkImage as a whole: every corpus image is clean, findings come sorted with their range and
 * explanation, limits and cancellation hold, other formats are dispatched to their checkers, and
 * every code the decoders can raise has an entry in the table the UI shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, corpusSkip, REPO_ROOT } from '../../helpers/corpus.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkImage, checkSource, CHECK_CODES, explainCode } from '../../../shared/check/index.ts';
import { CODE_FAMILIES } from '../../../shared/check/codes.ts';
import { openImage } from '../../../shared/open.ts';
import { checkBytes, fixture, loadImage, locate, mutate, put16, put32, put8 } from './corrupt.ts';
import { concat, entry, tar, zeros } from '../oci/tar-builder.ts';

function corpusImages(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'objects' ? [] : corpusImages(p);
    return /^image\.(cfs|cfs\.gz|erofs)$/.test(n) ? [p] : [];
  });
}

test('every corpus image (composefs, plain EROFS, pre-1.0, legacy CFS) checks clean', { skip: corpusSkip }, async () => {
  const images = corpusImages(CORPUS!);
  assert.ok(images.length >= 35, `found ${images.length} corpus images`);
  const formats = new Set<string>();
  for (const p of images) {
    const bytes = loadImage(p.slice(CORPUS!.length + 1));
    const reader = await openImage(memorySource(bytes));
    formats.add(reader.format);
    const r = await checkImage(reader);
    assert.deepEqual(r.findings.map((f) => `${f.code}@${f.offset} ${f.path ?? ''}: ${f.message}`), [], p);
    assert.ok(r.nodesChecked > 1, `${p}: ${r.nodesChecked} nodes`);
    assert.equal(r.truncated, false);
  }
  assert.deepEqual([...formats].sort(), ['composefs', 'erofs', 'legacy-cfs']);
});

test('findings come sorted by offset, each with a listed code, a path and an explanation', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const small = await locate(f.reader, '/small');
  const dir = await locate(f.reader, '/dir');
  const [inos] = f.reader.sb.fieldRanges['inos']!;
  const r = await checkBytes(
    mutate(f.bytes, (b) => {
      put16(b, small.ino.offset + 4, 0o170644);
      put32(b, dir.ino.offset + 8, 0);
      put32(b, inos, 7);
    }),
  );
  assert.ok(r.findings.length >= 3);
  const offsets = r.findings.map((x) => x.offset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
  for (const x of r.findings) {
    assert.ok(Object.hasOwn(CHECK_CODES, x.code), `${x.code} is listed`);
    assert.ok(explainCode(x.code));
    assert.ok(x.offset >= 0 && x.offset + x.length <= f.bytes.length, `${x.code} range inside the image`);
    if (x.nodeId !== undefined) assert.ok(x.path?.startsWith('/'), `${x.code} names its path`);
  }
});

test('maxFindings stops the check early and says so', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const root = await locate(f.reader, '/');
  // Every root dirent gets an invalid file type: hundreds of findings.
  const blocks = await f.reader.dirBlocks(root.ino);
  const bad = mutate(f.bytes, (b) => blocks.flatMap((x) => x.dirents).forEach((d) => put8(b, d.offset + 10, 9)));
  const all = await checkSource(memorySource(bad));
  assert.ok(all.findings.length > 100);
  assert.equal(all.truncated, false);
  const few = await checkSource(memorySource(bad), { maxFindings: 5 });
  assert.equal(few.findings.length, 5);
  assert.equal(few.truncated, true);
});

test('an aborted signal stops the check with its reason', { skip: corpusSkip }, async () => {
  const reader = await openImage(memorySource(loadImage('02-fs-tree', 'image.cfs')));
  const ac = new AbortController();
  ac.abort(new Error('user cancelled'));
  await assert.rejects(checkImage(reader, { signal: ac.signal }), /user cancelled/);
});

test('an image that cannot be opened is unreadable, with the reason as its one finding', async () => {
  const empty = await checkSource(memorySource(new Uint8Array(0)));
  assert.equal(empty.unreadable, true);
  assert.equal(empty.findings[0]!.code, 'image.unknown-format');
  const noise = await checkSource(memorySource(new Uint8Array(4096).fill(0x5a)));
  assert.equal(noise.unreadable, true);
});

test('legacy CFS descriptors are checked by the legacy checker', { skip: corpusSkip }, async () => {
  const bytes = loadImage('09-legacy', 'readme-cfs', 'image.cfs');
  // Reserved superblock bytes (from offset 16) set: a legacy writer-invariant finding.
  const r = await checkBytes(mutate(bytes, (b) => put8(b, 20, 1)));
  assert.equal(r.unreadable, false);
  assert.ok(r.findings.some((x) => x.code === 'legacy.superblock.unused-nonzero' && x.offset >= 16 && x.offset < 128), JSON.stringify(r.findings));
  assert.ok(explainCode('legacy.superblock.unused-nonzero'));
});

test('OCI layer tars are checked by the OCI checker', async () => {
  const clean = await checkBytes(tar(entry({ name: 'etc/', typeflag: '5', mode: 0o755 }), entry({ name: 'etc/hostname' }, 'box\n')));
  assert.equal(clean.unreadable, false);
  assert.deepEqual(clean.findings, []);
  assert.ok(clean.nodesChecked >= 3);
  // No end-of-archive marker: the OCI checker's own finding comes through.
  const open = await checkBytes(concat(entry({ name: 'a' }, 'x'), zeros(0)));
  assert.ok(open.findings.some((x) => x.code.startsWith('oci.')), JSON.stringify(open.findings));
  assert.ok(explainCode(open.findings[0]!.code));
});

test('every code the EROFS and composefs decoders can raise is listed with an explanation', () => {
  const files = [
    'shared/bytes/cursor.ts',
    'shared/bytes/source.ts',
    'shared/open.ts',
    'shared/composefs/header.ts',
    ...readdirSync(join(REPO_ROOT, 'shared/erofs'))
      .filter((n) => n.endsWith('.ts'))
      .map((n) => `shared/erofs/${n}`),
  ];
  const codes = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(/'((?:erofs|composefs|image|decode)\.[a-z0-9_.-]+)'/g)) codes.add(m[1]!);
  }
  assert.ok(codes.size > 15);
  const missing = [...codes].filter((c) => !Object.hasOwn(CHECK_CODES, c) && !CODE_FAMILIES.some(([prefix]) => c.startsWith(prefix)));
  assert.deepEqual(missing, [], 'add these to shared/check/codes.ts');
  for (const [code, info] of Object.entries(CHECK_CODES)) assert.ok(info.explanation.length > 10, code);
});
