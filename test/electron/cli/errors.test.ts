/** Bad input gets one clear line on stderr and exit code 2: never a stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const tmp = mkdtempSync(join(tmpdir(), 'cfs-cli-'));

function assertCleanFailure(r: ReturnType<typeof cli>, pattern: RegExp) {
  assert.equal(r.status, 2, `exit code 2, got ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('a file that is not an image is refused with one line and exit 2', () => {
  const p = join(tmp, 'notes.txt');
  writeFileSync(p, 'hello, this is not a filesystem image\n'.repeat(100));
  assertCleanFailure(cli('ls', p), /notes\.txt: not a composefs image/);
});

test('an empty file is refused with one line and exit 2', () => {
  const p = join(tmp, 'empty.cfs');
  writeFileSync(p, '');
  assertCleanFailure(cli('dump', p), /empty\.cfs: the file is empty/);
});

test('a missing file is refused with one line and exit 2', () => {
  assertCleanFailure(cli('dump', join(tmp, 'nope.cfs')), /nope\.cfs: no such file/);
});

test('a directory given as image is refused with one line and exit 2', () => {
  assertCleanFailure(cli('ls', tmp), /is a directory/);
});

test('an unreadable file is refused with one line and exit 2', { skip: process.getuid?.() === 0 ? 'root can read anything' : false }, () => {
  const p = join(tmp, 'secret.cfs');
  writeFileSync(p, 'x');
  chmodSync(p, 0);
  assertCleanFailure(cli('ls', p), /permission denied/);
});

test('a truncated image is refused with one line naming the byte range and exit 2', { skip: corpusSkip }, () => {
  const full = readFileSync(corpusPath('01-readme', 'image.cfs'));
  const p = join(tmp, 'truncated.cfs');
  writeFileSync(p, full.subarray(0, 1100));
  assertCleanFailure(cli('ls', p), /truncated\.cfs: .*(too small|past the end).*\[/);
});

test('an image cut inside its tree lists what it can and names the damage, exit 2', { skip: corpusSkip }, () => {
  const full = readFileSync(corpusPath('02-fs-tree', 'image.cfs'));
  const p = join(tmp, 'cut.cfs');
  writeFileSync(p, full.subarray(0, 8192));
  const r = cli('ls', p);
  assert.equal(r.status, 2);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr, /cut\.cfs/);
});

test('an unknown command and a missing argument are usage errors with exit 2', () => {
  assertCleanFailure(cli('frobnicate'), /unknown command 'frobnicate'/);
  assertCleanFailure(cli('dump'), /dump: needs an IMAGE/);
  assertCleanFailure(cli('missing-objects', corpusPath('01-readme', 'image.cfs')), /needs --basedir/);
});

test('ls of a corpus image exits 0 and prints composefs-info\'s listing', { skip: corpusSkip }, () => {
  const r = cli('ls', corpusPath('01-readme', 'image.cfs'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(corpusPath('01-readme', 'info-ls.txt'), 'utf8'));
});
