/**
 * check on Nydus bootstraps: clean on every real fixture (no false finding on what Nydus writes:
 * the RAFS v6 compat bit, a block count that covers blob-mapped blocks), and the damage named with
 * its range in mutated copies: a corrupt chunk, a wrong chunk digest, a truncated bootstrap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkSource } from '../../../shared/check/index.ts';
import type { BlobResolver } from '../../../shared/nydus/blobs.ts';
import { openRafsV5 } from '../../../shared/nydus/reader-v5.ts';
import { openImage } from '../../../shared/open.ts';
import { bytesToString } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const NYDUS = corpusPath('11-nydus');
const V5 = join(NYDUS, 'rafs-v5-sha256-nocompress');
const V6 = join(NYDUS, 'rafs-v6');
const V6_BLOB = 'be7d77eeb719f70884758d1aa800ed0fb09d701aaec469964e9d54325f0d5fef';
const V5_BLOB = '7334a2594e133cf8ae364189c2276b090fc490c627bcc3fb1077f0419a538e00';

const blobs = (map: Record<string, Uint8Array>): BlobResolver => async (id) =>
  map[id] ? { source: memorySource(map[id]!), location: id } : undefined;

const check = (bootstrap: Uint8Array, blobMap: Record<string, Uint8Array> = {}) =>
  checkSource(memorySource(bootstrap), { open: { blobs: blobs(blobMap) } });

const codes = (r: Awaited<ReturnType<typeof check>>) => r.findings.map((f) => `${f.code}@${f.offset}+${f.length}`);

const v6 = () => ({ boot: new Uint8Array(readFileSync(join(V6, 'bootstrap'))), blob: new Uint8Array(readFileSync(join(V6, V6_BLOB))) });
const v5 = () => ({ boot: new Uint8Array(readFileSync(join(V5, 'bootstrap'))), blob: new Uint8Array(readFileSync(join(V5, 'blobs', V5_BLOB))) });

describe('check on Nydus bootstraps', { skip: corpusSkip }, () => {
  test('every real fixture is clean, with and without its blobs', async () => {
    const a = v6();
    const b = v5();
    for (const [name, r] of [
      ['v6 with blob', await check(a.boot, { [V6_BLOB]: a.blob })],
      ['v6 without blob', await check(a.boot)],
      ['v5 with blob', await check(b.boot, { [V5_BLOB]: b.blob })],
      ['v5 daemon', await check(new Uint8Array(readFileSync(join(NYDUS, 'rafs-v5-daemon', 'bootstrap'))))],
    ] as const) {
      assert.deepEqual(r.findings, [], name);
      assert.equal(r.unreadable, false, name);
    }
  });

  test('v6: a corrupt chunk in the blob is named at its chunk table record', async () => {
    const { boot, blob } = v6();
    blob.fill(0x55, 100, 140); // inside chunk 1's zstd frame (compressed offset 0, 4828 bytes)
    const r = await check(boot, { [V6_BLOB]: blob });
    assert.deepEqual(codes(r), ['nydus.chunk.corrupt@16464+80']);
    assert.match(r.findings[0]!.message, /blob 0 0x0\+4828 .*zstd data/);
  });

  test('v6: a chunk whose bytes do not hash to its recorded blake3 digest is named at the digest', async () => {
    const { boot, blob } = v6();
    boot[0x4000 + 5] ^= 0xff; // chunk table record 0, block_id
    const r = await check(boot, { [V6_BLOB]: blob });
    assert.deepEqual(codes(r), ['nydus.chunk.digest@16384+32']);
  });

  test('v6: a truncated bootstrap is named (tables and block count past its end)', async () => {
    const { boot, blob } = v6();
    const r = await check(boot.subarray(0, 0x4000), { [V6_BLOB]: blob });
    assert.ok(codes(r).includes('nydus.v6.chunk-table@1176+16'), codes(r).join(' '));
  });

  test('v6: a chunk index naming no chunk table record is named at the index', async () => {
    const { boot, blob } = v6();
    boot[0x3144] = 7; // /sync_io.rs chunk index: block address 5 -> 7
    const r = await check(boot, { [V6_BLOB]: blob });
    assert.ok(codes(r).includes('nydus.v6.chunk.addr@12608+8'), codes(r).join(' '));
  });

  test('v6: the blob\'s own chunk info array disagreeing with the chunk table is named at the chunk record', async () => {
    const { boot, blob } = v6();
    blob[0x207a + 8] ^= 0x10; // first BlobChunkInfoV1Ondisk (chunk 0): its compressed offset
    const r = await check(boot, { [V6_BLOB]: blob });
    assert.deepEqual(codes(r), ['nydus.v6.chunk.ci-table@16464+80']);
  });

  test('v6 without a chunk table: chunks come from the blob\'s chunk info array, and file content still reads', async () => {
    const { boot, blob } = v6();
    boot.fill(0, 0x498, 0x4a8); // s_chunk_table_offset and s_chunk_table_size
    const r = await openImage(memorySource(boot), { blobs: blobs({ [V6_BLOB]: blob }) });
    const lib = (await r.children(r.rootId)).find((e) => bytesToString(e.name) === 'lib.rs')!;
    const data = await r.readData(lib.id, 0, 12);
    assert.equal(bytesToString(data), '// Copyright');
  });

  test('v5: a corrupt chunk (uncompressed) fails its sha256 digest, named at the chunk record', async () => {
    const { boot, blob } = v5();
    blob[10] ^= 0xff;
    const r = await check(boot, { [V5_BLOB]: blob });
    assert.equal(r.findings.length, 1, codes(r).join(' '));
    assert.equal(r.findings[0]!.code, 'nydus.chunk.digest');
    assert.match(r.findings[0]!.path!, /^\//);
  });

  test('v5: a wrong chunk digest is named, and so is the file digest built from it', async () => {
    const { boot, blob } = v5();
    const reader = await openRafsV5(memorySource(boot.slice()), { blobs: blobs({ [V5_BLOB]: blob }) });
    let chunkOffset = -1;
    for (let i = 1; i <= reader.inodeTable.entries && chunkOffset < 0; i++) {
      const ino = reader.inode(i);
      if (ino.chunks.length) chunkOffset = ino.chunks[0]!.offset;
    }
    boot[chunkOffset + 3] ^= 0xff;
    const r = await check(boot, { [V5_BLOB]: blob });
    assert.deepEqual(r.findings.map((f) => f.code).sort(), ['nydus.chunk.digest', 'nydus.v5.inode.digest']);
    assert.equal(r.findings.find((f) => f.code === 'nydus.chunk.digest')!.offset, chunkOffset);
  });

  test('v5: a truncated bootstrap is unreadable or named, never a crash', async () => {
    const { boot } = v5();
    const r = await check(boot.subarray(0, 0x2100));
    assert.ok(r.unreadable || r.findings.length > 0);
    assert.ok(r.findings.every((f) => f.code.startsWith('nydus.')), codes(r).join(' '));
    const tiny = await check(boot.subarray(0, 4000));
    assert.deepEqual(codes(tiny), ['nydus.bootstrap.truncated@0+4000']);
  });
});

test('every code the Nydus readers and checker raise is listed with an explanation, and every listed code is raised somewhere', async () => {
  const { readdirSync } = await import('node:fs');
  const { REPO_ROOT } = await import('../../helpers/corpus.ts');
  const { NYDUS_CODES } = await import('../../../shared/nydus/codes.ts');
  const { explainCode } = await import('../../../shared/check/index.ts');
  const dir = join(REPO_ROOT, 'shared', 'nydus');
  const raised = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'codes.ts')) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/'(nydus\.[a-z0-9.-]*[a-z0-9-])'/g)) raised.add(m[1]!);
  }
  assert.deepEqual([...raised].filter((c) => !Object.hasOwn(NYDUS_CODES, c)), [], 'add these to shared/nydus/codes.ts');
  assert.deepEqual(Object.keys(NYDUS_CODES).filter((c) => !raised.has(c)), [], 'listed but never raised');
  for (const c of Object.keys(NYDUS_CODES)) assert.ok((explainCode(c) ?? '').length > 10, c);
});
