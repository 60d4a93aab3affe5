/**
 * composefs format 2 (composefs-rs: extended inodes, depth-first order, no whiteout table) is a
 * version the checker knows: no "newer than any this checker knows" warning, `info` says what the
 * version implies, and nothing at a format 2 root is taken for the whiteout table. The first tests
 * patch a mkcomposefs 1.0.8 image's header to version 2 (the version handling alone); the last one
 * checks a real format 2 layout from our composefs-rs-compatible writer (shared/composefs/writer-v2.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../../helpers/corpus.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { openImage } from '../../../shared/open.ts';
import { walkComposefs } from '../../../shared/composefs/dump.ts';
import { checkBytes, expectNoFinding, expectFinding, fixture, mutate, put32 } from './corrupt.ts';
import { treeFromSpecs } from '../../../shared/composefs/writer-tree.ts';
import { writeComposefsV2 } from '../../../shared/composefs/writer-v2.ts';

const asVersion = (bytes: Uint8Array, v: number) => mutate(bytes, (b) => put32(b, 12, v));

async function rootNames(bytes: Uint8Array): Promise<string[]> {
  const reader = await openImage(memorySource(bytes));
  const names: string[] = [];
  await walkComposefs(reader, (e) => {
    if (e.depth === 1) names.push(new TextDecoder().decode(e.entry!.name));
  });
  return names;
}

test('format 2 is known: no format-version finding, while 3 still gets one', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  expectNoFinding(await checkBytes(asVersion(f.bytes, 2)), 'composefs.header.format-version');
  expectFinding(await checkBytes(asVersion(f.bytes, 3)), 'composefs.header.format-version', 12, 4);
});

test('info names the format version and what it implies', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const field = async (bytes: Uint8Array) => (await openImage(memorySource(bytes))).info().fields.find((x) => x.label === 'composefs format version')!.value;
  assert.equal(await field(asVersion(f.bytes, 2)), '2 (composefs-rs: extended inodes, depth-first order, no whiteout table)');
  assert.match(await field(asVersion(f.bytes, 1)), /^1 \(libcomposefs: /);
  assert.match(await field(asVersion(f.bytes, 9)), /^9 \(unknown/);
});

test('a format 2 root has no whiteout table: its "00".."ff" whiteouts are entries, where format 1 hides them', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const v1 = await rootNames(f.bytes);
  const v2 = await rootNames(asVersion(f.bytes, 2));
  assert.equal(v1.filter((n) => /^[0-9a-f]{2}$/.test(n)).length, 0);
  assert.equal(v2.filter((n) => /^[0-9a-f]{2}$/.test(n)).length, 256);
  assert.deepEqual(v2.filter((n) => !/^[0-9a-f]{2}$/.test(n)), v1);
});

test('a format 2 image as composefs-rs lays it out checks with no findings, and its own whiteout "0a" at the root is listed', async () => {
  const image = writeComposefsV2(
    treeFromSpecs([
      { path: '/0a', type: 'whiteout' },
      { path: '/etc/hostname', content: 'host\n' },
      { path: '/usr/bin/tool', size: 9000, digest: '11'.repeat(64) },
      { path: '/usr/bin/alias', type: 'symlink', target: 'tool' },
      { path: '/usr/lib/acl', content: 'x', xattrs: { 'system.posix_acl_access': new Uint8Array([2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff]) } },
    ]),
  );
  const r = await checkBytes(image);
  assert.deepEqual(r.findings.map((f) => `${f.code} ${f.path ?? ''}`), []);
  const reader = await openImage(memorySource(image));
  assert.match(reader.info().fields.find((x) => x.label === 'composefs format version')!.value, /^2 \(composefs-rs/);
  assert.deepEqual(await rootNames(image), ['0a', 'etc', 'usr']);
});
