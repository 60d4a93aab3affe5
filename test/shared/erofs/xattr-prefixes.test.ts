/**
 * Long xattr name prefixes (EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES). mkfs.erofs 1.5 cannot write
 * them, so the test rewrites a corpus image by hand: a prefix table appended in a new block, three
 * xattr entries (two inline, one shared) switched to long-prefix indexes, superblock fields and
 * checksum updated. Names must come out as base prefix + infix + suffix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { superblockChecksum, verifySuperblockChecksum } from '../../../shared/erofs/crc32c.ts';
import { openErofs } from '../../../shared/erofs/reader.ts';
import { decodeLongPrefixes } from '../../../shared/erofs/xattr-prefixes.ts';
import { bytesToString, type ImageReader } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const enc = new TextEncoder();

/** Offsets found in 08-mkfs-erofs/plain by decoding it (checked below before patching). */
const NESTED_A = 34840; // inline user.a of /sub/dir/nested.txt
const NESTED_B = 34848; // inline user.b
const SHARED_ID = 308; // shared user.shared of /shared/f*

function record(baseIndex: number, infix: string): Uint8Array {
  const body = enc.encode(infix);
  const out = new Uint8Array((2 + 1 + body.length + 3) & ~3);
  out[0] = (1 + body.length) & 0xff;
  out[1] = (1 + body.length) >> 8;
  out[2] = baseIndex;
  out.set(body, 3);
  return out;
}

interface Patch {
  records: Uint8Array[];
  count?: number;
  /** Table start in 4-byte units; defaults to the appended block. */
  start?: number;
  indexes?: [number, number][];
}

function patched(p: Patch): Uint8Array {
  const orig = new Uint8Array(readFileSync(corpusPath('08-mkfs-erofs', 'plain', 'image.erofs')));
  const out = new Uint8Array(orig.length + 4096);
  out.set(orig);
  let at = orig.length;
  for (const r of p.records) {
    out.set(r, at);
    at += r.length;
  }
  const dv = new DataView(out.buffer);
  const sb = 1024;
  dv.setUint32(sb + 80, dv.getUint32(sb + 80, true) | 0x40, true); // feature_incompat |= XATTR_PREFIXES
  out[sb + 91] = p.count ?? p.records.length; // xattr_prefix_count
  dv.setUint32(sb + 92, p.start ?? orig.length / 4, true); // xattr_prefix_start
  const sharedEntry = dv.getUint32(sb + 44, true) * 4096 + SHARED_ID * 4;
  for (const [off, idx] of p.indexes ?? [[NESTED_A + 1, 0x80], [NESTED_B + 1, 0x81], [sharedEntry + 1, 0x80]]) out[off] = idx;
  dv.setUint32(sb + 4, superblockChecksum(out.subarray(sb, 4096)), true);
  return out;
}

const open = (b: Uint8Array) => openErofs(memorySource(b));

async function xattrsOf(r: ImageReader, path: string): Promise<string[]> {
  let id = r.rootId;
  for (const part of path.split('/').filter(Boolean)) id = (await r.children(id)).find((e) => bytesToString(e.name) === part)!.id;
  return (await r.node(id)).xattrs.map((x) => bytesToString(x.name)).sort();
}

describe('long xattr name prefixes', { skip: corpusSkip }, () => {
  test('the entries the test rewrites are where it expects them', async () => {
    const r = await open(new Uint8Array(readFileSync(corpusPath('08-mkfs-erofs', 'plain', 'image.erofs'))));
    assert.deepEqual(await xattrsOf(r, '/sub/dir/nested.txt'), ['trusted.secret', 'user.a', 'user.b']);
    const nested = (await r.children((await r.children((await r.children(r.rootId)).find((e) => bytesToString(e.name) === 'sub')!.id)).find((e) => bytesToString(e.name) === 'dir')!.id))[0]!;
    const x = await r.xattrEntries(await r.rawInode(nested.id));
    assert.deepEqual(x.inline.map((e) => e.offset), [34828, NESTED_A, NESTED_B]);
    assert.deepEqual(await xattrsOf(r, '/shared/f0'), ['security.selinux', 'user.shared']);
  });

  test('inline and shared entries with a long-prefix index are named base prefix + infix + suffix', async () => {
    const r = await open(patched({ records: [record(1, 'long.prefix.'), record(4, 'x')] }));
    assert.equal(r.longPrefixes.length, 2);
    assert.deepEqual(await xattrsOf(r, '/sub/dir/nested.txt'), ['trusted.secret', 'trusted.xb', 'user.long.prefix.a']);
    for (const f of ['f0', 'f3']) assert.deepEqual(await xattrsOf(r, `/shared/${f}`), ['security.selinux', 'user.long.prefix.shared']);
    assert.deepEqual(r.findings(), []);
    assert.ok(r.info().fields.some((f) => f.label === 'long xattr prefixes' && f.value === '2 of 2'));
    assert.equal(await verifySuperblockChecksum(r), undefined);
  });

  test('records are 4-byte aligned: an infix whose record ends unaligned does not shift the next one', async () => {
    // 2 + 1 + 6 = 9 bytes, padded to 12; then a record with an empty infix.
    const r = await open(patched({ records: [record(1, 'sixchr'), record(6, '')] }));
    assert.deepEqual(await xattrsOf(r, '/sub/dir/nested.txt'), ['security.b', 'trusted.secret', 'user.sixchra']);
  });

  test('a record longer than base index + 255 stops the table: a finding names it and earlier records stay usable', async () => {
    const bad = new Uint8Array([0x00, 0x02, 1, 0x41]); // length 512
    const bytes = patched({ records: [record(1, 'ok.'), record(4, 'y'), bad], count: 3 });
    const r = await open(bytes);
    assert.equal(r.longPrefixes.length, 2);
    const f = r.findings().find((x) => x.code === 'erofs.xattr.long-prefix');
    assert.ok(f, 'finding');
    assert.equal(f.offset, bytes.length - 4096 + 8 + 4);
    assert.match(f.message, /length 512/);
    assert.deepEqual(await xattrsOf(r, '/sub/dir/nested.txt'), ['trusted.secret', 'trusted.yb', 'user.ok.a']);
  });

  test('an entry naming a prefix the table does not have fails with the entry\'s index byte as its range', async () => {
    const r = await open(patched({ records: [record(1, 'only.')], indexes: [[NESTED_A + 1, 0x80], [NESTED_B + 1, 0x85]] }));
    const dir = (await r.children((await r.children(r.rootId)).find((e) => bytesToString(e.name) === 'sub')!.id)).find((e) => bytesToString(e.name) === 'dir')!;
    const nested = (await r.children(dir.id))[0]!;
    await assert.rejects(r.node(nested.id), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.xattr.prefix' && e.offset === NESTED_B + 1 && e.length === 1);
  });

  test('a table placed beyond the image end is a finding at xattr_prefix_start; the image still opens', async () => {
    const r = await open(patched({ records: [], count: 1, start: 0x10000000, indexes: [] }));
    const f = r.findings().find((x) => x.code === 'erofs.xattr.long-prefix');
    assert.ok(f);
    assert.deepEqual([f.offset, f.length], [1024 + 92, 4]);
    assert.deepEqual(await xattrsOf(r, '/sub/dir/nested.txt'), ['trusted.secret', 'user.a', 'user.b']);
  });

  test('decodeLongPrefixes reads length 0 as 65536, as erofs_read_metadata does, and rejects it', () => {
    const { prefixes, error } = decodeLongPrefixes(new Uint8Array([0, 0, 1, 0]), 400, 1);
    assert.deepEqual(prefixes, []);
    assert.ok(error);
    assert.match(error.message, /length 65536/);
    assert.equal(error.offset, 400);
  });
});
