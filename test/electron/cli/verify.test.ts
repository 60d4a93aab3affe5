import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const TSX = import.meta.resolve('tsx');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', TSX, join(REPO_ROOT, 'electron/cli/main.ts'), 'verify', ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const IMAGE = corpusPath('01-readme', 'image.cfs');
const STORE = corpusPath('01-readme', 'objects');
const DIGEST = corpusSkip ? '' : readFileSync(corpusPath('01-readme', 'print-digest.txt'), 'utf8').trim();

test('a sound image and store: summary on stdout, nothing on stderr, exit 0', { skip: corpusSkip }, () => {
  const r = cli(IMAGE, '--basedir', STORE, '--digest', DIGEST);
  assert.equal(r.stderr, '', 'no progress output when stderr is not a terminal');
  assert.equal(r.stdout, `image sha256:${DIGEST} (as expected)\n5 files: 3 verified, 1 inline, 1 empty\n`);
  assert.equal(r.status, 0);
});

test('a corrupted object gives a line naming the file, both digests and the object, and exit 1', { skip: corpusSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-verify-cli-'));
  try {
    const store = join(dir, 'objects');
    cpSync(STORE, store, { recursive: true });
    const obj = join(store, '63', 'ac487fca7234c6c954b79be008824f245d8357b4b86b0d47739c344643ef2f');
    chmodSync(obj, 0o644);
    writeFileSync(obj, Buffer.alloc(128, 0x61));
    const r = cli(IMAGE, '--basedir', join(dir, 'empty-or-absent'), '--basedir', store);
    assert.equal(r.status, 2, 'a --basedir that does not exist is an I/O error');
    const r2 = cli(IMAGE, '--basedir', store);
    assert.equal(r2.status, 1, r2.stderr);
    const lines = r2.stdout.trim().split('\n');
    assert.match(lines[0]!, /^mismatch \/file_b: expected sha256:63ac487f[0-9a-f]{56}, object has sha256:[0-9a-f]{64} \(.*\/63\/ac487fca/);
    assert.equal(lines.at(-1), '5 files: 2 verified, 1 inline, 1 empty, 1 mismatch');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an image digest other than --digest fails the verification with exit 1', { skip: corpusSkip }, () => {
  const r = cli(IMAGE, '--basedir', STORE, '--digest', 'sha256:' + '0'.repeat(64));
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^image sha256:${DIGEST}, expected sha256:0{64}: MISMATCH$`, 'm'));
});

test('--json gives the counts, the image digest and every result', { skip: corpusSkip }, () => {
  const r = cli(IMAGE, '--basedir', STORE, '--json');
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.counts, { verified: 3, inline: 1, empty: 1 });
  assert.equal(doc.imageDigest, DIGEST);
  assert.equal(doc.cancelled, false);
  assert.deepEqual(doc.results.map((x: { path: string }) => x.path), ['/dir/another_a', '/empty', '/file_a', '/file_b', '/small']);
});

test('usage and I/O errors exit 2 with one line on stderr', { skip: corpusSkip }, () => {
  for (const [args, pattern] of [
    [[IMAGE], /needs --basedir/],
    [[IMAGE, '--basedir', STORE, '--digest', 'xyz'], /not an fs-verity digest/],
    [['--basedir', STORE], /needs exactly one IMAGE/],
    [[join(STORE, 'nope.cfs'), '--basedir', STORE], /nope\.cfs: no such file/],
    [[IMAGE, '--basedir', IMAGE], /not a directory/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
});

const haveScript = spawnSync('script', ['--version']).status === 0;

test(
  'progress goes to stderr only when it is a terminal, and is erased at the end',
  { skip: corpusSkip || (haveScript ? false : 'script(1) not installed') },
  () => {
    // script(1) gives the command a pseudo-terminal; stdout goes to /dev/null so only stderr is seen.
    const command = [process.execPath, '--import', TSX, join(REPO_ROOT, 'electron/cli/main.ts'), 'verify', IMAGE, '--basedir', STORE];
    const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = spawnSync('script', ['-qec', `${quoted} > /dev/null`, '/dev/null'], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /verifying: [0-5]\/5 files, 0\.00\/0\.00 GiB/);
    assert.ok(r.stdout.endsWith('\r\x1b[K'), JSON.stringify(r.stdout.slice(-20)));
  },
);

test('verify --digest takes a sha512 image digest and measures the image with sha512, as fsverity does', { skip: corpusSkip }, () => {
  const image = corpusPath('01-readme', 'image.cfs');
  const store = corpusPath('01-readme', 'objects');
  const oracle = spawnSync('fsverity', ['digest', '--hash-alg=sha512', '--compact', image], { encoding: 'utf8' }).stdout.trim();
  assert.match(oracle, /^[0-9a-f]{128}$/);
  const ok = cli(image, '--basedir', store, '--digest', `sha512:${oracle}`);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`^image sha512:${oracle} \\(as expected\\)$`, 'm'));
  const wrong = cli(image, '--basedir', store, '--digest', '0'.repeat(128));
  assert.equal(wrong.status, 1);
  assert.match(wrong.stdout, new RegExp(`^image sha512:${oracle}, expected sha512:${'0'.repeat(128)}: MISMATCH$`, 'm'));
  const bad = cli(image, '--basedir', store, '--digest', `sha512:${'a'.repeat(64)}`);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /is not an fs-verity digest \(64 hex digits for sha256, 128 for sha512\)/);
});
