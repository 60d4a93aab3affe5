/**
 * check on casync archives and indexes: clean on what casync makes, and naming the damage with its
 * byte range in mutated copies: a corrupt chunk, a chunk whose bytes no longer match its id, a
 * missing chunk, broken goodbye tables, and truncated archives.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { checkImage } from '../../../shared/check/index.ts';
import type { CasyncReader } from '../../../shared/casync/reader.ts';
import type { CatarNode } from '../../../shared/casync/scan.ts';
import { toHex, type Finding } from '../../../shared/model.ts';
import { removeDir } from '../oci/gnu-tar.ts';
import { casyncSkip, chunkFiles, copyMade, make, makeCasyncTree, openCasyncFile, type Made } from './casync-tool.ts';

async function check(path: string): Promise<{ reader: CasyncReader; findings: Finding[] }> {
  const reader = await openCasyncFile(path);
  const { findings } = await checkImage(reader);
  await reader.close();
  return { reader, findings };
}

const codes = (fs: Finding[]) => fs.map((f) => f.code);

describe('check on casync archives and indexes', { skip: casyncSkip }, () => {
  let root: string;
  let catar: Made;
  let caidx: Made;
  let gzidx: Made;
  const dirs: string[] = [];
  const copy = (m: Made) => {
    const c = copyMade(m);
    dirs.push(c.dir);
    return c;
  };
  before(() => {
    root = makeCasyncTree().root;
    catar = make(root, 'tree.catar');
    caidx = make(root, 'tree.caidx', ['--chunk-size=16384']);
    gzidx = make(root, 'tree.caidx', ['--chunk-size=16384', '--compression=gzip']);
  });
  after(() => {
    for (const d of [root, catar.dir, caidx.dir, gzidx.dir, ...dirs]) removeDir(d);
  });

  test('is clean on archives and indexes casync made', async () => {
    for (const m of [catar, caidx, gzidx]) assert.deepEqual((await check(m.path)).findings, [], m.path);
  });

  test('names a chunk whose compressed data is damaged, with its range in the archive', async () => {
    const m = copy(caidx);
    const r = await openCasyncFile(m.path);
    const chunk = r.index!.table.chunks[2]!;
    await r.close();
    const file = chunkFiles(m.dir).get(toHex(chunk.id))!;
    const bytes = new Uint8Array(readFileSync(file));
    bytes.fill(0x55, 8, bytes.length - 4);
    writeFileSync(file, bytes);
    const { findings } = await check(m.path);
    const f = findings.filter((x) => x.code === 'casync.chunk.corrupt');
    assert.equal(f.length, 1, JSON.stringify(findings));
    assert.equal(f[0]!.offset, chunk.start);
    assert.equal(f[0]!.length, chunk.end - chunk.start);
    assert.match(f[0]!.message, /chunk #2 .*zstd data is damaged/);
  });

  test('names a chunk whose bytes no longer hash to its id', async () => {
    const m = copy(gzidx);
    const r = await openCasyncFile(m.path);
    const chunk = r.index!.table.chunks[1]!;
    await r.close();
    const file = chunkFiles(m.dir).get(toHex(chunk.id))!;
    const plain = gunzipSync(readFileSync(file));
    plain[100] = plain[100]! ^ 0x01;
    writeFileSync(file, gzipSync(plain));
    const { findings } = await check(m.path);
    const f = findings.find((x) => x.code === 'casync.chunk.id-mismatch');
    assert.ok(f, JSON.stringify(findings));
    assert.deepEqual([f.offset, f.length, f.severity], [chunk.start, chunk.end - chunk.start, 'error']);
    assert.match(f.message, new RegExp(`chunk #1 \\(${toHex(chunk.id)}.*its sha512-256 is [0-9a-f]{64}, not its id`));
  });

  test('names a chunk missing from the store; the rest of the tree still reads', async () => {
    const m = copy(caidx);
    const r = await openCasyncFile(m.path);
    const chunks = r.index!.table.chunks;
    const chunk = chunks[chunks.length - 2]!;
    await r.close();
    rmSync(chunkFiles(m.dir).get(toHex(chunk.id))!);
    const { reader, findings } = await check(m.path);
    const f = findings.filter((x) => x.code === 'casync.chunk.missing');
    assert.equal(f.length, 1, JSON.stringify(findings));
    assert.deepEqual([f[0]!.offset, f[0]!.length], [chunk.start, chunk.end - chunk.start]);
    assert.ok(reader.scan!.nodes.length > 1);
  });

  /** The first directory with at least two entries, and its goodbye table. */
  const dirWithItems = (r: CasyncReader): CatarNode => r.scan!.nodes.find((n) => (n.children?.length ?? 0) >= 2 && n.goodbye)!;

  const goodbyeCases: [string, (item: { at: number }, gbAt: number) => [number, number], string, number][] = [
    ['an item hash', (item) => [item.at + 16, 0x01], 'casync.goodbye.hash', 16],
    ['an item offset', (item) => [item.at, 0x08], 'casync.goodbye.item-offset', 0],
    ['an item size', (item) => [item.at + 8, 0x04], 'casync.goodbye.item-size', 8],
  ];
  for (const [what, where, code, fieldOffset] of goodbyeCases) {
    test(`names a goodbye table with a damaged ${what.slice(3)}`, async () => {
      const m = copy(catar);
      const r = await openCasyncFile(m.path);
      const dir = dirWithItems(r);
      const item = dir.goodbye!.items[0]!;
      await r.close();
      const [at, bit] = where(item, dir.goodbye!.offset);
      const bytes = new Uint8Array(readFileSync(m.path));
      bytes[at] = bytes[at]! ^ bit;
      writeFileSync(m.path, bytes);
      const { findings } = await check(m.path);
      const f = findings.filter((x) => x.code.startsWith('casync.goodbye.'));
      assert.ok(f.length >= 1, JSON.stringify(findings));
      assert.equal(f[0]!.code, code, JSON.stringify(f));
      assert.equal(f[0]!.offset, item.at + fieldOffset);
      assert.equal(f[0]!.nodeId, dir.id);
    });
  }

  test('names a goodbye table whose items are out of search-tree order', async () => {
    const m = copy(catar);
    const r = await openCasyncFile(m.path);
    const dir = r.scan!.nodes.find((n) => (n.children?.length ?? 0) >= 3 && n.goodbye)!;
    const [a, b] = dir.goodbye!.items;
    await r.close();
    const bytes = new Uint8Array(readFileSync(m.path));
    const itemA = bytes.slice(a!.at, a!.at + 24);
    bytes.copyWithin(a!.at, b!.at, b!.at + 24);
    bytes.set(itemA, b!.at);
    writeFileSync(m.path, bytes);
    const { findings } = await check(m.path);
    assert.ok(codes(findings).includes('casync.goodbye.order'), JSON.stringify(findings));
    assert.ok(findings.every((f) => f.code === 'casync.goodbye.order'), JSON.stringify(findings));
  });

  test('names a goodbye tail that no longer points back at its directory', async () => {
    const m = copy(catar);
    const r = await openCasyncFile(m.path);
    const gb = dirWithItems(r).goodbye!;
    await r.close();
    const bytes = new Uint8Array(readFileSync(m.path));
    bytes[gb.tail.at] = bytes[gb.tail.at]! ^ 0x10;
    writeFileSync(m.path, bytes);
    const { findings } = await check(m.path);
    assert.deepEqual(findings.map((f) => [f.code, f.offset, f.length]), [['casync.goodbye.tail-offset', gb.tail.at, 8]]);
  });

  test('names a truncated archive and keeps the entries before the cut', async () => {
    for (const cutAt of [0.5, 0.97]) {
      const m = copy(catar);
      const size = readFileSync(m.path).length;
      const cut = Math.floor(size * cutAt);
      truncateSync(m.path, cut);
      const { reader, findings } = await check(m.path);
      const f = findings.filter((x) => x.code === 'casync.archive.truncated');
      assert.equal(f.length, 1, JSON.stringify(findings));
      assert.ok(f[0]!.offset <= cut && f[0]!.offset + f[0]!.length === cut, JSON.stringify(f[0]));
      assert.equal(reader.scan!.complete, false);
      assert.ok(reader.scan!.nodes.length >= 2);
    }
  });

  test('names a truncated index table', async () => {
    const m = copy(caidx);
    truncateSync(m.path, readFileSync(m.path).length - 20);
    const r = await openCasyncFile(m.path).catch((e: unknown) => e);
    assert.ok(r instanceof Error && 'code' in r && r.code === 'casync.index.bad-table', String(r));
  });
});
