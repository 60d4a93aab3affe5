/**
 * `cfs-inspect check` end to end (the command lives in electron/cli/commands/check.ts): findings
 * one per line sorted by offset, --json, and the exit status 0 clean / 1 findings / 2 unreadable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath, corpusSkip, REPO_ROOT } from '../../helpers/corpus.ts';
import { fixture, locate, mutate, put16, put32 } from './corrupt.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'check', ...args], { encoding: 'utf8', cwd: REPO_ROOT });

test('check exits 0 and says clean for a valid image', { skip: corpusSkip }, () => {
  const r = cli(corpusPath('01-readme', 'image.cfs'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: clean \(263 inodes checked\)\n$/);
});

test('check lists findings sorted by offset and exits 1; --json gives the same findings', { skip: corpusSkip }, async () => {
  const f = await fixture('01-readme', 'image.cfs');
  const small = await locate(f.reader, '/small');
  const [inos] = f.reader.sb.fieldRanges['inos']!;
  const dir = mkdtempSync(join(tmpdir(), 'cfs-check-'));
  try {
    const path = join(dir, 'bad.cfs');
    writeFileSync(path, mutate(f.bytes, (b) => (put16(b, small.ino.offset + 4, 0o170644), put32(b, inos, 9))));
    const text = cli(path);
    assert.equal(text.status, 1, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0]!, /^0x410\+8 warning erofs\.superblock\.inos: .*\(expected 263, actual 9\)$/);
    assert.match(lines[1]!, new RegExp(`^0x${(small.ino.offset + 4).toString(16)}\\+2 error erofs\\.inode\\.mode /small: `));
    assert.match(lines.at(-1)!, /1 error, 1 warning in 263 inodes$/);

    const json = cli(path, '--json');
    assert.equal(json.status, 1);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(report.findings.map((x: { code: string }) => x.code), ['erofs.superblock.inos', 'erofs.inode.mode']);
    assert.equal(report.unreadable, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check exits 2 for an unreadable image or a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-check-'));
  try {
    const path = join(dir, 'noise.bin');
    writeFileSync(path, new Uint8Array(8192).fill(7));
    const r = cli(path);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /image\.unknown-format/);
    assert.match(r.stdout, /: unreadable\n$/);
    const missing = cli(join(dir, 'nope.cfs'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
