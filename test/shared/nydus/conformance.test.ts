/**
 * The Nydus readers against Nydus's own fixtures (corpus 11-nydus): the RAFS v5 tree equals the
 * tree.json Nydus's tests check (types, names, symlink targets), every regular file's content
 * matches the md5 listed after it, and the RAFS v6 files' content equals the chunks of its blob.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decompress } from 'fzstd';
import { blake3 } from '@noble/hashes/blake3.js';
import { memorySource } from '../../../shared/bytes/source.ts';
import { bytesToString, compareBytes, toHex, type ImageReader } from '../../../shared/model.ts';
import { openImage } from '../../../shared/open.ts';
import type { BlobResolver } from '../../../shared/nydus/blobs.ts';
import { isNydusV6Reader } from '../../../shared/nydus/reader-v6.ts';
import { walk } from '../../../shared/walk.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const NYDUS = corpusPath('11-nydus');
const V5 = join(NYDUS, 'rafs-v5-sha256-nocompress');
const V6 = join(NYDUS, 'rafs-v6');
const V6_BLOB = 'be7d77eeb719f70884758d1aa800ed0fb09d701aaec469964e9d54325f0d5fef';

/** Blobs from one directory, read into memory. */
export const dirBlobs = (dir: string): BlobResolver => async (id) => {
  try {
    return { source: memorySource(readFileSync(join(dir, id))), location: join(dir, id) };
  } catch {
    return undefined;
  }
};

const open = (bootstrap: string, blobDir?: string): Promise<ImageReader> =>
  openImage(memorySource(readFileSync(bootstrap)), blobDir ? { blobs: dirBlobs(blobDir) } : {});

interface TreeNode {
  type: string;
  name: string;
  target?: string;
  contents?: TreeNode[];
}

/** tree.json: `tree -J` output, then "md5  /path" lines. */
function expected(dir: string): { tree: TreeNode; md5: Map<string, string> } {
  const text = readFileSync(join(dir, 'tree.json'), 'utf8');
  const end = text.indexOf('\n]\n') + 2;
  const json = JSON.parse(text.slice(0, end)) as TreeNode[];
  const md5 = new Map<string, string>();
  for (const line of text.slice(end).split('\n')) {
    const m = /^([0-9a-f]{32})\s+(\S.*)$/.exec(line);
    if (m) md5.set(m[2]!, m[1]!);
  }
  return { tree: json[0]!, md5 };
}

/** Our tree in tree -J's shape: directories with sorted contents, files, links with targets. */
async function ourTree(r: ImageReader): Promise<TreeNode> {
  const build = async (id: number, name: string): Promise<TreeNode> => {
    const node = await r.node(id);
    if (node.kind === 'symlink') return { type: 'link', name, target: bytesToString(node.target!) };
    if (node.kind !== 'dir') return { type: 'file', name };
    const entries = (await r.children(id)).sort((a, b) => compareBytes(a.name, b.name));
    return { type: 'directory', name, contents: await Promise.all(entries.map((e) => build(e.id, bytesToString(e.name)))) };
  };
  return build(r.rootId, '');
}

/** tree.json's form without what tree adds for links (an empty contents list). */
function normalise(t: TreeNode): TreeNode {
  if (t.type === 'link') return { type: 'link', name: t.name, target: t.target! };
  if (t.type === 'directory') return { type: 'directory', name: t.name, contents: [...(t.contents ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)).map(normalise) };
  return { type: t.type, name: t.name };
}

describe('11-nydus/rafs-v5-sha256-nocompress', { skip: corpusSkip }, () => {
  test('opens as RAFS v5 and its tree equals tree.json (types, names, symlink targets)', async () => {
    const r = await open(join(V5, 'bootstrap'), join(V5, 'blobs'));
    assert.equal(r.format, 'nydus-v5');
    assert.deepEqual(normalise(await ourTree(r)), normalise(expected(V5).tree));
  });

  test('every regular file\'s content, read from the blob, has the md5 tree.json lists', async () => {
    const r = await open(join(V5, 'bootstrap'), join(V5, 'blobs'));
    const { md5 } = expected(V5);
    const seen = new Map<string, string>();
    await walk(r, async (e) => {
      if (e.node.kind !== 'file') return;
      const data = await r.readData(e.id, 0, e.node.size);
      assert.equal(data.length, e.node.size);
      seen.set(bytesToString(e.path), createHash('md5').update(data).digest('hex'));
    });
    assert.equal(md5.size, 23);
    assert.deepEqual(new Map([...seen].filter(([p]) => md5.has(p))), md5);
    assert.deepEqual([...md5.keys()].filter((p) => !seen.has(p)), []);
  });

  test('finds its blob in blobs/ beside the bootstrap through the resolver, and names it in info', async () => {
    const r = await open(join(V5, 'bootstrap'), join(V5, 'blobs'));
    const blob = r.info().fields.find((f) => f.label === 'blob 0')!;
    assert.match(blob.value, /^7334a2594e133cf8ae364189c2276b090fc490c627bcc3fb1077f0419a538e00: 23 chunks, .*found at /);
    assert.equal(r.info().fields.find((f) => f.label === 'RAFS version')!.value, 'v5 (0x500)');
  });

  test('without its blob the tree still opens and file data is shown as external', async () => {
    const r = await open(join(V5, 'bootstrap'));
    const root = await r.children(r.rootId);
    const hl = root.find((e) => bytesToString(e.name) === 'hardlink-test')!;
    const foo = (await r.children(hl.id)).find((e) => bytesToString(e.name) === 'foo')!;
    assert.deepEqual((await r.node(foo.id)).data, { kind: 'external' });
    await assert.rejects(r.readData(foo.id, 0, 10), { code: 'nydus.blob.missing' });
    // A blob not at hand is not damage: info says so, the bootstrap itself has no finding.
    assert.deepEqual(r.findings(), []);
    assert.match(r.info().fields.find((f) => f.label === 'blob 0')!.value, /, not found$/);
  });
});

describe('11-nydus/rafs-v6', { skip: corpusSkip }, () => {
  test('opens as RAFS v6 with its extended superblock, blob, device and chunk tables decoded', async () => {
    const r = await open(join(V6, 'bootstrap'), V6);
    assert.ok(isNydusV6Reader(r));
    assert.equal(r.rafs.ext.chunkSize, 1 << 20);
    assert.equal(r.rafs.ext.flags, 0x194);
    assert.deepEqual(r.rafs.blobs.map((b) => [b.blobId, b.chunkCount, b.compressionAlgo, b.digestAlgo]), [[V6_BLOB, 2, 3, 0]]);
    assert.deepEqual(r.devices!.slots.map((s) => [String.fromCharCode(...s.tag), s.blocks]), [[V6_BLOB, 9]]);
    assert.deepEqual(r.rafs.chunkTable.map((c) => [c.index, c.compressedOffset, c.compressedSize, c.uncompressedOffset, c.uncompressedSize]), [
      [1, 4828, 2974, 20480, 13400],
      [0, 0, 4828, 0, 16931],
    ]);
    const info = r.info();
    assert.equal(info.format, 'nydus-v6');
    assert.equal(info.fields.find((f) => f.label === 'RAFS version')!.value, 'v6 (EROFS-based bootstrap)');
    assert.equal(info.fields.find((f) => f.label === 'RAFS flags')!.value, '0x194 (HASH_BLAKE3 EXPLICIT_UID_GID COMPRESSION_ZSTD INLINED_CHUNK_DIGEST)');
    assert.ok(info.features.includes('rafs_v6'));
  });

  test('each file\'s content equals its blob\'s chunk, zstd-decompressed, whose blake3 is the recorded digest', async () => {
    const r = await open(join(V6, 'bootstrap'), V6);
    assert.ok(isNydusV6Reader(r));
    const blob = readFileSync(join(V6, V6_BLOB));
    const byUncompressed = new Map(r.rafs.chunkTable.map((c) => [c.uncompressedOffset, c]));
    const files: string[] = [];
    await walk(r, async (e) => {
      if (e.node.kind !== 'file') return;
      files.push(bytesToString(e.path));
      const addrs = await r.chunkAddrs(await r.rawInode(e.id));
      assert.equal(addrs.length, 1);
      const c = byUncompressed.get(addrs[0]!.blockAddr * 4096)!;
      const chunk = decompress(blob.subarray(c.compressedOffset, c.compressedOffset + c.compressedSize));
      assert.equal(toHex(blake3(chunk)), toHex(c.blockId));
      assert.deepEqual(await r.readData(e.id, 0, e.node.size), chunk.subarray(0, e.node.size));
      assert.equal(e.node.size, c.uncompressedSize);
    });
    assert.deepEqual(files, ['/lib.rs', '/sync_io.rs']);
  });
});
