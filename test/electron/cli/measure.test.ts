import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { loadVectors, vectorChunks, VECTOR_DIR } from '../../shared/verity/vectors.ts';

// Resolved here: a bare `--import tsx` would be looked up from the working directory (the corpus).
const TSX = import.meta.resolve('tsx');
const cli = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', TSX, join(REPO_ROOT, 'electron/cli/main.ts'), 'measure', ...args], { encoding: 'utf8', cwd });

test('measure prints exactly what `fsverity digest` printed for the corpus image and its objects', { skip: corpusSkip }, () => {
  const dir = corpusPath('01-readme');
  const expected = readFileSync(join(dir, 'fsverity.txt'), 'utf8');
  const paths = expected.trim().split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
  const r = cli(dir, ...paths);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, expected);
});

test('measure agrees with the vector table, in argument order, including the empty file', { skip: corpusSkip }, () => {
  const vectors = loadVectors().filter((v) => v.file).reverse();
  const r = cli(VECTOR_DIR, ...vectors.map((v) => v.file!));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, vectors.map((v) => `sha256:${v.fsverity} ${v.file}\n`).join(''));
  assert.match(r.stdout, /^sha256:3d248ca5\S+ files\/pattern-0$/m);
});

test('a file that cannot be measured gets one line on stderr and exit 2; the others are still printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-measure-'));
  try {
    writeFileSync(join(dir, 'hello'), 'hello world\n');
    const r = cli(dir, 'missing', 'hello', '.');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, 'sha256:37061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92 hello\n');
    assert.deepEqual(r.stderr.trim().split('\n'), ['cfs-inspect: missing: no such file', 'cfs-inspect: .: is a directory']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measure without a file is a usage error', () => {
  const r = cli(REPO_ROOT);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs at least one FILE/);
});

test('measure --hash sha512 equals `fsverity digest --hash-alg=sha512` on every fs-verity vector, stored and regenerated', { skip: corpusSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-measure512-'));
  try {
    const vectors = loadVectors();
    const files = vectors.filter((v) => v.file).map((v) => join(VECTOR_DIR, v.file!));
    // Regenerated vectors cover 1 vs 2 vs 3 tree levels; the largest few are enough and keep this quick.
    for (const v of vectors.filter((x) => !x.file && x.size <= 64 << 20)) {
      const path = join(dir, v.name);
      writeFileSync(path, Buffer.concat([...vectorChunks(v)]));
      files.push(path);
    }
    const oracle = spawnSync('fsverity', ['digest', '--hash-alg=sha512', ...files], { encoding: 'utf8' });
    assert.equal(oracle.status, 0, oracle.stderr);
    const r = cli(REPO_ROOT, '--hash', 'sha512', ...files);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, oracle.stdout);
    assert.ok(files.length >= 12);
    assert.match(r.stdout, /^sha512:[0-9a-f]{128} /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measure --block-size follows `fsverity digest --block-size`; a bad hash or size is a usage error', { skip: corpusSkip }, () => {
  const file = join(VECTOR_DIR, loadVectors().find((v) => v.file && v.size > 8000)!.file!);
  for (const [hash, bs] of [['sha256', '1024'], ['sha512', '65536']] as const) {
    const oracle = spawnSync('fsverity', ['digest', `--hash-alg=${hash}`, `--block-size=${bs}`, file], { encoding: 'utf8' });
    assert.equal(cli(REPO_ROOT, '--hash', hash, '--block-size', bs, file).stdout, oracle.stdout);
  }
  assert.match(cli(REPO_ROOT, '--hash', 'md5', file).stderr, /--hash must be sha256 or sha512 \(got md5\)/);
  assert.match(cli(REPO_ROOT, '--block-size', '3000', file).stderr, /--block-size must be a power of two/);
});
