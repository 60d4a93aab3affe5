/**
 * The format 2 writer (composefs-rs's layout). Its independent oracle is composefs-rs itself:
 * crates/composefs/tests/mkfs.rs pins, in test_erofs_digest_stability, the fs-verity digest of the
 * image its writer makes of two trees (`empty` and `simple`, defined in that file) in formats
 * V0, V1 and V2. We build the same trees and must get the same six digests (V0 and V1 through our
 * libcomposefs-compatible writer, V2 through writer-v2.ts). Beyond them: random trees in format 2
 * pass fsck.erofs, check clean, and read back, through our reader and composefs-info alike, as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeComposefs, WriteError } from '../../../shared/composefs/writer.ts';
import { COMPOSEFS_VERSION_V2, writeComposefsV2 } from '../../../shared/composefs/writer-v2.ts';
import { treeFromSpecs } from '../../../shared/composefs/writer-tree.ts';
import { parseDump, type DumpEntry } from '../../../shared/composefs/dumpfile.ts';
import { dumpLine, walkComposefs } from '../../../shared/composefs/dump.ts';
import { decodeComposefsHeader } from '../../../shared/composefs/header.ts';
import { Cursor } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkSource } from '../../../shared/check/index.ts';
import { fsverityDigest } from '../../../shared/verity/merkle.ts';
import { S_IFCHR, S_IFDIR, S_IFMT, S_IFREG, toHex } from '../../../shared/model.ts';
import { openBytes } from '../../helpers/image-builder.ts';
import { randomTree } from '../../helpers/random-dump-tree.ts';
import { BENCH_DIR } from '../../helpers/corpus.ts';

/** mkfs.rs's `empty`: the root alone, mode 0755, owned by 0:0, mtime 0. */
const empty = () => treeFromSpecs([{ path: '/', type: 'dir', perm: 0o755 }]);

/** mkfs.rs's `simple`: one leaf of each kind in the root, each with mode bits 0. */
const simple = () =>
  treeFromSpecs([
    { path: '/', type: 'dir', perm: 0o755 },
    { path: '/fifo', type: 'fifo', perm: 0 },
    { path: '/regular-inline', content: 'hihi', perm: 0 },
    { path: '/regular-external', size: 1234, digest: '5a'.repeat(32), perm: 0 },
    { path: '/chrdev', type: 'chardev', rdev: 123, perm: 0 },
    { path: '/blkdev', type: 'blockdev', rdev: 123, perm: 0 },
    { path: '/socket', type: 'socket', perm: 0 },
    { path: '/symlink', type: 'symlink', target: '/target', perm: 0 },
  ]);

// Copied from composefs-rs crates/composefs/tests/mkfs.rs, test_erofs_digest_stability.
const PINNED: [string, () => DumpEntry, 0 | 1 | 2, string][] = [
  ['empty_v0', empty, 0, '8f589e8f57ecb88823736b0d857ddca1e1068a23e264fad164b28f7038eb3682'],
  ['simple_v0', simple, 0, '9f3f5620ee0c54708516467d0d58741e7963047c7106b245d94c298259d0fa01'],
  ['empty_v1', empty, 1, '14a26c957c84f6eb774b91205476adc13196c7c33b9dd97d08d43725ecb90b63'],
  ['simple_v1', simple, 1, 'ad6db6427568a1e4fdc772cbab7b6063f5eb4b33cb62982a740ba9213e5962b5'],
  ['empty_v2', empty, 2, '086b702a519b57d6ef5aea6f8b3f2be24355cd1fb835cd80fb4e3d388b24d5a5'],
  ['simple_v2', simple, 2, 'a8fcd41f8b313bede69f462f2af0a38d64b99a6333f5df884ea9ab4037fac722'],
];

const write = (tree: DumpEntry, version: 0 | 1 | 2) => (version === 2 ? writeComposefsV2(tree) : writeComposefs(tree, { minVersion: version }));

for (const [name, tree, version, digest] of PINNED) {
  test(`${name}: the fs-verity digest is the one composefs-rs pins for its image`, () => {
    assert.equal(toHex(fsverityDigest(write(tree(), version))), digest);
  });
}

test('the header of a format 2 image says composefs_version 2 with no flags, even with ACLs', () => {
  const tree = treeFromSpecs([{ path: '/f', content: 'x', xattrs: { 'system.posix_acl_access': new Uint8Array([2, 0, 0, 0]) } }]);
  const h = decodeComposefsHeader(new Cursor(writeComposefsV2(tree), 0));
  assert.deepEqual([h.version, h.flags, h.composefsVersion], [1, 0, COMPOSEFS_VERSION_V2]);
});

test('inline data that cannot stay in one block is refused, not written as a corrupt image', () => {
  assert.throws(() => writeComposefsV2(treeFromSpecs([{ path: '/big', content: new Uint8Array(4097) }])), WriteError);
});

// ---------------------------------------------------------------------------------------------
// Random trees in format 2.

const hasFsck = spawnSync('fsck.erofs', ['-V']).error === undefined;
const COMPOSEFS_INFO = BENCH_DIR ? join(BENCH_DIR, 'composefs-1.0.8', 'tools', 'composefs-info') : '';
const hasInfo = COMPOSEFS_INFO !== '' && existsSync(COMPOSEFS_INFO);

function withFile<T>(image: Uint8Array, f: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-writer-v2-'));
  try {
    const p = join(dir, 'image.cfs');
    writeFileSync(p, image);
    return f(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ourDump(image: Uint8Array): Promise<string> {
  const reader = await openBytes(image);
  let text = '';
  const problems: unknown[] = [];
  await walkComposefs(reader, async (e) => void (text += await dumpLine(reader, e)), (p) => problems.push(p));
  assert.deepEqual(problems, []);
  return text;
}

const hex = (b?: Uint8Array) => (b ? toHex(b) : '');

/** What format 2 keeps of an entry: whole-second mtimes, whiteouts as they are, links counted by name. */
function keptV2(e: DumpEntry, links: number) {
  const type = e.mode & S_IFMT;
  const external = type === S_IFREG && e.size > 0n && !e.content;
  return {
    mode: e.mode & 0xffff,
    owner: `${e.uid}:${e.gid}`,
    nlink: type === S_IFDIR ? 2 + e.children.filter((c) => !c.linkTo && (c.mode & S_IFMT) === S_IFDIR).length : links,
    size: type === S_IFDIR ? 0n : e.size,
    rdev: type === S_IFCHR || (e.mode & S_IFMT) === 0o060000 ? e.rdev : 0n,
    mtime: e.mtime.sec,
    payload: hex(e.payload && (external || (e.mode & S_IFMT) === 0o120000) ? e.payload : undefined),
    content: hex(e.content),
    digest: external ? hex(e.digest) : '',
    xattrs: e.xattrs.map((x) => `${hex(x.name)}=${hex(x.value)}`).sort(),
  };
}

function entries(root: DumpEntry): Map<string, DumpEntry> {
  const out = new Map<string, DumpEntry>();
  const stack: [DumpEntry, string][] = [[root, '']];
  while (stack.length > 0) {
    const [e, path] = stack.pop()!;
    out.set(path || '/', e);
    for (const c of e.children) stack.push([c, `${path}/${toHex(c.name)}`]);
  }
  return out;
}

function assertKept(readBack: DumpEntry, written: DumpEntry): void {
  const a = entries(readBack);
  const w = entries(written);
  assert.deepEqual([...a.keys()].sort(), [...w.keys()].sort(), 'same paths');
  const links = new Map<DumpEntry, number>();
  for (const e of w.values()) if ((e.mode & S_IFMT) !== S_IFDIR || e.linkTo) links.set(e.linkTo ?? e, (links.get(e.linkTo ?? e) ?? 0) + 1);
  for (const [path, we] of w) {
    const target = we.linkTo ?? we;
    const got = a.get(path)!;
    const gotTarget = got.linkTo ?? got;
    const kept = keptV2(gotTarget, gotTarget.nlink);
    if ((gotTarget.mode & S_IFMT) === S_IFDIR) kept.size = 0n;
    assert.deepEqual(kept, keptV2(target, links.get(target) ?? 1), `fields of ${path}`);
  }
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  const tree = () => randomTree(seed, { inlineMax: 1000, symlinkMax: 2000, digestSize: seed % 2 === 0 ? 64 : 32 });

  test(`random tree ${seed} in format 2: read back with every stored field and link count`, async () => {
    const written = tree();
    assertKept(parseDump(Buffer.from(await ourDump(writeComposefsV2(written)), 'latin1')), written);
  });

  test(`random tree ${seed} in format 2: our check has nothing to report`, async () => {
    const r = await checkSource(memorySource(writeComposefsV2(tree())));
    assert.deepEqual(r.findings.map((f) => `${f.code} ${f.path ?? ''}: ${f.message}`), []);
  });

  test(`random tree ${seed} in format 2 passes fsck.erofs`, { skip: hasFsck ? false : 'fsck.erofs is not installed' }, () => {
    const r = withFile(writeComposefsV2(tree()), (p) => spawnSync('fsck.erofs', [p], { encoding: 'utf8' }));
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  // composefs-info 1.0.8 reads only sha256 metacopy digests.
  if (seed % 2 === 1) {
    test(`random tree ${seed} in format 2: composefs-info dumps it as our reader does`, { skip: hasInfo ? false : 'composefs-info not found' }, async () => {
      const image = writeComposefsV2(tree());
      const theirs = withFile(image, (p) => spawnSync(COMPOSEFS_INFO, ['dump', p], { encoding: 'latin1', maxBuffer: 1 << 28 }));
      assert.equal(theirs.status, 0, theirs.stderr);
      // libcomposefs takes every unescaped whiteout (char 0:0) for its own root table and leaves it
      // out; in format 2 they are the tree's own entries, so we list them and compare the rest.
      const isWhiteout = (line: string) => /^\S+ 0 20\d{3} \d+ \d+ \d+ 0 /.test(line);
      const ours = (await ourDump(image)).split('\n').filter((l) => !isWhiteout(l));
      assert.equal(ours.join('\n'), theirs.stdout);
    });
  }
}

test('format 2 numbers inodes depth-first: every directory before its entries, a subtree before the next name', async () => {
  const image = writeComposefsV2(treeFromSpecs([{ path: '/a/deep/x' }, { path: '/b' }, { path: '/a/y' }, { path: '/c/z' }]));
  const reader = await openBytes(image);
  const walked: [string, number][] = [];
  await walkComposefs(reader, (e) => void walked.push([new TextDecoder().decode(e.path), e.id]), () => undefined);
  // Our walk goes in name order, depth-first, so the nids it meets must only grow.
  assert.deepEqual(walked.map(([p]) => p), ['/', '/a', '/a/deep', '/a/deep/x', '/a/y', '/b', '/c', '/c/z']);
  const nids = walked.map(([, id]) => id);
  assert.deepEqual(nids, [...nids].sort((x, y) => x - y));
  assert.equal(new Set(nids).size, nids.length);
});
