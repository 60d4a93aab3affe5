/**
 * Corruption rules of compressed files, one damaged field at a time in real mkfs.erofs images:
 * each is rejected with a DecodeError whose code says which rule and whose byte range covers the
 * damaged bytes, the way the kernel's zmap.c / decompressor.c refuse them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { openErofs } from '../../../shared/erofs/reader.ts';
import { cachedGetter, compressedExtents, createDecompressor } from '../../../shared/erofs/zdata.ts';
import { mapExtent, zInode, Z_EROFS_LCLUSTER_TYPE_NONHEAD, Z_EROFS_LI_D0_CBLKCNT, type ZExtent, type ZInode } from '../../../shared/erofs/zmap.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const open = (bytes: Uint8Array) => openErofs(memorySource(bytes), { decompressor: createDecompressor() });

interface Target {
  bytes: Uint8Array;
  nid: number;
  size: number;
  z: ZInode;
  extents: ZExtent[];
}

/** /text.txt of a corpus variant (114000 bytes of text, several pclusters) and its layout. */
async function target(variant: string): Promise<Target> {
  const bytes = new Uint8Array(readFileSync(corpusPath('08-mkfs-erofs', variant, 'image.erofs')));
  const r = await open(bytes);
  const entry = (await r.children(r.rootId)).find((e) => new TextDecoder().decode(e.name) === 'text.txt')!;
  const ino = await r.rawInode(entry.id);
  const { get, run } = cachedGetter(r);
  const z = await run(() => zInode(ino, r.sb, get));
  const { extents } = await compressedExtents(r, ino);
  return { bytes, nid: entry.id, size: ino.size, z, extents };
}

/**
 * Reading the damaged file (or the window `read` of it) fails with `code`, and the error's range
 * covers [at, at+len).
 */
async function assertRule(t: Target, damage: (b: Uint8Array) => void, code: string, at?: number, len = 1, message?: RegExp, read: [number, number] = [0, t.size]) {
  const bytes = t.bytes.slice();
  damage(bytes);
  const r = await open(bytes);
  await assert.rejects(r.readData(t.nid, ...read), (e: unknown) => {
    assert.ok(e instanceof DecodeError, `a DecodeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (at !== undefined) assert.ok(e.offset <= at && at + len <= e.offset + Math.max(e.length, 1), `range ${e.offset}+${e.length} covers ${at}+${len}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const le16 = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8);
const put16 = (b: Uint8Array, p: number, v: number) => {
  b[p] = v & 0xff;
  b[p + 1] = v >> 8;
};
const put32 = (b: Uint8Array, p: number, v: number) => {
  put16(b, p, v & 0xffff);
  put16(b, p + 2, v >>> 16);
};

describe('full lcluster indexes (lz4-legacy: COMPRESSED_FULL)', { skip: corpusSkip }, () => {
  const idx = (t: Target, lcn: number) => t.z.indexBase + 8 * lcn;
  const firstOfType = (t: Target, nonhead: boolean) => {
    for (let lcn = 1; lcn < t.z.totalIdx; lcn++) {
      if (((le16(t.bytes, idx(t, lcn)) & 3) === Z_EROFS_LCLUSTER_TYPE_NONHEAD) === nonhead) return lcn;
    }
    throw new Error('no such lcluster');
  };

  test('the undamaged file decodes, with more than one pcluster and NONHEAD lclusters between heads', async () => {
    const t = await target('lz4-legacy');
    assert.ok(!t.z.compact && t.extents.length > 2);
    assert.ok(firstOfType(t, true) > 0);
    const r = await open(t.bytes);
    assert.equal((await r.readData(t.nid, 0, t.size)).length, t.size);
  });

  test('a head whose di_clusterofs is not inside its lcluster', async () => {
    const t = await target('lz4-legacy');
    const lcn = t.extents[1]!.headLcn;
    await assertRule(t, (b) => put16(b, idx(t, lcn) + 2, 4096), 'erofs.zmap.clusterofs', idx(t, lcn) + 2, 2);
  });

  test('a NONHEAD lcluster with lookback distance 0, when a read starts inside it', async () => {
    const t = await target('lz4-legacy');
    const lcn = firstOfType(t, true);
    await assertRule(t, (b) => put16(b, idx(t, lcn) + 4, 0), 'erofs.zmap.delta', idx(t, lcn), 8, /lookback distance 0/, [lcn * 4096 + 100, 10]);
  });

  test('a lookback that runs before the first lcluster', async () => {
    const t = await target('lz4-legacy');
    await assertRule(t, (b) => {
      put16(b, idx(t, 0), Z_EROFS_LCLUSTER_TYPE_NONHEAD);
      put16(b, idx(t, 0) + 4, 1);
    }, 'erofs.zmap.delta', idx(t, 0), 8, /before the first lcluster/);
  });

  test('a CBLKCNT in a file without big pclusters', async () => {
    const t = await target('lz4-legacy');
    const lcn = firstOfType(t, true);
    await assertRule(t, (b) => put16(b, idx(t, lcn) + 4, Z_EROFS_LI_D0_CBLKCNT | 2), 'erofs.zmap.cblkcnt', idx(t, lcn) + 4, 2);
  });

  test('an uncompressed (PLAIN) head whose extent is longer than its one-block pcluster', async () => {
    const t = await target('lz4-legacy');
    const ext = t.extents.find((e) => e.llen > 4096)!;
    await assertRule(t, (b) => put16(b, idx(t, ext.headLcn), 0), 'erofs.zmap.plain-size', idx(t, ext.headLcn), 8);
  });

  test('a pcluster address beyond the image end', async () => {
    const t = await target('lz4-legacy');
    const lcn = t.extents[0]!.headLcn;
    await assertRule(t, (b) => put32(b, idx(t, lcn) + 4, 0x00ffffff), 'erofs.zdata.out-of-bounds', 0xffffff * 4096, 1);
  });

  test('without 0-padding, a damaged stream either fails lz4 decoding or decodes to the wrong length, inside its pcluster', async () => {
    const t = await target('lz4-legacy');
    const ext = t.extents[1]!;
    const bytes = t.bytes.slice();
    bytes.fill(0xff, ext.pa, ext.pa + 16);
    const r = await open(bytes);
    await assert.rejects(r.readData(t.nid, 0, t.size), (e: unknown) => {
      assert.ok(e instanceof DecodeError && ['erofs.lz4.corrupt', 'erofs.zdata.length'].includes(e.code), String(e));
      assert.ok(e.offset >= ext.pa && e.offset < ext.pa + ext.plen, `${e.offset} inside ${ext.pa}+${ext.plen}`);
      return true;
    });
  });
});

describe('map header and compact indexes (lz4, lz4hc-ztail: COMPRESSED_COMPACT)', { skip: corpusSkip }, () => {
  test('an unknown algorithm number in h_algorithmtype', async () => {
    const t = await target('lz4');
    await assertRule(t, (b) => (b[t.z.header.offset + 6] = 0x0f), 'erofs.zmap.algorithm', t.z.header.offset + 6, 1);
  });

  test('an algorithm the superblock does not declare (lzma in an lz4-only image) is named in the error', async () => {
    const t = await target('lz4');
    await assertRule(t, (b) => (b[t.z.header.offset + 6] = 0x11), 'erofs.zmap.algorithm', t.z.header.offset + 6, 1, /lzma is not among/);
  });

  test('big pclusters advised without the superblock feature', async () => {
    const t = await target('lz4');
    await assertRule(t, (b) => put16(b, t.z.header.offset + 4, le16(b, t.z.header.offset + 4) | 0x6), 'erofs.zmap.advise', t.z.header.offset + 4, 2);
  });

  test('compact indexes advising big pclusters for HEAD1 but not HEAD2', async () => {
    const t = await target('lz4');
    await assertRule(t, (b) => {
      b[1024 + 80] |= 0x2; // EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER, so the header rule is the one left to break
      put16(b, t.z.header.offset + 4, le16(b, t.z.header.offset + 4) | 0x2);
    }, 'erofs.zmap.advise', t.z.header.offset + 4, 2, /HEAD1 and HEAD2 alike/);
  });

  test('an all-zero pcluster under 0-padding has no stream to decode', async () => {
    const t = await target('lz4');
    const ext = t.extents[0]!;
    await assertRule(t, (b) => b.fill(0, ext.pa, ext.pa + ext.plen), 'erofs.zdata.padding', ext.pa, 4096);
  });

  test('a damaged stream under 0-padding fails inside its pcluster', async () => {
    const t = await target('lz4');
    const ext = t.extents[0]!;
    const bytes = t.bytes.slice();
    // Lengthen the first literal run far past the input.
    let p = ext.pa;
    while (bytes[p] === 0) p++;
    bytes[p] = 0xf0;
    bytes[p + 1] = 0xff;
    bytes[p + 2] = 0xff;
    const r = await open(bytes);
    await assert.rejects(r.readData(t.nid, 0, t.size), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.lz4.corrupt' && e.offset >= ext.pa && e.offset < ext.pa + ext.plen);
  });

  test('a ztailpacking inline pcluster that is empty or crosses its block', async () => {
    const t = await target('lz4hc-ztail');
    assert.ok(t.extents.some((e) => e.inline), 'the tail is inline');
    await assertRule(t, (b) => put16(b, t.z.header.offset + 2, 0), 'erofs.zmap.idata', t.z.header.offset + 2, 2);
    await assertRule(t, (b) => put16(b, t.z.header.offset + 2, 4096), 'erofs.zmap.idata', t.z.header.offset + 2, 2);
  });

  test('an i_size larger than the indexes were written for: the tail extent no longer matches its stream', async () => {
    const t = await target('lz4');
    const bytes = t.bytes.slice();
    put32(bytes, t.z.ino.offset + 8, t.size + 10 * 4096); // compact inode i_size
    const r = await open(bytes);
    await assert.rejects(r.readData(t.nid, 0, t.size + 10 * 4096), (e: unknown) => e instanceof DecodeError && /^erofs\.(zmap|zdata|lz4)\./.test(e.code));
  });

  test('an lcluster past the compact index count is refused instead of read from whatever follows the indexes', async () => {
    const t = await target('lz4');
    const r = await open(t.bytes);
    const { get } = cachedGetter(r);
    await r.prefetchAll();
    const short: ZInode = { ...t.z, totalIdx: 2 };
    assert.throws(() => mapExtent(short, get, 3 * 4096), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.zmap.lcn' && e.offset === t.z.indexBase);
    assert.equal(mapExtent(t.z, get, 3 * 4096).la <= 3 * 4096, true);
  });
});
