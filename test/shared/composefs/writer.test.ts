import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDump, lookupPath, newEntry, type DumpEntry } from '../../../shared/composefs/dumpfile.ts';
import { chunkCount, effectiveVersion, writeComposefs, WriteError, type WriteOptions } from '../../../shared/composefs/writer.ts';
import { treeFromSpecs } from '../../../shared/composefs/writer-tree.ts';
import { walkComposefs, dumpLine } from '../../../shared/composefs/dump.ts';
import { decodeComposefsHeader, LCFS_EROFS_FLAGS_HAS_ACL } from '../../../shared/composefs/header.ts';
import { Cursor } from '../../../shared/bytes/cursor.ts';
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  bytesEqual, bytesToString, compareBytes, stringToBytes, toHex, type ImageReader,
} from '../../../shared/model.ts';
import { buildImage, imageFromDump, openBytes } from '../../helpers/image-builder.ts';
import { buildSamples, listGenerated, SAMPLES_DIR } from '../../../scripts/make-samples.ts';
import { fsverityDigest } from '../../../shared/verity/merkle.ts';
import { checkSource } from '../../../shared/check/index.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { CORPUS, corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { randomTree } from '../../helpers/random-dump-tree.ts';

const B = stringToBytes;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const le32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

// ---------------------------------------------------------------------------------------------
// Byte identity with mkcomposefs 1.0.8, case by case.

interface CorpusCase {
  name: string;
  dump: () => Uint8Array;
  options: WriteOptions;
  strict: boolean;
  sha256: string;
}

/** Cases built from a dump, and directory cases whose info-dump re-fed to mkcomposefs gives the same image. */
function corpusCases(): CorpusCase[] {
  if (!CORPUS) return [];
  const cases: CorpusCase[] = [];
  const checks = readFileSync(corpusPath('CHECKS.txt'), 'utf8');
  const roundtrips = new Set(
    [...checks.matchAll(/^(\S+): .*info-dump\|mkcomposefs-roundtrip=same/gm)].map((m) => m[1]!),
  );
  const dirs = [...new Set([...checks.matchAll(/^(\S+):/gm)].map((m) => m[1]!))];
  for (const rel of dirs.sort()) {
    const dir = corpusPath(rel);
    if (!existsSync(join(dir, 'sha256.txt')) || !existsSync(join(dir, 'cmdline.txt'))) continue;
    const cmd = readFileSync(join(dir, 'cmdline.txt'), 'utf8');
    const options: WriteOptions = {};
    const min = /--min-version=(\d+)/.exec(cmd);
    const max = /--max-version=(\d+)/.exec(cmd);
    if (min) options.minVersion = Number(min[1]);
    if (max) options.maxVersion = Number(max[1]);
    const want = readFileSync(join(dir, 'sha256.txt'), 'utf8').split(/\s+/)[0]!;
    const explicit = /^input: (\S+)/m.exec(cmd);
    const input = explicit
      ? join(dir, explicit[1]!)
      : ['input.dump', 'input.dump.gz'].map((f) => join(dir, f)).find((p) => existsSync(p));
    const read = (p: string) => () => (p.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p));
    if (input) {
      cases.push({ name: `${rel} from its input dump`, dump: read(input), options, strict: cmd.includes('CFS_PARSE_STRICT=1'), sha256: want });
    }
    if (roundtrips.has(rel) && existsSync(join(dir, 'info-dump.txt'))) {
      cases.push({ name: `${rel} from composefs-info dump`, dump: read(join(dir, 'info-dump.txt')), options, strict: false, sha256: want });
    }
  }
  return cases;
}

const cases = corpusCases();

test('the corpus offers the dump-built and re-fed cases the writer must reproduce', { skip: corpusSkip }, () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`);
});

for (const c of cases) {
  test(`writes ${c.name} byte-identical to mkcomposefs 1.0.8`, () => {
    const image = writeComposefs(parseDump(c.dump(), { strict: c.strict }), c.options);
    assert.equal(sha256(image), c.sha256);
  });
}

// ---------------------------------------------------------------------------------------------
// Reading back with our reader, and fsck.erofs.

const hasFsck = spawnSync('fsck.erofs', ['-V']).error === undefined;

function fsck(image: Uint8Array): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-writer-'));
  try {
    const p = join(dir, 'image.cfs');
    writeFileSync(p, image);
    const r = spawnSync('fsck.erofs', [p], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readBack(image: Uint8Array): Promise<DumpEntry> {
  const reader: ImageReader = await openBytes(image);
  let text = '';
  const problems: unknown[] = [];
  await walkComposefs(reader, async (e) => void (text += await dumpLine(reader, e)), (p) => problems.push(p));
  assert.deepEqual(problems, [], 'the reader walks the whole image without problems');
  assert.deepEqual(reader.findings().filter((f) => f.severity === 'error'), [], 'the reader finds no errors');
  return parseDump(Buffer.from(text, 'latin1'));
}

interface Inode {
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: bigint;
  rdev: bigint;
  mtime: string;
  payload: string;
  content: string;
  digest: string;
  xattrs: string[];
}

const isWhiteout = (e: DumpEntry) => !e.linkTo && (e.mode & S_IFMT) === S_IFCHR && e.rdev === 0n;
const OPAQUE_X = ['trusted.overlay.opaque', 'user.overlay.opaque'].map((k) => `${toHex(B(k))}=${toHex(B('x'))}`);

/** What mkcomposefs stores of an entry, as composefs-info reports it back (format `version`). */
function stored(e: DumpEntry, version: number): Inode {
  const type = e.mode & S_IFMT;
  const whiteout = type === S_IFCHR && e.rdev === 0n;
  const external = type === S_IFREG && e.size > 0n && !e.content;
  const hex = (b?: Uint8Array) => (b ? toHex(b) : '');
  return {
    mode: e.mode & 0xffff,
    uid: e.uid,
    gid: e.gid,
    nlink: type === S_IFDIR ? 2 + e.children.filter((c) => !c.linkTo && (c.mode & S_IFMT) === S_IFDIR).length : e.nlink,
    size: type === S_IFDIR || whiteout ? 0n : e.size,
    rdev: type === S_IFCHR || type === S_IFBLK ? BigInt.asUintN(32, e.rdev) : 0n,
    mtime: `${e.mtime.sec}.${e.mtime.nsec}`,
    payload: type === S_IFLNK || (external && e.payload) ? hex(e.payload) : '',
    content: type === S_IFREG ? hex(e.content) : '',
    digest: external ? hex(e.digest) : '',
    // Format 1 makes a directory holding whiteouts opaque "x", which composefs-info shows unescaped.
    xattrs: [
      ...e.xattrs.map((x) => `${hex(x.name)}=${hex(x.value)}`),
      ...(version >= 1 && e.children.some(isWhiteout) ? OPAQUE_X : []),
    ].sort(),
  };
}

function byPath(root: DumpEntry): Map<string, DumpEntry> {
  const out = new Map<string, DumpEntry>();
  const visit = (e: DumpEntry, path: string) => {
    out.set(path, e);
    for (const c of e.children) visit(c, `${path}/${toHex(c.name)}`);
  };
  visit(root, '');
  return out;
}

/** Same paths, same stored fields, same hardlink groups. */
function assertSameTree(actual: DumpEntry, expected: DumpEntry, version: number): void {
  const a = byPath(actual);
  const e = byPath(expected);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), 'same paths');
  const groupsA = new Map<DumpEntry, string>();
  const groupsE = new Map<DumpEntry, string>();
  for (const [path, ee] of e) {
    const ae = a.get(path)!;
    const ei = ee.linkTo ?? ee;
    const ai = ae.linkTo ?? ae;
    const actualStored = stored(ai, 0);
    if ((ei.mode & S_IFMT) === S_IFDIR) actualStored.size = 0n;
    assert.deepEqual(actualStored, stored(ei, version), `fields of ${path}`);
    if (!groupsE.has(ei)) groupsE.set(ei, path);
    if (!groupsA.has(ai)) groupsA.set(ai, path);
    assert.equal(groupsA.get(ai), groupsE.get(ei), `hardlink group of ${path}`);
  }
}

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

for (const seed of SEEDS) {
  test(`random tree ${seed}: our reader reads back every stored field and hardlink group`, async () => {
    const tree = randomTree(seed);
    const options = { maxVersion: seed % 3 === 0 ? 0 : 1 };
    const image = writeComposefs(tree, options);
    assertSameTree(await readBack(image), tree, effectiveVersion(tree, options));
  });
}

test('random trees pass fsck.erofs', { skip: hasFsck ? false : 'fsck.erofs is not installed' }, () => {
  for (const seed of SEEDS) {
    const r = fsck(writeComposefs(randomTree(seed)));
    assert.ok(r.ok, `seed ${seed}: ${r.output}`);
  }
});

test('rebuilt corpus images pass fsck.erofs', { skip: hasFsck && CORPUS ? false : 'needs fsck.erofs and the corpus' }, () => {
  for (const c of cases.filter((c) => /04-dump-tree |02-fs-tree from|07-quirks|bigfile /.test(c.name))) {
    const r = fsck(writeComposefs(parseDump(c.dump(), { strict: c.strict }), c.options));
    assert.ok(r.ok, `${c.name}: ${r.output}`);
  }
});

test('re-fed composefs-info dumps read back with our reader exactly as composefs-info printed them', { skip: corpusSkip }, async () => {
  for (const c of cases.filter((c) => c.name.endsWith('from composefs-info dump'))) {
    // composefs-info already printed the opaque markers; the dump read back must match it as is.
    const input = parseDump(c.dump());
    assertSameTree(await readBack(writeComposefs(input, c.options)), input, 0);
  }
});

// ---------------------------------------------------------------------------------------------
// The rules, one by one, on small trees.

const ROOT = '/ 4096 40755 2 0 0 0 1000.0 - - -\n';

test('the header carries the composefs magic, version 1 of the header and the format version', () => {
  const image = imageFromDump(ROOT);
  const h = decodeComposefsHeader(new Cursor(image, 0));
  assert.equal(h.version, 1);
  assert.equal(h.composefsVersion, 0);
  assert.equal(h.flags, 0);
  assert.equal(le32(image, 1024), 0xe0f5e1e2, 'EROFS superblock at 1024');
});

test('a whiteout raises the format to 1 unless the maximum is 0; the minimum can force 1', () => {
  const wh = parseDump(ROOT + '/w 0 20644 1 0 0 0 1000.0 - - -\n');
  const plain = parseDump(ROOT);
  assert.equal(effectiveVersion(wh), 1);
  assert.equal(effectiveVersion(wh, { maxVersion: 0 }), 0);
  assert.equal(effectiveVersion(plain), 0);
  assert.equal(effectiveVersion(plain, { minVersion: 1 }), 1);
  assert.equal(effectiveVersion(plain, { minVersion: 1, maxVersion: 0 }), 1, 'max below min is raised to min');
  assert.throws(() => effectiveVersion(plain, { minVersion: 2 }), WriteError);
  assert.equal(decodeComposefsHeader(new Cursor(writeComposefs(wh), 0)).composefsVersion, 1);
});

test('the root gets the 256 hidden whiteouts 00..ff, except names the tree already uses', async () => {
  const image = imageFromDump(ROOT + '/7f 0 100644 1 0 0 0 1000.0 - - -\n');
  const reader = await openBytes(image);
  const names = (await reader.children(reader.rootId)).map((d) => bytesToString(d.name));
  assert.equal(names.length, 1 + 255, "\"7f\" plus the 255 other whiteouts (\".\" and \"..\" are not listed)");
  const kinds = new Map((await reader.children(reader.rootId)).map((d) => [bytesToString(d.name), d.kind]));
  assert.equal(kinds.get('7f'), 'file');
  assert.equal(kinds.get('00'), 'chardev');
  assert.equal(le32(image, 1024 + 16), 1 + 256, 'superblock inode count');
});

test('an external file gets metacopy (header + digest) and a "/"-prefixed redirect; an inline one gets neither', async () => {
  const digest = 'ab'.repeat(32);
  const image = imageFromDump(ROOT + `/ext 5000000 100644 1 0 0 0 1000.0 ab/${'ab'.repeat(31)} - ${digest}\n/in 3 100644 1 0 0 0 1000.0 - abc -\n`);
  const reader = await openBytes(image);
  const byName = new Map((await reader.children(reader.rootId)).map((d) => [bytesToString(d.name), d.id]));
  const ext = await reader.node(byName.get('ext')!);
  const xs = new Map(ext.xattrs.map((x) => [bytesToString(x.name), x.value]));
  assert.equal(toHex(xs.get('trusted.overlay.metacopy')!), '00240001' + digest);
  assert.equal(bytesToString(xs.get('trusted.overlay.redirect')!), `/ab/${'ab'.repeat(31)}`);
  assert.match(ext.layout ?? '', /CHUNK_BASED/);
  const inline = await reader.node(byName.get('in')!);
  assert.deepEqual(inline.xattrs, []);
  assert.deepEqual(await reader.readData(inline.id, 0, 3), B('abc'));
});

test("a user's trusted.overlay.* xattr is stored escaped as trusted.overlay.overlay.*", async () => {
  const image = imageFromDump(ROOT + '/f 0 100644 1 0 0 0 1000.0 - - - trusted.overlay.opaque=y user.overlay.x=1\n');
  const reader = await openBytes(image);
  const f = (await reader.children(reader.rootId)).find((d) => bytesToString(d.name) === 'f')!;
  const names = (await reader.node(f.id)).xattrs.map((x) => bytesToString(x.name)).sort();
  assert.deepEqual(names, ['trusted.overlay.overlay.opaque', 'user.overlay.x']);
});

test('a key/value pair used by two inodes is stored once in the shared area', async () => {
  const image = imageFromDump(ROOT + '/a 0 100644 1 0 0 0 1000.0 - - - user.s=1 user.u=a\n/b 0 100644 1 0 0 0 1000.0 - - - user.s=1 user.u=b\n');
  const reader = await openBytes(image);
  for (const d of (await reader.children(reader.rootId)).filter((d) => d.kind === 'file')) {
    const xs = (await reader.node(d.id)).xattrs;
    assert.deepEqual(xs.map((x) => [bytesToString(x.name), Boolean(x.shared)]).sort(), [['user.s', true], ['user.u', false]]);
  }
});

test('an ACL xattr anywhere sets the header HAS_ACL flag', () => {
  const image = imageFromDump(ROOT + '/a 0 100644 1 0 0 0 1000.0 - - - system.posix_acl_access=\\x02\\x00\\x00\\x00\n');
  assert.equal(le32(image, 8) & LCFS_EROFS_FLAGS_HAS_ACL, LCFS_EROFS_FLAGS_HAS_ACL);
});

test('inodes are compact unless a field needs the extended form', async () => {
  const image = imageFromDump(
    ROOT +
      '/compact 0 100644 1 65535 65535 0 1000.0 - - -\n' +
      '/bigid 0 100644 1 65536 0 0 1000.0 - - -\n' +
      '/newer 0 100644 1 0 0 0 1000.1 - - -\n' +
      '/huge 4294967296 100644 1 0 0 0 1000.0 - - -\n',
  );
  const reader = await openBytes(image);
  for (const d of await reader.children(reader.rootId)) {
    const n = bytesToString(d.name);
    if (n.length <= 2 || n === '.' || n === '..') continue;
    const node = await reader.node(d.id);
    assert.equal(/extended/.test(node.layout ?? ''), n !== 'compact', `${n}: ${node.layout}`);
  }
});

test('chunk tables use as few chunks as possible, at most 2^43 bytes each', () => {
  assert.equal(chunkCount(1n), 1);
  assert.equal(chunkCount(4096n), 1);
  assert.equal(chunkCount(2n ** 43n), 1);
  assert.equal(chunkCount(2n ** 43n + 1n), 2);
  assert.equal(chunkCount(9000000000000000n), 1024);
  assert.throws(() => imageFromDump(ROOT + `/f ${2n ** 53n + 1n} 100644 1 0 0 0 0.0 - - -\n`), /chunks/);
});

test('writing leaves the caller\'s tree untouched', () => {
  const tree = parseDump(ROOT + '/w 5 20644 1 0 0 0 1000.0 - - - trusted.overlay.x=1\n');
  const before = JSON.stringify(tree, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v));
  writeComposefs(tree);
  const after = JSON.stringify(tree, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v));
  assert.equal(after, before);
  assert.equal(lookupPath(tree, B('/w'))!.mode & S_IFMT, S_IFCHR);
});

test('the image builder makes parents, resolves hardlinks and names objects by digest', async () => {
  const digest = new Uint8Array(32).fill(0x11);
  const image = buildImage({
    entries: [
      { path: '/usr/bin/tool', size: 10000, digest, perm: 0o755 },
      { path: '/usr/bin/alias', type: 'hardlink', target: '/usr/bin/tool' },
      { path: '/usr/bin/sh', type: 'symlink', target: 'tool' },
      { path: '/etc/hostname', content: 'box\n' },
    ],
  });
  const back = await readBack(image);
  const tool = lookupPath(back, B('/usr/bin/tool'))!;
  const alias = lookupPath(back, B('/usr/bin/alias'))!;
  assert.equal((alias.linkTo ?? alias), (tool.linkTo ?? tool));
  assert.equal(bytesToString((tool.linkTo ?? tool).payload!), `11/${'11'.repeat(31)}`);
  assert.equal(bytesToString(lookupPath(back, B('/usr/bin/sh'))!.payload!), 'tool');
  assert.equal(bytesToString(lookupPath(back, B('/etc/hostname'))!.content!), 'box\n');
  assert.equal(compareBytes(lookupPath(back, B('/usr'))!.name, B('usr')), 0);
});

test('every file type survives the round trip', async () => {
  const tree = treeFromSpecs([
    { path: '/c', type: 'chardev', rdev: 0x0103 },
    { path: '/b', type: 'blockdev', rdev: 0x0801 },
    { path: '/p', type: 'fifo' },
    { path: '/s', type: 'socket' },
    { path: '/w', type: 'whiteout' },
    { path: '/d', type: 'dir' },
    { path: '/l', type: 'symlink', target: 'x'.repeat(4095) },
  ]);
  const back = await readBack(writeComposefs(tree));
  const types = Object.fromEntries(back.children.map((c) => [bytesToString(c.name), c.mode & S_IFMT]));
  assert.deepEqual(types, { b: S_IFBLK, c: S_IFCHR, d: S_IFDIR, l: S_IFLNK, p: S_IFIFO, s: S_IFSOCK, w: S_IFCHR });
  assertSameTree(back, tree, 1);
});

// ---------------------------------------------------------------------------------------------
// The bundled samples (samples/, made by scripts/make-samples.ts).

test('the committed samples are exactly what `npm run samples` writes', async () => {
  const files = await buildSamples();
  assert.deepEqual(listGenerated(), [...files.keys()].sort(), 'same file list under samples/demo');
  for (const [rel, data] of files) {
    assert.ok(bytesEqual(readFileSync(join(SAMPLES_DIR, rel)), data), `${rel} is stale: run npm run samples`);
  }
});

test('sample objects are named by their fs-verity digest, except the one altered in objects-broken', async () => {
  const files = await buildSamples();
  const bad: string[] = [];
  for (const [rel, data] of files) {
    const m = /^demo\/(objects(?:-broken)?)\/(..)\/(.{62})$/.exec(rel);
    if (m && toHex(fsverityDigest(data)) !== m[2]! + m[3]!) bad.push(rel);
  }
  assert.equal(bad.length, 1);
  assert.match(bad[0]!, /^demo\/objects-broken\//);
});

test('v1 and v2 samples pass fsck.erofs; broken.cfs fails it', { skip: hasFsck ? false : 'fsck.erofs is not installed' }, async () => {
  const files = await buildSamples();
  assert.ok(fsck(files.get('demo/v1.cfs')!).ok);
  assert.ok(fsck(files.get('demo/v2.cfs')!).ok);
  assert.match(fsck(files.get('demo/broken.cfs')!).output, /wrong dirent name order/);
});

test('our image check finds nothing to report in written images: samples v1, v2 and the random trees', async () => {
  const files = await buildSamples();
  const images = [files.get('demo/v1.cfs')!, files.get('demo/v2.cfs')!, ...SEEDS.map((s) => writeComposefs(randomTree(s)))];
  for (const [i, image] of images.entries()) {
    const r = await checkSource(memorySource(image));
    assert.deepEqual(r.findings.map((f) => `${f.code} ${f.path ?? ''}: ${f.message}`), [], `image ${i}`);
  }
});

test('our image check reports each deliberate corruption of broken.cfs where it was made', async () => {
  const r = await checkSource(memorySource((await buildSamples()).get('demo/broken.cfs')!));
  const got = new Set(r.findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.path}`));
  for (const want of [
    'erofs.dirent.unsorted /usr/bin',
    'erofs.dirent.name-slash /etc',
    'erofs.xattr.entry-out-of-bounds /etc/motd',
    'composefs.metacopy.len /etc/ssl/certs/ca-bundle.crt',
    'composefs.redirect.escape /usr/bin/grep',
  ]) {
    assert.ok(got.has(want), `${want} in ${[...got].join(', ')}`);
  }
});

test('a directory chain 20000 levels deep is written without exhausting the call stack', () => {
  const specs = treeFromSpecs([]);
  let dir = specs;
  for (let i = 0; i < 20000; i++) {
    const d = newEntry(S_IFDIR | 0o755, B('d'));
    dir.children.push(d);
    dir = d;
  }
  dir.children.push(newEntry(S_IFCHR | 0o644, B('w'))); // a whiteout at the bottom raises the version
  const image = writeComposefs(specs);
  assert.equal(le32(image, 1024 + 16), 1 + 20001 + 256, 'inode count');
  assert.equal(decodeComposefsHeader(new Cursor(image, 0)).composefsVersion, 1);
});

test('trees built by code are checked like dumps: bad names, order, symlink and content sizes are refused', () => {
  const withChild = (mutate: (root: DumpEntry, child: DumpEntry) => void) => {
    const root = treeFromSpecs([{ path: '/a', content: 'x' }, { path: '/b', type: 'symlink', target: 't' }]);
    mutate(root, root.children[0]!);
    return () => writeComposefs(root);
  };
  assert.throws(withChild((_r, c) => (c.name = B('a/b'))), /contains "\/"/);
  assert.throws(withChild((_r, c) => (c.name = B('..'))), /invalid \. or \.\./);
  assert.throws(withChild((r) => r.children.reverse()), /sorted/);
  assert.throws(withChild((r) => (r.children[1]!.payload = B('t'.repeat(4096)))), /symlink target/);
  assert.throws(withChild((_r, c) => (c.size = 2n)), /inline content must match/);
  assert.throws(withChild((_r, c) => (c.mode = 0o170644)), /invalid mode/);
  assert.throws(withChild((_r, c) => (c.xattrs = [{ name: new Uint8Array(0), value: B('v') }])), /xattr name/);
  assert.doesNotThrow(withChild(() => {}));
});
