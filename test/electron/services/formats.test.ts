/**
 * The app and the CLI open every format the core reads, not only composefs: the legacy 2023
 * descriptor, plain (compressed) EROFS from mkfs.erofs, and OCI layer tarballs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInspector } from '../../../electron/services/inspector.ts';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const inspector = createInspector();
after(() => inspector.closeAll());

const tmp = mkdtempSync(join(tmpdir(), 'cfs-formats-'));
function ociLayer(): string {
  const root = join(tmp, 'layer');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  symlinkSync('hosts', join(root, 'etc', 'hosts.link'));
  writeFileSync(join(root, 'etc', '.wh.motd'), '');
  const out = join(tmp, 'layer.tar.gz');
  const r = spawnSync('tar', ['-C', root, '--format=pax', '-czf', out, '.']);
  assert.equal(r.status, 0, String(r.stderr));
  return out;
}

async function browse(path: string, format: string, file: string) {
  const s = await inspector.openImage(path);
  assert.equal(s.info.format, format);
  const top = await inspector.children(s.imageId, s.rootId);
  assert.ok(top.total > 0, `${path}: root has entries`);
  const id = await inspector.lookup(s.imageId, file);
  assert.notEqual(id, null, `${file} found in ${path}`);
  const d = await inspector.node(s.imageId, id!);
  assert.equal(d.path, file);
  const report = await inspector.check(s.imageId);
  return { summary: s, details: d, report };
}

test('the inspector opens a legacy composefs descriptor: tree, redirect and digest, clean check', { skip: corpusSkip }, async () => {
  const { details, report } = await browse(corpusPath('09-legacy', 'readme-cfs', 'image.cfs'), 'legacy-cfs', '/file_a');
  assert.equal(details.redirect, '7f/8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
  assert.equal(details.digest, '7f8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
  assert.deepEqual(report.findings, []);
});

test('the inspector opens an LZ4-compressed mkfs.erofs image and checks it clean', { skip: corpusSkip }, async () => {
  const manifest: { path: string; mode: string; size: number | null }[] = JSON.parse(readFileSync(corpusPath('08-mkfs-erofs', 'source-manifest.json'), 'utf8'));
  const files = manifest.filter((e) => e.mode.startsWith('100') && (e.size ?? 0) > 4096);
  const s = await inspector.openImage(corpusPath('08-mkfs-erofs', 'lz4', 'image.erofs'));
  assert.equal(s.info.format, 'erofs');
  let compressed = 0;
  for (const f of files) {
    const d = await inspector.node(s.imageId, (await inspector.lookup(s.imageId, f.path))!);
    assert.equal(d.size, f.size, f.path);
    if (/COMPRESSED/.test(d.layout ?? '')) compressed++;
  }
  assert.ok(compressed > 0, 'some files are LZ4-compressed');
  assert.deepEqual((await inspector.check(s.imageId)).findings, []);
});

test('the inspector opens a gzip OCI layer: a whiteout shows as one, a symlink shows its target', async () => {
  const { summary, details, report } = await browse(ociLayer(), 'oci-tar', '/etc/hosts.link');
  const etc = await inspector.lookup(summary.imageId, '/etc');
  const motd = (await inspector.children(summary.imageId, etc!)).entries.find((e) => e.name === 'motd');
  assert.equal(motd?.whiteout, true, '.wh.motd is the whiteout of motd');
  assert.equal(details.kind, 'symlink');
  assert.equal(details.symlinkTarget, 'hosts');
  assert.equal(report.findings.filter((f) => f.severity === 'error').length, 0);
});

test('the CLI lists each of these formats', { skip: corpusSkip }, () => {
  for (const [p, expect] of [
    [corpusPath('09-legacy', 'readme-cfs', 'image.cfs'), '/file_a\t@ 7f/'],
    [corpusPath('08-mkfs-erofs', 'lz4', 'image.erofs'), '/'],
    [join(tmp, 'layer.tar.gz'), '/etc/hosts.link\t-> hosts'],
  ] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'ls', p], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 0, `${p}: ${r.stderr}`);
    assert.ok(r.stdout.includes(expect), `${p}: ls output contains ${JSON.stringify(expect)}`);
  }
});
