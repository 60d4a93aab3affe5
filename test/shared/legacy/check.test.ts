import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { BUDGETS } from '../../../shared/budgets.ts';
import { memorySource, type ByteSource } from '../../../shared/bytes/source.ts';
import { checkLegacy, checkLegacySource } from '../../../shared/legacy/check.ts';
import { LEGACY_CODES, type LegacyCode } from '../../../shared/legacy/codes.ts';
import { openLegacy } from '../../../shared/legacy/reader.ts';
import type { Finding } from '../../../shared/model.ts';
import { buildLegacy, CHR, DIR, LNK, poke, REG, sampleTree, type BuildNode } from './build.ts';

/** Codes some test below has produced and pinned to a byte range. */
const proven = new Set<string>();

const check = async (bytes: Uint8Array): Promise<Finding[]> => checkLegacy(await openLegacy(memorySource(bytes)));

/**
 * The one finding with this code, which LEGACY_CODES must document with the severity the finding
 * carries; fails listing all findings otherwise.
 */
function only(findings: Finding[], code: LegacyCode): Finding {
  proven.add(code);
  assert.ok(Object.hasOwn(LEGACY_CODES, code), `${code} is not in LEGACY_CODES`);
  const hits = findings.filter((f) => f.code === code);
  assert.equal(hits.length, 1, `expected one ${code}, got: ${JSON.stringify(findings.map((f) => [f.code, f.offset, f.length]))}`);
  assert.equal(hits[0]!.severity, LEGACY_CODES[code].severity, code);
  return hits[0]!;
}

function assertAt(f: Finding, offset: number, length: number) {
  assert.deepEqual([f.offset, f.length], [offset, length], `${f.code}: ${f.message}`);
}

async function rejection(bytes: Uint8Array | ByteSource): Promise<DecodeError> {
  const src = bytes instanceof Uint8Array ? memorySource(bytes) : bytes;
  const err = await openLegacy(src).then(
    () => assert.fail('expected openLegacy to reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DecodeError, String(err));
  assert.ok(Object.hasOwn(LEGACY_CODES, err.code), `${err.code} is not in LEGACY_CODES`);
  proven.add(err.code);
  return err;
}

const codes = (fs: Finding[]) => fs.map((f) => f.code);

describe('legacy check: a valid image', () => {
  test('the sample tree has no findings', async () => {
    assert.deepEqual(await check(buildLegacy(sampleTree()).bytes), []);
  });
});

describe('legacy check: superblock rules (cfs_init_ctx)', () => {
  test('a file of at most superblock + one inode is rejected as too small, naming the whole file', async () => {
    const b = buildLegacy(sampleTree()).bytes.slice(0, 224);
    const e = await rejection(b);
    assert.deepEqual([e.code, e.offset, e.length], ['legacy.image.too-small', 0, 224]);
    const e2 = await rejection(b.slice(0, 100));
    assert.deepEqual([e2.code, e2.offset, e2.length], ['legacy.image.too-small', 0, 100]);
  });
  test('a bad magic is rejected at bytes 4..8', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    poke.u32(b, 4, 0xdeadbeef);
    const e = await rejection(b);
    assert.deepEqual([e.code, e.offset, e.length], ['legacy.superblock.magic', 4, 4]);
    assert.deepEqual(codes(await checkLegacySource(memorySource(b))), ['legacy.superblock.magic']);
  });
  test('a wrong version opens but is reported at bytes 0..4', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    poke.u32(b, 0, 2);
    assertAt(only(await check(b), 'legacy.superblock.version'), 0, 4);
  });
  test('vdata_offset past the end of the file is rejected at bytes 8..16', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    poke.u64(b, 8, b.length + 4);
    const e = await rejection(b);
    assert.deepEqual([e.code, e.offset, e.length], ['legacy.superblock.vdata-offset.out-of-bounds', 8, 8]);
  });
  test('vdata_offset inside the superblock is rejected at bytes 8..16', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    poke.u64(b, 8, 128);
    const e = await rejection(b);
    assert.deepEqual([e.code, e.offset, e.length], ['legacy.superblock.vdata-offset.too-small', 8, 8]);
  });
  test('an unaligned vdata_offset is reported at bytes 8..16', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    poke.u64(b, 8, buildLegacy(sampleTree()).vdataOffset + 2);
    assertAt(only(await check(b), 'legacy.superblock.vdata-offset.unaligned'), 8, 8);
  });
  test('an inode table of more than 2^32 records is rejected without reading it', async () => {
    const sb = new Uint8Array(128);
    const vdataOffset = 128 + (2 ** 32 + 1) * 96;
    poke.u32(sb, 0, 1);
    poke.u32(sb, 4, 0xc078629a);
    poke.u64(sb, 8, vdataOffset);
    const huge: ByteSource = {
      size: vdataOffset + 4096,
      async read(offset, length) {
        const out = new Uint8Array(length);
        if (offset < 128) out.set(sb.subarray(offset, Math.min(128, offset + length)));
        return out;
      },
    };
    const e = await rejection(huge);
    assert.deepEqual([e.code, e.offset, e.length], ['legacy.superblock.too-many-inodes', 8, 8]);
  });
  test('bytes between the last whole inode and vdata are reported as a partial inode', async () => {
    const built = buildLegacy(sampleTree(), { tablePad: 8 });
    assertAt(only(await check(built.bytes), 'legacy.superblock.inode-table.partial'), built.vdataOffset - 8, 8);
  });
  test('non-zero reserved superblock bytes are reported as a warning over bytes 16..128', async () => {
    const b = buildLegacy(sampleTree()).bytes;
    b[100] = 1;
    const f = only(await check(b), 'legacy.superblock.unused-nonzero');
    assertAt(f, 16, 112);
    assert.equal(f.severity, 'warning');
  });
});

describe('legacy check: inode rules (cfs_init_inode)', () => {
  test('a dirent naming an inode past the table is reported at its inode_num field', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.direntAt(0, 2), 99);
    const f = only(await check(built.bytes), 'legacy.inode.out-of-bounds');
    assertAt(f, built.direntAt(0, 2), 4);
    const reader = await openLegacy(memorySource(built.bytes));
    await assert.rejects(reader.node(99), (e: DecodeError) => e.code === 'legacy.inode.out-of-bounds');
  });
  test('a root that is not a directory is reported at its st_mode', async () => {
    const nodes: BuildNode[] = [{ mode: REG, size: 1, payload: 'x' }];
    const built = buildLegacy(nodes, { vdataTail: 200 });
    assertAt(only(await check(built.bytes), 'legacy.root.not-directory'), 128, 4);
  });
  test('an inode no directory names is reported as unreachable, over its record', async () => {
    const nodes = [...sampleTree(), { mode: REG, size: 0 }];
    const built = buildLegacy(nodes);
    const f = only(await check(built.bytes), 'legacy.inode.unreachable');
    assertAt(f, built.inodeAt(6), 96);
    assert.equal(f.severity, 'info');
  });
  test('a backing path longer than PATH_MAX is reported at variable_data.len', async () => {
    const built = buildLegacy(sampleTree(), { vdataTail: 5000 });
    poke.u32(built.bytes, built.inodeAt(1) + 60, 4097);
    assertAt(only(await check(built.bytes), 'legacy.payload.too-long'), built.inodeAt(1) + 60, 4);
  });
  test('a backing path outside the vdata section is reported at the variable_data reference', async () => {
    const built = buildLegacy(sampleTree());
    poke.u64(built.bytes, built.inodeAt(1) + 52, 1_000_000);
    assertAt(only(await check(built.bytes), 'legacy.payload.out-of-bounds'), built.inodeAt(1) + 52, 12);
  });
  test('a reference that starts exactly at the end of the file is out of bounds', async () => {
    const built = buildLegacy(sampleTree());
    poke.u64(built.bytes, built.inodeAt(4) + 52, built.bytes.length - built.vdataOffset);
    poke.u32(built.bytes, built.inodeAt(4) + 60, 1);
    assertAt(only(await check(built.bytes), 'legacy.payload.out-of-bounds'), built.inodeAt(4) + 52, 12);
  });
  test('a NUL inside a backing path is reported at that byte', async () => {
    const nodes = sampleTree();
    nodes[1]!.payload = Uint8Array.from([0x61, 0x00, 0x62]);
    const built = buildLegacy(nodes);
    const f = only(await check(built.bytes), 'legacy.payload.nul');
    assertAt(f, built.payloads.get(1)! + 1, 1);
    assert.equal(f.severity, 'warning');
  });
  test('a symlink target starting with NUL is an error at its first byte (cfs_init_inode: EFSCORRUPTED)', async () => {
    const nodes = sampleTree();
    nodes[4]!.payload = Uint8Array.from([0x00, 0x61]);
    nodes[4]!.size = 2;
    const built = buildLegacy(nodes);
    const findings = await check(built.bytes);
    assertAt(only(findings, 'legacy.symlink.nul-target'), built.payloads.get(4)!, 1);
    assert.equal(findings.filter((f) => f.code === 'legacy.payload.nul').length, 0);
  });
  test('a symlink without a target is reported at its variable_data reference', async () => {
    const nodes = sampleTree();
    delete nodes[4]!.payload;
    const built = buildLegacy(nodes);
    assertAt(only(await check(built.bytes), 'legacy.symlink.no-target'), built.inodeAt(4) + 52, 12);
  });
  test('a non-empty regular file without a backing path is reported at its variable_data reference', async () => {
    const nodes = sampleTree();
    nodes[3]!.size = 5;
    const built = buildLegacy(nodes);
    assertAt(only(await check(built.bytes), 'legacy.file.no-payload'), built.inodeAt(3) + 52, 12);
  });
  test('an empty regular file with a backing path is reported at st_size', async () => {
    const nodes = sampleTree();
    nodes[5]!.size = 0;
    const built = buildLegacy(nodes);
    assertAt(only(await check(built.bytes), 'legacy.file.payload-on-empty'), built.inodeAt(5) + 20, 8);
  });
  test('a digest that is not 32 bytes is reported at digest.len', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.inodeAt(1) + 84, 31);
    assertAt(only(await check(built.bytes), 'legacy.digest.size'), built.inodeAt(1) + 84, 4);
  });
  test('a digest outside the vdata section is reported at the digest reference', async () => {
    const built = buildLegacy(sampleTree());
    poke.u64(built.bytes, built.inodeAt(1) + 76, 2 ** 40);
    assertAt(only(await check(built.bytes), 'legacy.digest.out-of-bounds'), built.inodeAt(1) + 76, 12);
  });
});

describe('legacy check: xattr rules (cfs_list_xattrs / cfs_get_xattr)', () => {
  test('a 1-byte xattr block is reported at xattrs.len', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.inodeAt(1) + 72, 1);
    assertAt(only(await check(built.bytes), 'legacy.xattr.too-small'), built.inodeAt(1) + 72, 4);
  });
  test('an xattr block outside the vdata section is reported at the xattrs reference', async () => {
    const built = buildLegacy(sampleTree());
    poke.u64(built.bytes, built.inodeAt(1) + 64, 1 << 30);
    assertAt(only(await check(built.bytes), 'legacy.xattr.out-of-bounds'), built.inodeAt(1) + 64, 12);
  });
  test('an xattr block spanning more than 512 pages is reported at xattrs.len', async () => {
    const built = buildLegacy(sampleTree(), { vdataTail: 513 * 4096 });
    poke.u32(built.bytes, built.inodeAt(1) + 72, 513 * 4096);
    assertAt(only(await check(built.bytes), 'legacy.xattr.too-large'), built.inodeAt(1) + 72, 4);
  });
  test('n_attr too large for the block is reported at n_attr', async () => {
    const built = buildLegacy(sampleTree());
    const at = built.xattrs.get(1)!;
    poke.u16(built.bytes, at, 1000);
    assertAt(only(await check(built.bytes), 'legacy.xattr.count-overflow'), at, 2);
  });
  test('an xattr block with n_attr 0 is an error at n_attr (the kernel refuses it)', async () => {
    const built = buildLegacy(sampleTree());
    const at = built.xattrs.get(1)!;
    poke.u16(built.bytes, at, 0);
    assertAt(only(await check(built.bytes), 'legacy.xattr.no-attrs'), at, 2);
  });
  test('n_attr above the xattrs-per-inode budget is reported at n_attr, and the budget itself is allowed', async () => {
    const built = buildLegacy(sampleTree());
    const at = built.xattrs.get(1)!;
    poke.u16(built.bytes, at, BUDGETS.xattrsPerInode + 1);
    const f = only(await check(built.bytes), 'budget.xattrs-per-inode');
    assertAt(f, at, 2);
    assert.match(f.message, /budget of xattrs per inode/);
    poke.u16(built.bytes, at, BUDGETS.xattrsPerInode);
    assert.deepEqual(codes(await check(built.bytes)).filter((c) => c.startsWith('budget.')), []);
  });
  test('a key longer than XATTR_NAME_MAX is reported at its key_length', async () => {
    const built = buildLegacy(sampleTree());
    const elem = built.xattrs.get(1)! + 2 + 4;
    poke.u16(built.bytes, elem, 256);
    assertAt(only(await check(built.bytes), 'legacy.xattr.name-too-long'), elem, 2);
  });
  test('a value running past the block is reported at its element', async () => {
    const built = buildLegacy(sampleTree());
    const elem = built.xattrs.get(1)! + 2;
    poke.u16(built.bytes, elem + 2, 5000);
    assertAt(only(await check(built.bytes), 'legacy.xattr.entry-out-of-bounds'), elem, 4);
  });
  test('bytes after the last value are reported as trailing bytes', async () => {
    const built = buildLegacy(sampleTree(), { vdataTail: 16 });
    const at = built.xattrs.get(1)!;
    const lenField = built.inodeAt(1) + 72;
    const len = new DataView(built.bytes.buffer).getUint32(lenField, true);
    poke.u32(built.bytes, lenField, len + 4);
    const f = only(await check(built.bytes), 'legacy.xattr.trailing-bytes');
    assertAt(f, at + len, 4);
    assert.equal(f.severity, 'warning');
  });
});

describe('legacy check: dirent rules (cfs_dir_iterate / cfs_dir_lookup)', () => {
  test('a dirent block outside the vdata section is reported at the variable_data reference and children() rejects', async () => {
    const built = buildLegacy(sampleTree());
    poke.u64(built.bytes, built.inodeAt(2) + 52, 1 << 20);
    assertAt(only(await check(built.bytes), 'legacy.dirent.out-of-bounds'), built.inodeAt(2) + 52, 12);
    const reader = await openLegacy(memorySource(built.bytes));
    await assert.rejects(reader.children(2), (e: DecodeError) => e.code === 'legacy.dirent.out-of-bounds' && e.offset === built.inodeAt(2) + 52);
  });
  test('a dirent block spanning more than 512 pages is reported at variable_data.len', async () => {
    const built = buildLegacy(sampleTree(), { vdataTail: 513 * 4096 });
    poke.u32(built.bytes, built.inodeAt(2) + 60, 513 * 4096);
    assertAt(only(await check(built.bytes), 'legacy.dirent.too-large'), built.inodeAt(2) + 60, 4);
  });
  test('n_dirents of zero is reported at n_dirents', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.dirents.get(2)!, 0);
    assertAt(only(await check(built.bytes), 'legacy.dirent.count-zero'), built.dirents.get(2)!, 4);
  });
  test('n_dirents too large for the block is reported at n_dirents', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.dirents.get(0)!, 0x7fffffff);
    const f = only(await check(built.bytes), 'legacy.dirent.count-overflow');
    assertAt(f, built.dirents.get(0)!, 4);
  });
  test('a name outside the name table is reported at name_offset and name_len', async () => {
    const built = buildLegacy(sampleTree());
    const d = built.direntAt(0, 1);
    poke.u32(built.bytes, d + 4, 10_000);
    assertAt(only(await check(built.bytes), 'legacy.dirent.name.out-of-bounds'), d + 4, 5);
  });
  test('a name containing "/" is reported over the name bytes', async () => {
    const nodes = sampleTree();
    nodes[0]!.children!.push({ name: 'x/y', ino: 3 });
    const built = buildLegacy(nodes);
    const names = built.direntAt(0, 5);
    // Names follow the five records: a d e l x/y.
    assertAt(only(await check(built.bytes), 'legacy.dirent.name.invalid'), names + 4, 3);
  });
  test('an empty name is reported at name_len', async () => {
    const built = buildLegacy(sampleTree());
    const d = built.direntAt(2, 0);
    poke.u8(built.bytes, d + 8, 0);
    assertAt(only(await check(built.bytes), 'legacy.dirent.name.invalid'), d + 8, 1);
  });
  test('"." and ".." are invalid names', async () => {
    for (const bad of ['.', '..']) {
      const nodes = sampleTree();
      nodes[2]!.children = [{ name: bad, ino: 5 }];
      const built = buildLegacy(nodes);
      const f = only(await check(built.bytes), 'legacy.dirent.name.invalid');
      assertAt(f, built.direntAt(2, 1), bad.length);
    }
  });
  test('names out of memcmp order are reported at the later record', async () => {
    const nodes = sampleTree();
    nodes[0]!.children = [nodes[0]!.children![1]!, nodes[0]!.children![0]!, ...nodes[0]!.children!.slice(2)];
    const built = buildLegacy(nodes);
    assertAt(only(await check(built.bytes), 'legacy.dirent.unsorted'), built.direntAt(0, 1), 12);
  });
  test('a duplicate name is reported as unsorted', async () => {
    const nodes = sampleTree();
    nodes[2]!.children = [{ name: 'f', ino: 5 }, { name: 'f', ino: 3 }];
    const built = buildLegacy(nodes);
    assertAt(only(await check(built.bytes), 'legacy.dirent.unsorted'), built.direntAt(2, 1), 12);
  });
  test('a d_type that disagrees with the inode is reported at d_type', async () => {
    const nodes = sampleTree();
    nodes[0]!.children![0]!.dType = 4;
    const built = buildLegacy(nodes);
    const f = only(await check(built.bytes), 'legacy.dirent.type-mismatch');
    assertAt(f, built.direntAt(0, 0) + 9, 1);
    assert.equal(f.path, '/a');
  });
  test('a directory reached through two names is reported at the second inode_num, and the walk ends', async () => {
    const nodes = sampleTree();
    nodes[2]!.children!.push({ name: 'loop', ino: 0 });
    const built = buildLegacy(nodes);
    const f = only(await check(built.bytes), 'legacy.dir.hardlink');
    assertAt(f, built.direntAt(2, 1), 4);
    assert.equal(f.path, '/d/loop');
  });
  test('a char device needs no payload', async () => {
    const nodes: BuildNode[] = [
      { mode: DIR, children: [{ name: 'c', ino: 1 }, { name: 's', ino: 2 }] },
      { mode: CHR, rdev: 0x103 },
      { mode: LNK, size: 3, payload: '../' },
    ];
    assert.deepEqual(await check(buildLegacy(nodes).bytes), []);
  });
});

describe('legacy reader: findings met while decoding', () => {
  test('reader.findings() holds what node() met, and the node keeps its readable fields', async () => {
    const built = buildLegacy(sampleTree());
    poke.u32(built.bytes, built.inodeAt(1) + 84, 31);
    const reader = await openLegacy(memorySource(built.bytes));
    const node = await reader.node(1);
    assert.equal(node.size, 10);
    assert.deepEqual(codes(reader.findings()), ['legacy.digest.size']);
    assert.equal(node.xattrs.find((x) => new TextDecoder().decode(x.name) === 'trusted.overlay.metacopy')?.value.length, 0);
  });
});

describe('legacy reader: readData', () => {
  test('a regular file has no data in the image: rejected, naming the inode', async () => {
    const built = buildLegacy(sampleTree());
    const reader = await openLegacy(memorySource(built.bytes));
    await assert.rejects(reader.readData(1, 0, 1), (e: DecodeError) => {
      proven.add(e.code);
      return e.code === 'legacy.data.external' && e.offset === built.inodeAt(1) && e.length === 96;
    });
  });
  test('a read past a symlink target is rejected; within it returns the target bytes', async () => {
    const built = buildLegacy(sampleTree());
    const reader = await openLegacy(memorySource(built.bytes));
    assert.deepEqual([...(await reader.readData(4, 0, 1))], [0x61]);
    await assert.rejects(reader.readData(4, 0, 2), (e: DecodeError) => {
      proven.add(e.code);
      return e.code === 'legacy.data.out-of-range' && e.offset === built.inodeAt(4);
    });
  });
});

test('every code in LEGACY_CODES is produced and pinned to a range by a test in this file', () => {
  assert.deepEqual(Object.keys(LEGACY_CODES).filter((c) => !proven.has(c)), []);
});
