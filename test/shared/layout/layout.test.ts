/** The layout map on small images made by our own writers: exact structures, gaps, overlaps and text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memorySource } from '../../../shared/bytes/source.ts';
import { buildLayout } from '../../../shared/layout/index.ts';
import type { LayoutMap } from '../../../shared/layout/model.ts';
import { finishLayout, LayoutBuilder, structuresAt } from '../../../shared/layout/model.ts';
import { describeFields } from '../../../shared/layout/fields.ts';
import { structureHeading, writeLayoutText } from '../../../shared/layout/text.ts';
import { openImage } from '../../../shared/open.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { buildImage } from '../../helpers/image-builder.ts';
import { buildLegacy } from '../legacy/build.ts';
import { entry, tar } from '../oci/tar-builder.ts';

const ENTRIES = [
  { path: '/etc/hostname', content: 'box\n' },
  { path: '/bin/sh', size: 10, digest: 'ab'.repeat(32) },
  { path: '/lnk', type: 'symlink' as const, target: 'etc/hostname' },
];

async function layoutOf(bytes: Uint8Array): Promise<{ map: LayoutMap; text: string }> {
  const r = await openImage(memorySource(bytes));
  const map = await buildLayout(r);
  let text = '';
  await writeLayoutText(map, (o, l) => r.bytes(o, l), (s) => (text += s));
  return { map, text };
}

/** The writer adds the 256 object-store directories /00../ff; the rest is what the test named. */
const OBJECT_DIR = /"\/[0-9a-f]{2}"$/;

test('a small composefs image: every structure in offset order with its owning path, the rest padding', async () => {
  const { map, text } = await layoutOf(buildImage({ entries: ENTRIES }));
  const headings = map.structures.map(structureHeading).filter((h) => !OBJECT_DIR.test(h));
  assert.deepEqual(headings, [
    '0x00000000 +32 composefs.header "composefs header"',
    '0x00000400 +128 erofs.superblock "superblock"',
    '0x00000480 +32 erofs.inode.compact "inode 36" "/"',
    '0x000004a0 +12 erofs.xattr.ibody-header "xattr header of inode 36" "/"',
    '0x000004ac +20 erofs.xattr.entry "xattr of inode 36" "/"',
    '0x00001cc0 +32 erofs.inode.compact "inode 230" "/bin"',
    '0x00001ce0 +41 erofs.dirent-block "dirent block of inode 230" "/bin"',
    '0x00002320 +32 erofs.inode.compact "inode 281" "/etc"',
    '0x00002340 +47 erofs.dirent-block "dirent block of inode 281" "/etc"',
    '0x00002580 +32 erofs.inode.compact "inode 300" "/lnk"',
    '0x000025a0 +12 erofs.inline-data "inline data of inode 300" "/lnk"',
    '0x000025c0 +32 erofs.inode.compact "inode 302" "/bin/sh"',
    '0x000025e0 +12 erofs.xattr.ibody-header "xattr header of inode 302" "/bin/sh"',
    '0x000025ec +56 erofs.xattr.entry "xattr of inode 302" "/bin/sh"',
    '0x00002624 +88 erofs.xattr.entry "xattr of inode 302" "/bin/sh"',
    '0x0000267c +4 erofs.chunk-block-map "chunk map of inode 302" "/bin/sh"',
    '0x00002680 +32 erofs.inode.compact "inode 308" "/etc/hostname"',
    '0x000026a0 +4 erofs.inline-data "inline data of inode 308" "/etc/hostname"',
    '0x00003000 +3656 erofs.dirent-block "dirent block of inode 36" "/"',
  ]);
  assert.deepEqual(map.overlaps, []);
  assert.equal(map.totals.unaccounted, 0);
  assert.equal(map.totals.padding, 3888);
  const claimed = Object.values(map.totals.byKind).reduce((a, b) => a + b, 0);
  assert.equal(claimed + map.totals.padding, map.size);
  // Fields at their relative offsets, with values; text ends with the totals table.
  const lines = text.split('\n');
  const at = lines.indexOf('0x00002680 +32 erofs.inode.compact "inode 308" "/etc/hostname"');
  assert.deepEqual(lines.slice(at + 1, at + 5), ['  placed by dirent nid [8] at 0x00002358', '  +000 i_format [2] = 4', '  +002 i_xattr_icount [2] = 0', '  +004 i_mode [2] = 0o100644']);
  assert.ok(lines.includes('0x000026a4 padding 2396 nul bytes'));
  assert.deepEqual(lines.slice(-4), ['  padding                          3888', '  unaccounted                         0', '  overlapping                         0', '']);
});

test('the dirent block names its records and names field by field', async () => {
  const bytes = buildImage({ entries: ENTRIES });
  const { map } = await layoutOf(bytes);
  const block = map.structures.find((s) => s.name === 'dirent block of inode 230')!;
  const fields = describeFields(block, bytes.subarray(block.offset, block.offset + block.length));
  assert.deepEqual(
    fields.map((f) => `${f.offset} ${f.name} ${f.value}`),
    [
      '0 dirent[0].nid 230', '8 dirent[0].nameoff 36', '10 dirent[0].file_type 2', '11 dirent[0].reserved 00',
      '12 dirent[1].nid 36', '20 dirent[1].nameoff 37', '22 dirent[1].file_type 2', '23 dirent[1].reserved 00',
      '24 dirent[2].nid 302', '32 dirent[2].nameoff 39', '34 dirent[2].file_type 1', '35 dirent[2].reserved 00',
      '36 name[0] "."', '37 name[1] ".."', '39 name[2] "sh"',
    ],
  );
});

test('a non-zero byte where only padding should be is unaccounted content at its exact offset', async () => {
  const bytes = buildImage({ entries: ENTRIES });
  bytes[0x26c0 + 10] = 0x5a;
  const { map, text } = await layoutOf(bytes);
  assert.deepEqual(map.gaps.filter((g) => g.kind === 'unaccounted'), [{ kind: 'unaccounted', offset: 0x26ca, length: 1 }]);
  const lines = text.split('\n');
  const at = lines.indexOf('0x000026ca UNACCOUNTED 1 bytes (non-zero, no structure points here)');
  assert.deepEqual(lines.slice(at - 1, at + 3), ['0x000026a4 padding 38 nul bytes', lines[at], `  0x000026ca  5a${' '.repeat(45)}  |Z|`, '0x000026cb padding 2357 nul bytes']);
});

test('non-zero bytes between an inline tail and the next 32-byte inode slot are that inode\'s slack, not hidden content', async () => {
  // mkfs.erofs 1.9 leaves its buffer's old bytes there; no reader looks between a tail and the next slot.
  const bytes = buildImage({ entries: ENTRIES });
  bytes[0x26a4 + 10] = 0x5a;
  bytes[0x26b8] = 0x01;
  const { map } = await layoutOf(bytes);
  assert.equal(map.totals.unaccounted, 0);
  assert.deepEqual(
    map.structures.filter((s) => s.kind === 'erofs.slot-slack').map((s) => `${s.offset} ${s.length} ${s.name} ${s.paths.join(',')}`),
    [`${0x26ae} ${0x26b9 - 0x26ae} unused end of inode 308's last slot (not zeroed by the writer) /etc/hostname`],
  );
  // Content that runs past the slot boundary is unaccounted again, all of it.
  bytes[0x26c0] = 0x01;
  const again = await layoutOf(bytes);
  assert.deepEqual(again.map.gaps.filter((g) => g.kind === 'unaccounted'), [{ kind: 'unaccounted', offset: 0x26ae, length: 0x26c1 - 0x26ae }]);
});

test('a wild i_xattr_icount makes the xattr area lie over the inodes after it: overlaps, sized by that field', async () => {
  const bytes = buildImage({ entries: ENTRIES });
  const sh = 0x25c0;
  bytes[sh + 2] = 0xff;
  bytes[sh + 3] = 0x00;
  const { map } = await layoutOf(bytes);
  const over = map.overlaps.map((o) => map.structures[o.a]!).find((s) => s.kind === 'erofs.xattr.area')!;
  assert.ok(over, 'the undecodable xattr area is mapped whole');
  assert.equal(over.sizedBy?.offset, sh + 2);
  assert.equal(over.sizedBy?.length, 2);
  assert.deepEqual(structuresAt(map, 0x2680).map((s) => s.kind).sort(), [over.kind, 'erofs.inode.compact'].sort());
});

test('the text is deterministic and changes with any byte of file content', async () => {
  const a = await layoutOf(buildImage({ entries: ENTRIES }));
  const b = await layoutOf(buildImage({ entries: ENTRIES }));
  assert.equal(a.text, b.text);
  const other = ENTRIES.map((e) => (e.path === '/etc/hostname' ? { ...e, content: 'bax\n' } : e));
  const c = await layoutOf(buildImage({ entries: other }));
  assert.notEqual(a.text, c.text);
});

test('a legacy descriptor: superblock, inode table and each inode\'s variable data with paths', async () => {
  const built = buildLegacy([
    { mode: 0o40755, children: [{ name: 'f', ino: 1 }] },
    { mode: 0o100644, size: 5, payload: 'ab/cdef', digest: new Uint8Array(32).fill(7) },
  ]);
  const { map } = await layoutOf(built.bytes);
  assert.deepEqual(
    map.structures.map((s) => `${s.offset} ${s.length} ${s.kind} ${s.paths.join(',')}`),
    [
      '0 128 cfs.superblock ',
      '128 96 cfs.inode /',
      '224 96 cfs.inode /f',
      `${built.dirents.get(0)} 17 cfs.dirents /`,
      `${built.payloads.get(1)} 7 cfs.payload /f`,
      `${built.digests.get(1)} 32 cfs.digest /f`,
    ],
  );
  assert.equal(map.totals.unaccounted, 0);
  assert.deepEqual(map.overlaps, []);
});

test('an OCI layer: header blocks, data and the end marker; block padding is padding', async () => {
  const bytes = tar(entry({ name: 'etc/', typeflag: '5' }), entry({ name: 'etc/motd', size: 3 }, 'hi\n'));
  const { map } = await layoutOf(bytes);
  assert.deepEqual(
    map.structures.map((s) => `${s.offset} ${s.length} ${s.kind} ${s.paths.join(',')}`),
    ['0 512 tar.header /etc/', '512 512 tar.header /etc/motd', '1024 3 tar.data /etc/motd', '1536 1024 tar.end-marker '],
  );
  assert.deepEqual(map.gaps, [{ kind: 'padding', offset: 1027, length: 509 }, ...(bytes.length > 2560 ? [{ kind: 'padding' as const, offset: 2560, length: bytes.length - 2560 }] : [])]);
});

test('the structure budget stops a map from growing and the map says it is incomplete', async () => {
  const b = new LayoutBuilder('erofs', 100, 2);
  for (let i = 0; i < 5; i++) b.add({ kind: 'erofs.data', name: `d${i}`, offset: i * 10, length: 10 }, `/f${i}`);
  // Adding a path to a structure already there costs nothing against the budget.
  b.add({ kind: 'erofs.data', name: 'd0', offset: 0, length: 10 }, '/g');
  const map = await finishLayout(b, async (_o, l) => new Uint8Array(l));
  assert.equal(map.truncated, true);
  assert.deepEqual(map.structures.map((s) => `${s.offset} ${s.paths.join(',')}`), ['0 /f0,/g', '10 /f1']);
  assert.deepEqual(map.gaps, [{ kind: 'padding', offset: 20, length: 80 }]);
});

test('a Nydus RAFS v6 bootstrap: the EROFS map plus the RAFS superblock extension, blob and chunk tables', { skip: corpusSkip }, async () => {
  const bytes = new Uint8Array(readFileSync(corpusPath('11-nydus/rafs-v6/bootstrap')));
  const { map } = await layoutOf(bytes);
  const ext = map.structures.find((s) => s.kind === 'nydus.v6.superblock-ext')!;
  assert.deepEqual(
    describeFields(ext, bytes.subarray(ext.offset, ext.offset + ext.length)).map((f) => `${f.offset} ${f.name} ${f.value}`),
    ['0 s_flags 0x194', '8 s_blob_table_offset 4096', '16 s_blob_table_size 256', '20 s_chunk_size 1048576', '24 s_chunk_table_offset 16384',
      '32 s_chunk_table_size 160', '40 s_prefetch_table_offset 0', '48 s_prefetch_table_size 0', '52 s_padding 0', '56 s_reserved 200 zero bytes'],
  );
  assert.deepEqual(map.structures.map(structureHeading), [
    '0x00000400 +128 erofs.superblock "superblock"',
    '0x00000480 +256 nydus.v6.superblock-ext "RAFS v6 superblock extension"',
    '0x00000580 +128 erofs.device-slot "device slot 1"',
    '0x00001000 +256 nydus.v6.blob "blob table entry 0"',
    '0x00003000 +64 erofs.inode.extended "inode 128" "/"',
    '0x00003040 +67 erofs.dirent-block "dirent block of inode 128" "/"',
    '0x000030a0 +64 erofs.inode.extended "inode 133" "/lib.rs"',
    '0x000030e0 +8 erofs.chunk-indexes "chunk map of inode 133" "/lib.rs"',
    '0x00003100 +64 erofs.inode.extended "inode 136" "/sync_io.rs"',
    '0x00003140 +8 erofs.chunk-indexes "chunk map of inode 136" "/sync_io.rs"',
    '0x00004000 +80 nydus.chunk-info "chunk table entry 0"',
    '0x00004050 +80 nydus.chunk-info "chunk table entry 1"',
  ]);
  assert.equal(map.totals.unaccounted, 0);
  assert.deepEqual(map.overlaps, []);
});

test('a Nydus RAFS v5 bootstrap: superblock, tables, and each inode record with its name, target and chunk records', { skip: corpusSkip }, async () => {
  const { map } = await layoutOf(new Uint8Array(readFileSync(corpusPath('11-nydus/rafs-v5-sha256-nocompress/bootstrap'))));
  assert.deepEqual(map.structures.slice(0, 12).map(structureHeading), [
    '0x00000000 +8192 nydus.v5.superblock "RAFS v5 superblock"',
    '0x00002000 +216 nydus.v5.inode-table "inode table"',
    '0x000020d8 +72 nydus.v5.blob-table "blob table"',
    '0x00002120 +64 nydus.v5.ext-blob-table "extended blob table"',
    '0x00002160 +128 nydus.v5.inode "inode 1" "/"',
    '0x000021e0 +1 nydus.v5.name "name of inode 1" "/"',
    '0x000021e8 +128 nydus.v5.inode "inode 2" "/hardlink-test"',
    '0x00002268 +13 nydus.v5.name "name of inode 2" "/hardlink-test"',
    '0x00002278 +128 nydus.v5.inode "inode 3" "/normal-file-test"',
    '0x000022f8 +16 nydus.v5.name "name of inode 3" "/normal-file-test"',
    '0x00002308 +128 nydus.v5.inode "inode 4" "/symlink-test"',
    '0x00002388 +12 nydus.v5.name "name of inode 4" "/symlink-test"',
  ]);
  const inode5 = map.structures.find((s) => s.name === 'chunk records of inode 5')!;
  assert.deepEqual([inode5.offset, inode5.length, inode5.paths, inode5.sizedBy], [0x2420, 80, ['/hardlink-test/foo'], { name: 'i_child_count', offset: 0x2398 + 96, length: 4 }]);
  assert.deepEqual(Object.keys(map.totals.byKind).sort(), ['nydus.chunk-infos', 'nydus.v5.blob-table', 'nydus.v5.ext-blob-table', 'nydus.v5.inode', 'nydus.v5.inode-table', 'nydus.v5.name', 'nydus.v5.superblock', 'nydus.v5.symlink']);
  assert.equal(map.totals.unaccounted, 0);
  assert.deepEqual(map.overlaps, []);
});
