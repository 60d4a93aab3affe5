/**
 * Files that are not files: a FIFO, a character device or a directory named as IMAGE, as FILE or as
 * an object store is refused at once with one line and exit 2 (a blocking open of a FIFO would wait
 * for a writer forever). The spawn timeout only turns a regression (a hang) into a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { buildImage } from '../../helpers/image-builder.ts';

const HANG_GUARD_MS = 120_000;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    timeout: HANG_GUARD_MS,
  });

const tmp = mkdtempSync(join(tmpdir(), 'cfs-notfile-'));
const fifo = join(tmp, 'pipe');
spawnSync('mkfifo', [fifo]);
const image = join(tmp, 'ok.cfs');
writeFileSync(image, buildImage({ entries: [{ path: '/a', content: 'x' }] }));
const store = join(tmp, 'objects');
spawnSync('mkdir', [store]);

function assertRefused(r: ReturnType<typeof cli>, pattern: RegExp) {
  assert.equal(r.error, undefined, `the command did not finish: ${r.error}`);
  assert.equal(r.status, 2, `exit code 2, got ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

const IMAGE_COMMANDS: string[][] = [
  ['info', fifo],
  ['ls', fifo],
  ['dump', fifo],
  ['objects', fifo],
  ['check', fifo],
  ['missing-objects', fifo, '--basedir', store],
  ['verify', fifo, '--basedir', store],
  ['diff', fifo, image],
  ['diff', image, fifo],
];

for (const args of IMAGE_COMMANDS) {
  test(`${args[0]} refuses a FIFO given as IMAGE at once`, () => {
    assertRefused(cli(...args), /pipe: is a FIFO, not a regular file/);
  });
}

test('a character device given as IMAGE is refused naming its type', () => {
  assertRefused(cli('ls', '/dev/null'), /\/dev\/null: is a character device, not a regular file/);
});

test('measure refuses a FIFO given as FILE at once', () => {
  const r = cli('measure', fifo);
  assert.equal(r.error, undefined, `the command did not finish: ${r.error}`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /pipe/);
});

for (const cmd of ['verify', 'missing-objects']) {
  test(`${cmd} refuses a FIFO, a file or a device as --basedir at once`, () => {
    assertRefused(cli(cmd, image, '--basedir', fifo), /pipe: is a FIFO, not a directory/);
    assertRefused(cli(cmd, image, '--basedir', image), /ok\.cfs: is a regular file, not a directory/);
    assertRefused(cli(cmd, image, '--basedir', '/dev/null'), /\/dev\/null: is a character device, not a directory/);
    assertRefused(cli(cmd, image, '--basedir', join(tmp, 'nope')), /nope: no such directory/);
  });
}

test('missing-objects never probes outside the store: an escaping redirect is refused, not reported present', () => {
  const img = join(tmp, 'escape.cfs');
  const digest = 'ab'.repeat(32);
  writeFileSync(img, buildImage({ entries: [{ path: '/shadow', size: 10, digest, payload: '../../../../etc/hostname' }] }));
  const r = cli('missing-objects', img, '--basedir', store);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /escape\.cfs: object ".*\.\.\/etc\/hostname": refused: redirect contains '\.\.'/);
});
