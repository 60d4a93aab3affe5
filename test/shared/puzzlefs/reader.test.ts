/**
 * PuzzleFS images built to the documented layout, with their Cap'n Proto metadata encoded by
 * `capnp encode`: the tree we read equals the tree encoded, file content (plain and
 * zstd-seekable chunks, across frame boundaries) reads back, the fs-verity digests the image
 * records are verified, and check names damage to blobs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { checkImage } from '../../../shared/check/index.ts';
import { LAYOUT } from '../../../shared/puzzlefs/metadata.ts';
import type { PuzzlefsReader } from '../../../shared/puzzlefs/reader.ts';
import { bytesEqual, toHex, type Finding } from '../../../shared/model.ts';
import { walk } from '../../../shared/walk.ts';
import { removeDir } from '../oci/gnu-tar.ts';
import { buildPuzzlefs, ENTRIES, puzzlefsSkip, SPECS, type Built } from './puzzlefs-builder.ts';

const enc = new TextEncoder();

const open = async (path: string) => (await openImageFile(path)) as PuzzlefsReader;
const latin = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('PuzzleFS images encoded with capnp encode', { skip: puzzlefsSkip }, () => {
  let img: Built;
  const extra: string[] = [];
  before(() => {
    img = buildPuzzlefs(ENTRIES);
  });
  after(() => {
    removeDir(img.dir);
    for (const d of extra) removeDir(d);
  });

  test('the field positions we read are the ones capnp compile reports for metadata.capnp', () => {
    const text = execFileSync('capnp', ['compile', '-ocapnp', '-I', SPECS, join(SPECS, 'metadata.capnp')], { cwd: SPECS }).toString();
    const field = (struct: string, name: string) => {
      const body = new RegExp(`struct ${struct} @0x[0-9a-f]+ \\{[^]*?\\n\\}`).exec(text)![0];
      return new RegExp(`\\b${name} @\\d+ :[^#]+# (bits\\[(\\d+)|ptr\\[(\\d+))`).exec(body)!;
    };
    const bits = (s: string, n: string) => Number(field(s, n)[2]);
    const ptr = (s: string, n: string) => Number(field(s, n)[3]);
    assert.equal(ptr('BlobRef', 'digest'), LAYOUT.BlobRef.digest);
    assert.equal(bits('BlobRef', 'offset'), LAYOUT.BlobRef.offset);
    assert.equal(bits('BlobRef', 'compressed'), LAYOUT.BlobRef.compressed);
    assert.equal(ptr('FileChunk', 'blob'), LAYOUT.FileChunk.blob);
    assert.equal(bits('FileChunk', 'len'), LAYOUT.FileChunk.len);
    assert.equal(bits('DirEntry', 'ino'), LAYOUT.DirEntry.ino);
    assert.equal(ptr('DirEntry', 'name'), LAYOUT.DirEntry.name);
    assert.equal(ptr('Dir', 'entries'), LAYOUT.Dir.entries);
    assert.equal(bits('Dir', 'lookBelow'), LAYOUT.Dir.lookBelow);
    assert.equal(bits('Chr', 'minor'), LAYOUT.Chr.minor);
    assert.equal(ptr('Xattr', 'val'), LAYOUT.Xattr.val);
    assert.equal(ptr('InodeAdditional', 'symlinkTarget'), LAYOUT.InodeAdditional.symlinkTarget);
    assert.equal(bits('Inode', 'ino'), LAYOUT.Inode.ino);
    assert.equal(bits('Inode', 'uid'), LAYOUT.Inode.uid);
    assert.equal(bits('Inode', 'gid'), LAYOUT.Inode.gid);
    assert.equal(bits('Inode', 'permissions'), LAYOUT.Inode.permissions);
    assert.equal(ptr('Inode', 'additional'), LAYOUT.Inode.additional);
    assert.equal(ptr('Inode', 'file'), LAYOUT.Inode.modePtr);
    assert.equal(Number(/union \{ {2}# tag bits \[(\d+), \d+\)/.exec(text)![1]), LAYOUT.Inode.modeTag);
    assert.equal(ptr('Rootfs', 'fsVerityData'), LAYOUT.Rootfs.fsVerityData);
    assert.equal(bits('Rootfs', 'manifestVersion'), LAYOUT.Rootfs.manifestVersion);
  });

  test('the tree equals the capnp-encoded tree: kinds, modes, owners, sizes, targets, devices, xattrs', async () => {
    const r = await open(img.index);
    const seen = new Map<string, Awaited<ReturnType<typeof r.node>>>();
    await walk(r, (e) => void seen.set(latin(e.path), e.node));
    assert.deepEqual([...seen.keys()].sort(), ['/', ...ENTRIES.map((e) => e.path)].sort());
    const TYPE = { dir: 0o040000, file: 0o100000, symlink: 0o120000, fifo: 0o010000, chr: 0o020000, blk: 0o060000, sock: 0o140000 };
    for (const e of ENTRIES) {
      const n = seen.get(e.path)!;
      assert.equal(n.id, img.inoOf.get(e.path), `${e.path}: ino`);
      assert.equal(n.mode, TYPE[e.kind] | (e.permissions ?? (e.kind === 'dir' ? 0o755 : 0o644)), `${e.path}: mode`);
      assert.deepEqual([n.uid, n.gid], [e.uid ?? 0, e.gid ?? 0], `${e.path}: owner`);
      if (e.kind === 'file') assert.equal(n.size, e.content!.length, `${e.path}: size`);
      if (e.target) assert.equal(latin(n.target!), e.target);
      if (e.kind === 'chr') assert.equal(n.rdev, (e.minor! & 0xff) | (e.major! << 8) | ((e.minor! & ~0xff) << 12));
      assert.deepEqual(
        n.xattrs.map((x) => [latin(x.name), toHex(x.value)]),
        Object.entries(e.xattrs ?? {}).map(([k, v]) => [k, toHex(v)]),
        `${e.path}: xattrs`,
      );
    }
    assert.equal(seen.get('/usr')!.nlink, 2);
    assert.equal(seen.get('/')!.nlink, 4);
    await r.close();
  });

  test('every file reads back: plain chunks and zstd-seekable chunks, whole and across frame boundaries', async () => {
    const r = await open(img.index);
    for (const e of ENTRIES.filter((x) => x.kind === 'file')) {
      const id = img.inoOf.get(e.path)!;
      assert.ok(bytesEqual(await r.readData(id, 0, e.content!.length), e.content!), e.path);
    }
    const packed = ENTRIES.find((e) => e.path === '/usr/packed.bin')!.content!;
    const id = img.inoOf.get('/usr/packed.bin')!;
    for (const [off, len] of [[4990, 20], [4095, 2], [12_345, 6000], [23_000, 1000]] as const) {
      assert.ok(bytesEqual(await r.readData(id, off, len), packed.subarray(off, off + len)), `packed ${off}+${len}`);
    }
    assert.ok(bytesEqual(await r.readData(img.inoOf.get('/usr/link')!, 0, 100), enc.encode('../etc/hostname')));
    await r.close();
  });

  test('info names the format and the manifest version; check verifies every blob and its fs-verity digest', async () => {
    const r = await open(img.index);
    const info = r.info();
    assert.equal(info.format, 'puzzlefs');
    const field = (l: string) => info.fields.find((f) => f.label === l)?.value;
    assert.equal(field('Manifest version'), '2');
    assert.equal(field('Tag'), 'test');
    assert.equal(field('fs-verity digests recorded'), '3');
    assert.ok(info.features.includes('zstd-seekable'));
    assert.deepEqual((await checkImage(r)).findings, []);
    await r.close();
  });

  const damaged = async (mutate: (b: Built) => void): Promise<Finding[]> => {
    const b = buildPuzzlefs(ENTRIES);
    extra.push(b.dir);
    mutate(b);
    const r = await open(b.index);
    const { findings } = await checkImage(r);
    await r.close();
    return findings;
  };
  const flip = (path: string, at: (n: number) => number) => {
    const bytes = new Uint8Array(readFileSync(path));
    bytes[at(bytes.length)] ^= 0x20;
    writeFileSync(path, bytes);
  };

  test('a changed byte in a plain chunk blob: its sha256 and its fs-verity digest no longer match', async () => {
    const f = await damaged((b) => flip(b.blobs.get(b.plainHex)!, (n) => n >> 1));
    assert.deepEqual(f.map((x) => x.code).sort(), ['puzzlefs.blob.digest', 'puzzlefs.verity.mismatch']);
    assert.match(f.find((x) => x.code === 'puzzlefs.verity.mismatch')!.message, /^chunk blob [0-9a-f]{16}…: its fs-verity digest is [0-9a-f]{64}, the image records [0-9a-f]{64}$/);
  });

  test('a damaged zstd frame in the compressed blob is named, and reading the file over it fails cleanly', async () => {
    const b = buildPuzzlefs(ENTRIES);
    extra.push(b.dir);
    const path = b.blobs.get(b.compressedHex)!;
    const bytes = new Uint8Array(readFileSync(path));
    bytes.fill(0xff, 4, 12); // the first frame's header and first block header: no longer a valid frame
    writeFileSync(path, bytes);
    const r = await open(b.index);
    const { findings } = await checkImage(r);
    assert.deepEqual(findings.map((x) => x.code).sort(), ['puzzlefs.blob.corrupt', 'puzzlefs.blob.digest', 'puzzlefs.verity.mismatch']);
    assert.deepEqual([findings.find((x) => x.code === 'puzzlefs.blob.corrupt')!.offset], [0]);
    await assert.rejects(r.readData(b.inoOf.get('/usr/packed.bin')!, 0, 100), (e: Error & { code?: string }) => e.code === 'puzzlefs.blob.corrupt');
    await r.close();
  });

  test('a missing chunk blob is named', async () => {
    const f = await damaged((b) => rmSync(b.blobs.get(b.compressedHex)!));
    assert.deepEqual(f.map((x) => x.code), ['puzzlefs.blob.missing']);
    assert.match(f[0]!.message, /blobs\/sha256\/[0-9a-f]{64}/);
  });

  test('a rootfs whose fs-verity digest differs from the manifest annotation is named', async () => {
    const f = await damaged((b) => {
      const idx = JSON.parse(readFileSync(b.index, 'utf8'));
      const mHex = idx.manifests[0].digest.slice(7);
      const mPath = b.blobs.get(mHex)!;
      const m = JSON.parse(readFileSync(mPath, 'utf8'));
      m.layers[0].annotations['io.puzzlefsoci.puzzlefs.puzzlefs_verity_root_hash'] = '00'.repeat(32);
      writeFileSync(mPath, JSON.stringify(m)); // the manifest keeps its old name: index.json still finds it
    });
    assert.deepEqual(f.map((x) => x.code), ['puzzlefs.verity.mismatch']);
    assert.match(f[0]!.message, /^the rootfs /);
  });

  test('a truncated metadata blob is refused with the Cap\'n Proto problem named', async () => {
    const b = buildPuzzlefs(ENTRIES);
    extra.push(b.dir);
    const path = b.blobs.get(b.metadataHex)!;
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    await assert.rejects(open(b.index), (e: Error & { code?: string }) => e.code === 'puzzlefs.capnp.malformed' && /segment|outside/.test(e.message));
  });
});
