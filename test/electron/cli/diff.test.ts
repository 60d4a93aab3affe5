/** `cfs-inspect diff A B`: summary, one line per change, --json, --ignore, exit 0/1/2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { buildImage } from '../../helpers/image-builder.ts';
import { ignoreOptions } from '../../../electron/cli/commands/diff.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'diff', ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const tmp = mkdtempSync(join(tmpdir(), 'cfs-diff-cli-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

const v1 = write('v1.cfs', buildImage({ entries: [{ path: '/a', content: 'one', mtime: 5 }, { path: '/b', content: 'two', uid: 1, mtime: 5 }] }));
const v2 = write('v2.cfs', buildImage({ entries: [{ path: '/a', content: 'one', mtime: 6 }, { path: '/b', content: 'two', uid: 2, mtime: 5 }] }));

test('equal images: a zero summary and exit 0', () => {
  const r = cli(v1, v1);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0 added, 0 removed, 0 modified, 0 renamed\n');
});

test('different images: summary, then one line per change, exit 1', () => {
  const r = cli(v1, v2);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stdout,
    '0 added, 0 removed, 2 modified, 0 renamed\nmodified file /a mtime=5.000000000->6.000000000\nmodified file /b uid=1->2\n',
  );
});

test('--ignore hides classes of change; when nothing is left the images count as equal', () => {
  const r = cli(v1, v2, '--ignore', 'mtime');
  assert.equal(r.status, 1);
  assert.equal(r.stdout.split('\n')[1], 'modified file /b uid=1->2');
  const both = cli(v1, v2, '--ignore', 'mtime', '--ignore=ownership');
  assert.equal(both.status, 0, both.stderr);
  assert.equal(both.stdout, '0 added, 0 removed, 0 modified, 0 renamed\n');
});

test('a folder whose only change is its size (an entry was added in it) is left out; --dir-sizes reports it', () => {
  // A composefs root is a whole block either way (it keeps 256 whiteouts): the folder is /d, whose
  // size is 12 bytes per dirent plus the names (".", "..", "a", then "c").
  const before = write('d1.cfs', buildImage({ entries: [{ path: '/d/a', content: 'one', mtime: 5 }] }));
  const grown = write('d2.cfs', buildImage({ entries: [{ path: '/d/a', content: 'one', mtime: 5 }, { path: '/d/c', content: 'new', mtime: 5 }] }));
  const r = cli(before, grown);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '1 added, 0 removed, 0 modified, 0 renamed\nadded file /d/c\n');
  const sized = cli(before, grown, '--dir-sizes');
  assert.equal(sized.status, 1, sized.stderr);
  assert.equal(sized.stdout, '1 added, 0 removed, 1 modified, 0 renamed\nmodified dir /d size=40->53\nadded file /d/c\n');
  assert.deepEqual(JSON.parse(cli(before, grown, '--dir-sizes', '--json').stdout).options, { dirSizes: true });
});

test('--json prints counts and structured changes', () => {
  const r = cli(v1, v2, '--json');
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.counts, { added: 0, removed: 0, modified: 2, renamed: 0 });
  assert.deepEqual(j.changes[1], { kind: 'modified', path: '/b', nodeKind: 'file', fields: [{ field: 'uid', before: '1', after: '2' }] });
});

test('--ignore values parse into diff options; anything else is a usage error', () => {
  assert.deepEqual(ignoreOptions(['mtime', 'ownership', 'xattr:security.*', 'xattr:user.a,mtime']), {
    ignoreMtime: true,
    ignoreOwnership: true,
    ignoreXattrs: ['security.*', 'user.a'],
  });
  assert.throws(() => ignoreOptions(['size']), /--ignore takes mtime, ownership or xattr:PATTERN/);
  assert.throws(() => ignoreOptions(['xattr:']), /--ignore takes/);
});

test('errors exit 2 with one line naming the file: missing image, bad image, wrong arguments', () => {
  const check = (r: ReturnType<typeof cli>, pattern: RegExp) => {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };
  check(cli(v1, join(tmp, 'nope.cfs')), /nope\.cfs: no such file/);
  check(cli(write('junk.cfs', new Uint8Array(5000).fill(7)), v1), /junk\.cfs: not a composefs image/);
  check(cli(v1), /diff: needs two images/);
  check(cli(v1, v2, '--ignore', 'size'), /--ignore takes/);
});

test('an image damaged inside its tree fails the diff with a line naming that image and the byte range', () => {
  // Cut inside the metadata: the superblock and root inode still decode, the root's entries do not.
  const r = cli(v1, write('cut.cfs', readFileSync(v2).subarray(0, 1024 + 128 + 64)));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cut\.cfs: the file is truncated: it is \d+ bytes, shorter than the \d+ bytes its superblock claims .*; directory \d+: .*\[erofs\.dir\.out-of-bounds at 0x/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('corpus 03-diff: the CLI lists the 16 changes and exits 1; --dir-sizes adds the 2 folders whose only change is their size', { skip: corpusSkip }, () => {
  const r = cli(corpusPath('03-diff', 'v1', 'image.cfs'), corpusPath('03-diff', 'v2', 'image.cfs'));
  assert.equal(r.status, 1, r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.equal(out[0], '3 added, 4 removed, 8 modified, 1 renamed');
  assert.equal(out.length, 1 + 16);
  assert.ok(out.includes('renamed file /etc/renamed-old.conf -> /etc/renamed-new.conf'));
  const sized = cli(corpusPath('03-diff', 'v1', 'image.cfs'), corpusPath('03-diff', 'v2', 'image.cfs'), '--dir-sizes');
  const more = sized.stdout.trim().split('\n');
  assert.equal(more[0], '3 added, 4 removed, 10 modified, 1 renamed');
  assert.deepEqual(more.slice(1).filter((l) => !out.includes(l)), ['modified dir /etc size=216->214', 'modified dir /var size=50->48']);
});
