/**
 * `cfs-inspect cat` and `extract` on every format we read: composefs (objects from the store),
 * plain EROFS in every mkfs.erofs layout (inline, blocks, chunked, LZ4 and LZ4HC with tail packing,
 * legacy compression), the legacy descriptor, and OCI layers; damaged stores; hostile images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { snapshotTree, type EntrySnapshot } from '../../helpers/tree-snapshot.ts';
import { writeComposefs } from '../../../shared/composefs/writer.ts';
import { treeFromSpecs } from '../../../shared/composefs/writer-tree.ts';
import { decimalTime } from '../../../electron/services/extract.ts';
import { contentOrigin, lookupImagePath, readContentRange } from '../../../electron/services/content.ts';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { composefsView } from '../../../shared/composefs/overlay.ts';

const TSX = import.meta.resolve('tsx');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', TSX, join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 26 });
const text = (b: Buffer | string) => b.toString();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const ERofs = (v: string) => corpusPath('08-mkfs-erofs', v, 'image.erofs');
const VARIANTS = ['plain', 'preserve-mtime', 'noinline', 'extended', 'chunked-4k', 'lz4', 'lz4hc-ztail', 'lz4-legacy'];
interface ManifestEntry {
  path: string;
  mode: string;
  uid: number;
  gid: number;
  size: number | null;
  mtime_ns: number;
  xattrs: Record<string, string>;
  sha256?: string;
  target?: string;
}
const manifest = (): ManifestEntry[] => JSON.parse(readFileSync(corpusPath('08-mkfs-erofs', 'source-manifest.json'), 'utf8'));
const isReg = (m: ManifestEntry) => (parseInt(m.mode, 8) & 0o170000) === 0o100000;

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), `cfs-content-${prefix}-`));

test('every regular file of every mkfs.erofs layout reads byte-exact (inline, blocks, chunked, LZ4, LZ4HC tail-packed, legacy LZ4)', { skip: corpusSkip }, async () => {
  const files = manifest().filter((m) => isReg(m) && m.sha256);
  for (const v of VARIANTS) {
    const reader = await openImageFile(ERofs(v));
    try {
      for (const m of files) {
        const found = await lookupImagePath(reader, Buffer.from(m.path));
        assert.ok('id' in found, `${v} ${m.path}`);
        const view = composefsView(found.node);
        const origin = contentOrigin(found.node, view, undefined);
        const bytes = await readContentRange(reader, found.id, view.size, origin, 0, view.size);
        assert.equal(sha256(bytes), m.sha256, `${v} ${m.path} (${origin.kind})`);
      }
    } finally {
      await reader.close();
    }
  }
});

test('cat writes a file of a chunked and of a tail-packed LZ4HC image to stdout', { skip: corpusSkip }, () => {
  const biggest = manifest().filter((m) => isReg(m) && m.sha256).sort((a, b) => b.size! - a.size!)[0]!;
  for (const v of ['chunked-4k', 'lz4hc-ztail']) {
    const r = run('cat', ERofs(v), biggest.path);
    assert.equal(r.status, 0, `${v}: ${text(r.stderr)}`);
    assert.equal(sha256(r.stdout), biggest.sha256, v);
  }
});

test('cat of a composefs file reads its backing object from the store; inline files from the image', { skip: corpusSkip }, () => {
  const image = corpusPath('01-readme', 'image.cfs');
  const a = run('cat', image, '/file_a', '--basedir', corpusPath('01-readme', 'objects'));
  assert.equal(a.status, 0, text(a.stderr));
  assert.equal(text(a.stdout), 'This is file_a. '.repeat(8));
  const small = run('cat', image, 'small');
  assert.equal(text(small.stdout), 'hello world\n');
  assert.equal(run('cat', image, '/empty').stdout.length, 0);
  // Without --basedir the store beside the image (objects/) is used.
  assert.equal(text(run('cat', image, '/dir/another_a', '--verify').stdout), 'This is file_a. '.repeat(8));
});

test('cat of a legacy descriptor file reads the backing file from the store', { skip: corpusSkip }, () => {
  const dump = text(readFileSync(corpusPath('09-legacy', 'readme-cfs', 'tool-dump.txt')));
  const r = run('cat', corpusPath('09-legacy', 'readme-cfs', 'image.cfs'), '/file_a', '--verify');
  assert.equal(r.status, 0, text(r.stderr) + dump.slice(0, 300));
  assert.equal(text(r.stdout), 'This is file_a. '.repeat(8));
});

test('cat --verify refuses an object whose digest does not match, and a missing object exits 1', { skip: corpusSkip }, () => {
  const dir = temp('verify');
  try {
    const store = join(dir, 'objects');
    cpSync(corpusPath('01-readme', 'objects'), store, { recursive: true });
    const obj = join(store, '63', 'ac487fca7234c6c954b79be008824f245d8357b4b86b0d47739c344643ef2f');
    chmodSync(obj, 0o644);
    writeFileSync(obj, Buffer.alloc(128, 0x61));
    const image = corpusPath('01-readme', 'image.cfs');
    const bad = run('cat', image, '/file_b', '--basedir', store, '--verify');
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout.length, 0, 'nothing printed');
    assert.match(text(bad.stderr), /^cfs-inspect: \/file_b: mismatch: expected sha256:63ac487f[0-9a-f]{56}, object has sha256:[0-9a-f]{64} \(.*\/63\/ac487fca/);
    const unverified = run('cat', image, '/file_b', '--basedir', store);
    assert.equal(unverified.status, 0, 'without --verify the bytes are printed as they are');
    assert.equal(text(unverified.stdout), 'a'.repeat(128));
    rmSync(join(store, '7f'), { recursive: true });
    const missing = run('cat', image, '/file_a', '--basedir', store);
    assert.equal(missing.status, 1);
    assert.match(text(missing.stderr), /\/file_a: missing: no such object in any object store \(.*\/7f\/8d1f57a6/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cat refuses what is not a regular file, and paths that are not there, with exit 2', { skip: corpusSkip }, () => {
  for (const [path, pattern] of [
    ['/dir', /\/dir: is a dir, not a regular file/],
    ['/nope', /\/nope: no such file or directory in the image/],
    ['/small/x', /\/small\/x: not a directory on the way/],
  ] as const) {
    const r = run('cat', corpusPath('01-readme', 'image.cfs'), path);
    assert.equal(r.status, 2, path);
    assert.match(text(r.stderr), pattern);
  }
  const sym = manifest().find((m) => m.target !== undefined)!;
  const r = run('cat', ERofs('plain'), sym.path);
  assert.equal(r.status, 2);
  assert.match(text(r.stderr), /is a symlink to /);
});

const FSCK_19 = corpusPath('..', 'bench', 'erofs-utils-1.9.3', 'fsck.erofs');

/** fsck.erofs --extract of an image: 1.9.3 with xattrs, or Debian's 1.5 (no xattrs) where 1.9.3 cannot read it. */
function fsckExtract(image: string, dest: string): { xattrs: boolean } {
  if (existsSync(FSCK_19) && spawnSync(FSCK_19, [`--extract=${dest}`, '--xattrs', image], { stdio: 'ignore' }).status === 0) return { xattrs: true };
  rmSync(dest, { recursive: true, force: true });
  const r = spawnSync('fsck.erofs', [`--extract=${dest}`, image], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fsck.erofs --extract ${image}: ${r.stderr}`);
  return { xattrs: false };
}

const withoutXattrs = (s: EntrySnapshot) => ({ ...s, xattrs: [] });
const haveFsck = spawnSync('fsck.erofs', ['-V'], { stdio: 'ignore' }).status === 0 || existsSync(FSCK_19);

test(
  'extract of every plain EROFS corpus image equals fsck.erofs --extract of it (content, modes, owners, mtimes, links, devices, xattrs)',
  { skip: corpusSkip || (haveFsck ? false : 'fsck.erofs not installed') },
  () => {
    const sourceXattrs = new Map(manifest().map((m) => [m.path === '/' ? '' : Buffer.from(m.path.slice(1)).toString('latin1'), Object.entries(m.xattrs).map(([k, v]) => `${k}=${v}`).sort()]));
    const sourceNlink = new Map(manifest().map((m) => [m.path === '/' ? '' : Buffer.from(m.path.slice(1)).toString('latin1'), (m as unknown as { nlink: number }).nlink]));
    for (const v of VARIANTS) {
      const dir = temp(v);
      try {
        const r = run('extract', ERofs(v), join(dir, 'ours'));
        assert.equal(r.status, 0, `${v}: ${text(r.stderr)}`);
        assert.equal(text(r.stdout), `423 entries (413 files, 138738 bytes) extracted to ${join(dir, 'ours')}\n`);
        const ref = fsckExtract(ERofs(v), join(dir, 'ref'));
        const ours = snapshotTree(join(dir, 'ours'));
        const theirs = snapshotTree(join(dir, 'ref'));
        assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), v);
        for (const [path, mine] of ours) {
          // Debian's fsck.erofs 1.5 (the fallback) makes hard links as separate files: the link count is checked against the source.
          const comparable = (s: EntrySnapshot) => (ref.xattrs ? withoutXattrs(s) : { ...withoutXattrs(s), nlink: undefined });
          assert.deepEqual(comparable(mine), comparable(theirs.get(path)!), `${v} /${path}`);
          if (mine.nlink !== undefined) assert.equal(mine.nlink, sourceNlink.get(path), `${v} /${path} nlink`);
          // The source tree is the truth for xattrs; fsck.erofs 1.9.3 agrees except that it fails on an
          // empty value ("failed to get xattr value size of user.b") and leaves that one out.
          assert.deepEqual(mine.xattrs, sourceXattrs.get(path), `${v} /${path} xattrs`);
          if (ref.xattrs) assert.deepEqual(theirs.get(path)!.xattrs, mine.xattrs.filter((x) => !x.endsWith('=')), `${v} /${path} fsck xattrs`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  },
);

test('extract refuses a non-empty DEST without --force, and writes into it with --force', { skip: corpusSkip }, () => {
  const dir = temp('force');
  try {
    writeFileSync(join(dir, 'keep'), 'mine');
    symlinkSync('/etc/passwd', join(dir, 'small'));
    const r = run('extract', corpusPath('01-readme', 'image.cfs'), dir);
    assert.equal(r.status, 2);
    assert.match(text(r.stderr), /is not empty \(use --force to write into it\)/);
    assert.deepEqual(readdirSync(dir).sort(), ['keep', 'small']);
    const f = run('extract', corpusPath('01-readme', 'image.cfs'), dir, '--force');
    assert.equal(f.status, 0, text(f.stderr));
    assert.equal(readFileSync(join(dir, 'small'), 'utf8'), 'hello world\n', 'the planted symlink was replaced, not followed');
    assert.equal(lstatSync(join(dir, 'small')).isFile(), true);
    assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'mine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extract of a composefs image with a corrupt and a missing object reports both, skips both, extracts the rest, exits 1', { skip: corpusSkip }, () => {
  const dir = temp('damaged');
  try {
    const store = join(dir, 'objects');
    cpSync(corpusPath('01-readme', 'objects'), store, { recursive: true });
    const obj = join(store, '63', 'ac487fca7234c6c954b79be008824f245d8357b4b86b0d47739c344643ef2f');
    chmodSync(obj, 0o644);
    writeFileSync(obj, Buffer.alloc(128, 0x61));
    rmSync(join(store, '7f'), { recursive: true });
    const out = join(dir, 'out');
    const r = run('extract', corpusPath('01-readme', 'image.cfs'), out, '--basedir', store);
    assert.equal(r.status, 1);
    const lines = text(r.stderr).trim().split('\n');
    assert.equal(lines.length, 3, text(r.stderr));
    assert.match(lines[0]!, /^cfs-inspect: \/dir\/another_a: missing: no such object in any object store \(.*\/7f\/8d1f57a6/);
    assert.match(lines[1]!, /^cfs-inspect: \/file_a: missing: /);
    assert.match(lines[2]!, /^cfs-inspect: \/file_b: mismatch: expected sha256:63ac487f[0-9a-f]{56}, object has sha256:[0-9a-f]{64} \(.*\/63\/ac487f/);
    assert.equal(text(r.stdout), `4 entries (2 files, 12 bytes) extracted to ${out}; 3 skipped\n`);
    assert.deepEqual(readdirSync(out).sort(), ['dir', 'empty', 'small']);
    assert.deepEqual(readdirSync(join(out, 'dir')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extract of the 02-fs-tree composefs image: odd names, long targets, devices, modes; the omitted object is reported', { skip: corpusSkip }, () => {
  const dir = temp('fstree');
  try {
    const out = join(dir, 'out');
    const r = run('extract', corpusPath('02-fs-tree', 'image.cfs'), out);
    assert.equal(r.status, 1, 'one object is omitted from the store');
    const missing = text(readFileSync(corpusPath('02-fs-tree', 'info-missing-objects.txt'))).trim();
    const problems = text(r.stderr).split('\n').filter((l) => l && !l.includes('warning:'));
    assert.equal(problems.length, 1, text(r.stderr));
    assert.match(problems[0]!, new RegExp(`missing: no such object in any object store \\(.*/${missing.replace('/', '\\/')}\\)$`));
    // Every other entry composefs-info lists is there, with the right kind.
    const ls = text(readFileSync(corpusPath('02-fs-tree', 'info-ls.txt'), 'latin1'));
    const snap = snapshotTree(out);
    let checked = 0;
    for (const line of ls.split('\n').filter(Boolean)) {
      const [escaped, rest] = line.split('\t');
      if (escaped!.includes('\\')) continue; // escaped names: checked through the snapshot count below
      const rel = escaped === '/' ? '' : escaped!.slice(1).replace(/\/$/, '');
      if (rest?.startsWith('@ ') && missing && rest.slice(2) === missing) continue;
      const s = snap.get(rel);
      assert.ok(s, `${rel} extracted`);
      if (rest?.startsWith('-> ')) assert.equal(s.target, rest.slice(3), rel);
      checked++;
    }
    assert.ok(checked > 3000, `${checked} entries checked`);
    const dump = text(readFileSync(corpusPath('02-fs-tree', 'info-dump.txt'), 'latin1'));
    assert.equal(snap.size, dump.split('\n').filter(Boolean).length - 1, 'every dumped entry but the missing object is there');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Replaces the one occurrence of a placeholder name in an image (the writer refuses the hostile names themselves). */
function patchName(image: Uint8Array, from: string, to: string): void {
  const f = Buffer.from(from);
  const at = Buffer.from(image).indexOf(f);
  assert.ok(at >= 0 && Buffer.from(image).indexOf(f, at + 1) < 0, `${from} occurs once`);
  image.set(Buffer.from(to), at);
}

/** A composefs image whose names and links try to escape: '..', 'a/b', a name twice (symlink, then directory). */
function hostileImage(outside: string): Uint8Array {
  const image = writeComposefs(
    treeFromSpecs([
      { path: '/Q7', content: 'dot-dot\n' },
      { path: '/SLAZH', content: 'slash\n' },
      { path: '/evil', type: 'symlink', target: outside },
      { path: '/evjl/passwd', content: 'pwned\n' },
      { path: '/ok', content: 'fine\n' },
    ]),
    {},
  );
  patchName(image, 'Q7', '..');
  patchName(image, 'SLAZH', 'sub/x');
  patchName(image, 'evjl', 'evil'); // a directory with the symlink's name: its child would land in `outside`
  return image;
}

test('extract of a hostile image never writes outside DEST: .., /, duplicate names through a symlink', () => {
  const dir = temp('hostile');
  try {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const image = join(dir, 'hostile.cfs');
    writeFileSync(image, hostileImage(outside));
    const out = join(dir, 'out');
    const r = run('extract', image, out);
    assert.equal(r.status, 1, text(r.stderr));
    assert.deepEqual(readdirSync(outside), [], 'nothing written outside DEST');
    assert.deepEqual(readdirSync(dir).sort(), ['hostile.cfs', 'out', 'outside']);
    assert.deepEqual(readdirSync(out).sort(), ['evil', 'ok']);
    assert.equal(readlinkSync(join(out, 'evil')), outside, 'the symlink is made as it is, never followed');
    assert.equal(readFileSync(join(out, 'ok'), 'utf8'), 'fine\n');
    const err = text(r.stderr);
    // A name '..' never reaches us: the reader leaves '.' and '..' out of every listing.
    assert.match(err, /\/sub\/x: name: name contains '\/': not extracted/);
    assert.match(err, /\/evil: duplicate: a second entry of this name in its directory: not extracted/);
    assert.equal(err.trim().split('\n').length, 2, err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extract --path takes one subtree; a file or a missing path is refused before anything is written', { skip: corpusSkip }, () => {
  const dir = temp('subtree');
  try {
    const out = join(dir, 'out');
    const r = run('extract', ERofs('lz4'), out, '--path', '/sub');
    assert.equal(r.status, 0, text(r.stderr));
    const want = manifest().filter((m) => m.path.startsWith('/sub/')).map((m) => m.path.slice('/sub/'.length)).sort();
    assert.deepEqual([...snapshotTree(out).keys()].filter(Boolean).sort(), want);
    for (const bad of ['/nope', '/hello.txt']) {
      const b = run('extract', ERofs('lz4'), join(dir, 'b'), '--path', bad);
      assert.equal(b.status, 2, bad);
      assert.equal(existsSync(join(dir, 'b')), false, 'DEST not created');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cat and extract of an OCI layer (tar.gz made by GNU tar)', () => {
  const dir = temp('oci');
  try {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'etc'), { recursive: true });
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    writeFileSync(join(src, 'etc', 'big.bin'), big);
    writeFileSync(join(src, 'etc', 'hostname'), 'box\n');
    chmodSync(join(src, 'etc', 'hostname'), 0o640);
    symlinkSync('hostname', join(src, 'etc', 'link'));
    const layer = join(dir, 'layer.tar.gz');
    const t = spawnSync('tar', ['--format=posix', '-czf', layer, '-C', src, '.'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    const c = run('cat', layer, '/etc/big.bin');
    assert.equal(c.status, 0, text(c.stderr));
    assert.equal(sha256(c.stdout), sha256(big));
    const out = join(dir, 'out');
    const r = run('extract', layer, out);
    assert.equal(r.status, 0, text(r.stderr));
    assert.deepEqual(snapshotTree(out), snapshotTree(src), 'the layer extracted equals the tree it was made from');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mtimes before 1970 with nanoseconds are written as exact decimals for touch(1)', () => {
  assert.equal(decimalTime(1700000000, 123456789), '1700000000.123456789');
  assert.equal(decimalTime(-2, 500000000), '-1.500000000');
  assert.equal(decimalTime(-2, 0), '-2.000000000');
  assert.equal(decimalTime(0, 1), '0.000000001');
});

test('check, verify and diff --format json print what --json prints; md and html are reports', { skip: corpusSkip }, () => {
  const image = corpusPath('01-readme', 'image.cfs');
  const store = corpusPath('01-readme', 'objects');
  const v1 = corpusPath('03-diff', 'v1', 'image.cfs');
  const v2 = corpusPath('03-diff', 'v2', 'image.cfs');
  for (const args of [['check', image], ['verify', image, '--basedir', store], ['diff', v1, v2]]) {
    const j = run(...args, '--json');
    const f = run(...args, '--format', 'json');
    assert.equal(text(f.stdout), text(j.stdout), args[0]);
    assert.equal(f.status, j.status);
    const html = run(...args, '--format', 'html');
    assert.equal(html.status, j.status);
    assert.match(text(html.stdout), new RegExp(`^<!doctype html>[\\s\\S]*<h1>cfs-inspect ${args[0]}: `));
    const md = run(...args, '--format', 'md');
    assert.match(text(md.stdout), new RegExp(`^# cfs-inspect ${args[0]}: `));
  }
  const d = text(run('diff', v1, v2, '--format', 'md').stdout);
  assert.match(d, /^\| modified \| \/etc\/link \| symlink \| target: target-old → target-new \|$/m);
  // Reports are for people: modes and times read as the app shows them; --json keeps the raw values.
  assert.match(d, /^\| modified \| \/usr\/bin\/chmodded \| file \| mode: -rw-r--r-- 0644 → -rwxr-xr-x 0755 \|$/m);
  assert.match(d, /^\| modified \| \/etc\/mtime-changed \| file \| mtime: 2023-11-14 22:13:20\.123456789 UTC → 2023-11-14 22:13:21\.123456789 UTC \|$/m);
  assert.match(text(run('diff', v1, v2, '--json').stdout), /"before": "100644",\s*"after": "100755"/);
});
