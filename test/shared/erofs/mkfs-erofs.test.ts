/**
 * Plain EROFS conformance: our reader's listing of images made by mkfs.erofs equals the reference,
 * path by path (type, mode, owner, size, mtime where kept, xattrs, symlink target, rdev, content).
 * References: the corpus's source-manifest.json for the 08-mkfs-erofs variants, and
 * `fsck.erofs --extract` for images this test builds (compressed, big pclusters, ztailpacking,
 * full indexes, chunked, blob device).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { crc32c, superblockChecksum, verifySuperblockChecksum } from '../../../shared/erofs/crc32c.ts';
import { openErofs } from '../../../shared/erofs/reader.ts';
import { compressedExtents, createDecompressor } from '../../../shared/erofs/zdata.ts';
import { Z_EROFS_COMPRESSION_LZ4, Z_EROFS_LCLUSTER_TYPE_PLAIN } from '../../../shared/erofs/zmap.ts';
import { walk } from '../../../shared/walk.ts';
import { openImage } from '../../../shared/open.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import {
  compressionTree,
  differences,
  erofsUtilsSkip,
  fsckExtract,
  manifestExpectations,
  mkfsErofs,
  readerView,
  removeDir,
  tempDir,
  treeExpectations,
  treeXattrs,
  writeTree,
} from './erofs-utils.ts';

const VARIANTS = ['plain', 'preserve-mtime', 'noinline', 'extended', 'chunked-4k', 'lz4', 'lz4hc-ztail', 'lz4-legacy'];
const variantImage = (v: string) => corpusPath('08-mkfs-erofs', v, 'image.erofs');
const loadBytes = (p: string) => new Uint8Array(readFileSync(p));
const openBytes = (b: Uint8Array, devices?: Uint8Array[]) =>
  openErofs(memorySource(b), { decompressor: createDecompressor(), ...(devices ? { devices: devices.map(memorySource) } : {}) });

describe('08-mkfs-erofs corpus variants list exactly like their source manifest', { skip: corpusSkip }, () => {
  for (const v of VARIANTS) {
    test(`${v}: every path matches type, mode, owner, nlink, size, xattrs, target, rdev, content${v === 'preserve-mtime' ? ' and mtime to the ns' : ' and the -T mtime'}`, async () => {
      const reader = await openImage(memorySource(loadBytes(variantImage(v))));
      assert.equal(reader.format, 'erofs');
      const expected = manifestExpectations(corpusPath('08-mkfs-erofs', 'source-manifest.json'), { mtime: v === 'preserve-mtime' });
      // -T1700000000 gives every inode that mtime with 0 ns.
      if (v !== 'preserve-mtime') for (const e of expected.values()) e.mtimeNs = 1_700_000_000_000_000_000n;
      const actual = await readerView(reader);
      assert.equal(actual.size, 423);
      assert.deepEqual(differences(expected, actual), []);
    });
  }

  test('the compressed variants really are compressed: their layouts include the compressed data layouts', async () => {
    const layouts = async (v: string) => new Set([...(await readerView(await openImage(memorySource(loadBytes(variantImage(v)))))).values()].map((a) => a.layout));
    assert.ok((await layouts('lz4')).has('compact COMPRESSED_COMPACT'));
    assert.ok((await layouts('lz4hc-ztail')).has('compact COMPRESSED_COMPACT'));
    assert.ok((await layouts('lz4-legacy')).has('compact COMPRESSED_FULL'));
    assert.ok((await layouts('chunked-4k')).has('compact CHUNK_BASED'));
  });
});

describe('superblock checksum (sb_csum)', { skip: corpusSkip }, () => {
  test('crc32c matches the Castagnoli check value and the kernel seed convention', () => {
    const check = new TextEncoder().encode('123456789');
    // The standard CRC-32C check value includes the final inversion the kernel leaves to the caller.
    assert.equal((crc32c(0xffffffff, check) ^ 0xffffffff) >>> 0, 0xe3069283);
    assert.equal(crc32c(0xffffffff, new Uint8Array(0)), 0xffffffff);
    // Chunked computation continues the register.
    assert.equal(crc32c(crc32c(0xffffffff, check.subarray(0, 5)), check.subarray(5)), crc32c(0xffffffff, check));
  });

  test('every corpus variant carries a checksum that verifies', async () => {
    for (const v of VARIANTS) {
      const r = await openBytes(loadBytes(variantImage(v)));
      assert.ok(r.sb.featureCompat & 1, `${v} has sb_csum`);
      assert.equal(await verifySuperblockChecksum(r), undefined, v);
      assert.equal(superblockChecksum(await r.bytes(1024, r.blockSize - 1024)), r.sb.checksum, v);
    }
  });

  test('a changed byte in the superblock block is a checksum finding naming the field and both values', async () => {
    const bytes = loadBytes(variantImage('plain'));
    bytes[1024 + 64] ^= 0x20; // volume_name: nothing else reads it
    const r = await openBytes(bytes);
    const f = await verifySuperblockChecksum(r);
    assert.ok(f);
    assert.equal(f.code, 'erofs.superblock.checksum');
    assert.equal(f.severity, 'error');
    assert.deepEqual([f.offset, f.length], [1028, 4]);
    assert.equal(f.actual, '0x' + r.sb.checksum.toString(16));
    assert.notEqual(f.expected, f.actual);
  });

  test('the checksum covers the superblock block only: a change in the next block or in the first 1024 bytes passes', async () => {
    const bytes = loadBytes(variantImage('plain'));
    bytes[4096 + 10] ^= 0xff;
    bytes[100] ^= 0xff;
    assert.equal(await verifySuperblockChecksum(await openBytes(bytes)), undefined);
  });

  test('a wrong checksum field is reported; without the sb_csum feature nothing is checked', async () => {
    const bytes = loadBytes(variantImage('lz4'));
    bytes[1024 + 4] ^= 1;
    assert.ok(await verifySuperblockChecksum(await openBytes(bytes)));
    bytes[1024 + 8] &= ~1; // clear EROFS_FEATURE_COMPAT_SB_CHKSUM
    assert.equal(await verifySuperblockChecksum(await openBytes(bytes)), undefined);
  });
});

/** "path sha256" of every regular file, for comparing contents alone. */
const fileContents = (m: Map<string, { sha256?: string }>) => [...m].filter(([, v]) => v.sha256).map(([k, v]) => `${k} ${v.sha256}`).sort();

interface Built {
  name: string;
  args: string[];
  image: string;
  blob?: string;
  extracted: string;
}

describe('images built by mkfs.erofs list exactly like fsck.erofs --extract of them', { skip: erofsUtilsSkip }, () => {
  const files = compressionTree();
  let dir = '';
  const builds: Built[] = [
    { name: 'lz4 compact indexes', args: ['-zlz4'] },
    { name: 'lz4hc big pclusters (64 KiB), compact indexes', args: ['-zlz4hc', '-C65536'] },
    { name: 'lz4hc big pclusters, full indexes', args: ['-zlz4hc', '-C65536', '-Elegacy-compress'] },
    { name: 'lz4 full indexes without 0-padding', args: ['-zlz4', '-Elegacy-compress'] },
    { name: 'lz4 ztailpacking', args: ['-zlz4', '-Eztailpacking'] },
    { name: 'lz4hc big pclusters (16 KiB) with ztailpacking', args: ['-zlz4hc,9', '-C16384', '-Eztailpacking'] },
    { name: 'chunked 8 KiB, extended inodes', args: ['--chunksize=8192', '-Eforce-inode-extended'] },
    { name: 'chunk indexes on a blob device', args: ['--chunksize=4096', '--blobdev=BLOB'] },
    { name: 'uncompressed without inline data, no checksum', args: ['-Enoinline_data', '-Enosbcrc'] },
  ].map((b, i) => ({ ...b, image: '', extracted: '', ...(b.args.includes('--blobdev=BLOB') ? { blob: `blob-${i}` } : {}) }));

  before(() => {
    dir = tempDir();
    writeTree(join(dir, 'tree'), files);
    builds.forEach((b, i) => {
      b.image = join(dir, `image-${i}.erofs`);
      if (b.blob) b.blob = join(dir, b.blob);
      mkfsErofs(b.image, join(dir, 'tree'), b.args.map((a) => (a === '--blobdev=BLOB' ? `--blobdev=${b.blob}` : a)));
      b.extracted = join(dir, `extracted-${i}`);
      fsckExtract(b.image, b.extracted, b.blob ? [b.blob] : []);
    });
  });
  after(() => removeDir(dir));

  for (const b of builds) {
    test(`${b.name}: every path matches fsck's extraction and the source xattrs`, async () => {
      const reader = await openBytes(loadBytes(b.image), b.blob ? [loadBytes(b.blob)] : undefined);
      const expected = treeExpectations(b.extracted, treeXattrs(files));
      // fsck.erofs 1.5 sets the mode before the owner, and chown clears set-id bits: take those
      // bits from the source tree.
      const source = treeExpectations(join(dir, 'tree'));
      for (const [p, e] of expected) {
        const m = source.get(p)?.mode ?? 0;
        if (m & 0o6000) e.mode = m;
      }
      const actual = await readerView(reader);
      // fsck extracts into a directory it does not own: the root's own metadata comes from there.
      expected.delete('/');
      actual.delete('/');
      assert.ok(expected.size > 15);
      assert.deepEqual(differences(expected, actual), []);
      if (!b.args.includes('-Enosbcrc')) assert.equal(await verifySuperblockChecksum(reader), undefined);
    });
  }

  /** Kinds of extents the image's compressed files use: plain, lz4, big (multi-block pcluster), inline. */
  const extentKinds = async (b: Built) => {
    const r = await openBytes(loadBytes(b.image));
    const kinds = new Set<string>();
    await walk(r, async (e) => {
      if (e.node.data.kind !== 'compressed') return;
      for (const x of (await compressedExtents(r, await r.rawInode(e.id))).extents) {
        kinds.add(x.headType === Z_EROFS_LCLUSTER_TYPE_PLAIN ? 'plain' : x.algorithm === Z_EROFS_COMPRESSION_LZ4 ? 'lz4' : 'other');
        if (x.plen > r.blockSize) kinds.add('big');
        if (x.inline) kinds.add('inline');
      }
    });
    return [...kinds].sort().join(' ');
  };

  test('the compressed images hold the extent kinds they are meant to exercise', async () => {
    assert.equal(await extentKinds(builds[0]!), 'lz4 plain');
    assert.equal(await extentKinds(builds[1]!), 'big lz4');
    assert.equal(await extentKinds(builds[2]!), 'big lz4');
    assert.equal(await extentKinds(builds[3]!), 'lz4 plain');
    assert.equal(await extentKinds(builds[4]!), 'inline lz4 plain');
    assert.equal(await extentKinds(builds[5]!), 'big inline lz4 plain');
  });

  test('the built images use the layouts they are meant to exercise', async () => {
    const layouts = async (b: Built) => {
      const r = await openBytes(loadBytes(b.image), b.blob ? [loadBytes(b.blob)] : undefined);
      return { r, set: new Set([...(await readerView(r)).values()].map((a) => a.layout)) };
    };
    assert.ok((await layouts(builds[0]!)).set.has('compact COMPRESSED_COMPACT'));
    const big = await layouts(builds[1]!);
    assert.ok(big.r.sb.featureIncompat & 2, 'big_pcluster feature');
    assert.ok((await layouts(builds[2]!)).set.has('compact COMPRESSED_FULL'));
    const legacy = await layouts(builds[3]!);
    assert.equal(legacy.r.sb.featureIncompat & 1, 0, 'no 0-padding');
    assert.ok((await layouts(builds[4]!)).r.sb.featureIncompat & 0x10, 'ztailpacking feature');
    assert.ok((await layouts(builds[6]!)).set.has('extended CHUNK_BASED'));
    assert.equal((await layouts(builds[8]!)).r.sb.featureCompat & 1, 0, 'no sb_csum');
  });

  test('a blob device is listed in info() and data on it needs the blob: without it the error names blob 1', async () => {
    const b = builds.find((x) => x.blob)!;
    const withBlob = await openBytes(loadBytes(b.image), [loadBytes(b.blob!)]);
    assert.equal(withBlob.sb.extraDevices, 1);
    assert.equal(withBlob.devices?.slots.length, 1);
    const info = withBlob.info();
    assert.ok(info.fields.some((f) => f.label === 'device 1' && f.value.startsWith('blob 1') && f.range?.offset === withBlob.sb.devtSlotoff * 128));

    const alone = await openBytes(loadBytes(b.image));
    const root = await alone.children(alone.rootId);
    const text = root.find((e) => new TextDecoder().decode(e.name) === 'text.txt')!;
    const node = await alone.node(text.id);
    assert.equal(node.data.kind, 'chunks');
    assert.deepEqual(node.data.kind === 'chunks' && node.data.deviceIds, [1]);
    await assert.rejects(alone.readData(text.id, 0, 100), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.data.device' && /blob 1/.test(e.message));
    const data = await withBlob.readData(text.id, 0, 100);
    assert.equal(new TextDecoder().decode(data).slice(0, 10), 'line 0 of ');
  });

  test('a blob mapped into the image\'s own address space (mapped_blkaddr, flat mode) reads from the image without a blob source', async () => {
    const b = builds.find((x) => x.blob)!;
    const image = loadBytes(b.image);
    const blob = loadBytes(b.blob!);
    const flat = new Uint8Array(image.length + blob.length);
    flat.set(image);
    flat.set(blob, image.length);
    const r0 = await openBytes(image);
    const slot = r0.devices!.slots[0]!;
    new DataView(flat.buffer).setUint32(slot.offset + 68, image.length / r0.blockSize, true);
    new DataView(flat.buffer).setUint32(1024 + 4, superblockChecksum(flat.subarray(1024, r0.blockSize)), true);
    const actual = await readerView(await openBytes(flat));
    const expected = treeExpectations(b.extracted);
    assert.deepEqual(fileContents(actual), fileContents(expected));
  });

  test('reading any window of a compressed file gives the same bytes as reading it whole', async () => {
    for (const b of builds.slice(0, 6)) {
      const r = await openBytes(loadBytes(b.image));
      const src = readFileSync(join(dir, 'tree', 'mixed.bin'));
      const id = (await r.children(r.rootId)).find((e) => new TextDecoder().decode(e.name) === 'mixed.bin')!.id;
      for (const [off, len] of [[0, 1], [4095, 2], [4096, 4096], [10_000, 33_333], [src.length - 5, 100], [src.length, 10]] as const) {
        const got = await r.readData(id, off, len);
        assert.deepEqual(Buffer.from(got), src.subarray(off, Math.min(src.length, off + len)), `${b.name} ${off}+${len}`);
      }
    }
  });

  test('interlaced plain pclusters (the layout of newer mkfs.erofs) decode like shifted ones once their bytes are rotated', async () => {
    const b = builds[0]!;
    const bytes = loadBytes(b.image);
    const r0 = await openBytes(bytes);
    let patchedFiles = 0;
    for (const e of await r0.children(r0.rootId)) {
      const node = await r0.node(e.id);
      if (node.data.kind !== 'compressed') continue;
      const ino = await r0.rawInode(e.id);
      const { z, extents } = await compressedExtents(r0, ino);
      const plain = extents.filter((x) => x.headType === Z_EROFS_LCLUSTER_TYPE_PLAIN && !x.inline && x.la % 4096 !== 0);
      if (!plain.length) continue;
      // Interlaced storage puts data byte k of an extent at pcluster byte (la + k) mod blocksize.
      for (const x of extents.filter((y) => y.headType === Z_EROFS_LCLUSTER_TYPE_PLAIN)) {
        const shifted = bytes.slice(x.pa, x.pa + x.plen);
        for (let k = 0; k < x.plen; k++) bytes[x.pa + ((x.la + k) % x.plen)] = shifted[k]!;
      }
      bytes[z.header.offset + 4]! |= 0x10; // Z_EROFS_ADVISE_INTERLACED_PCLUSTER
      patchedFiles++;
    }
    assert.ok(patchedFiles > 0, 'a file with unaligned plain extents');
    const expected = treeExpectations(b.extracted);
    const actual = await readerView(await openBytes(bytes));
    assert.deepEqual(fileContents(actual), fileContents(expected));
  });

  test('interleaved windowed reads of two compressed files each get their own bytes (no stale decoded extent)', async () => {
    for (const b of builds.slice(0, 6)) {
      const r = await openBytes(loadBytes(b.image));
      const names = ['text.txt', 'zeros.bin'];
      const srcs = names.map((n) => readFileSync(join(dir, 'tree', n)));
      const ids = await Promise.all(names.map(async (n) => (await r.children(r.rootId)).find((e) => new TextDecoder().decode(e.name) === n)!.id));
      const got = srcs.map((s) => Buffer.alloc(s.length));
      const window = 5000;
      for (let off = 0; off < Math.max(...srcs.map((s) => s.length)); off += window) {
        for (const i of [0, 1, 0]) {
          if (off < srcs[i]!.length) got[i]!.set(await r.readData(ids[i]!, off, window), off);
        }
      }
      for (const i of [0, 1]) assert.ok(got[i]!.equals(srcs[i]!), `${b.name} ${names[i]}`);
    }
  });
});

test('the reference corpus holds the variants this test expects', { skip: corpusSkip }, () => {
  for (const v of VARIANTS) assert.ok(existsSync(variantImage(v)), v);
});

