/**
 * scripts/build.mjs produces what the app and the CLI run from, and the bundles run without tsx:
 * the CLI verifies with its bundled verity worker, and a CommonJS bundle (the shape of Electron's
 * main.cjs) finds the worker beside itself.
 */
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { corpusPath, corpusSkip, REPO_ROOT } from '../helpers/corpus.ts';

const run = (args: string[], cwd = REPO_ROOT) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });

// Built into a temp folder: dist/ belongs to the developer, and other tests may be reading theirs.
const out = mkdtempSync(join(tmpdir(), 'cfs-build-'));
let built: ReturnType<typeof run>;
before(() => {
  built = run(['scripts/build.mjs', '--outdir', out]);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('the build writes the renderer, Electron and CLI bundles, and the renderer page carries a strict CSP', async () => {
  assert.equal(built.status, 0, built.stderr);
  const html = await readFile(join(out, 'renderer/index.html'), 'utf8');
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  for (const f of ['renderer/app.js', 'renderer/styles.css', 'electron/main.cjs', 'electron/preload.cjs', 'electron/verity-worker.mjs', 'cli.mjs', 'verity-worker.mjs']) {
    assert.ok((await readFile(join(out, f))).length > 0, f);
  }
  // Electron's modules stay outside the bundles; nothing else is left to resolve at run time.
  const main = await readFile(join(out, 'electron/main.cjs'), 'utf8');
  const required = new Set([...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
  for (const name of required) assert.ok(name === 'electron' || builtinModules.includes(name.replace(/^node:/, '')), `main.cjs requires ${name}`);
  assert.ok(required.has('electron'));
});

test('an unknown build target is refused', () => {
  const r = run(['scripts/build.mjs', '--only', 'nonsense', '--outdir', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown target nonsense/);
});

test('the bundled CLI verifies objects with its bundled worker', { skip: corpusSkip }, () => {
  const r = run([join(out, 'cli.mjs'), 'verify', corpusPath('01-readme', 'image.cfs'), '--basedir', corpusPath('01-readme', 'objects')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 verified/);
});

test('a CommonJS bundle of the inspector finds the verity worker beside itself', { skip: corpusSkip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cfs-cjs-'));
  try {
    const entry = join(dir, 'entry.ts');
    await writeFile(
      entry,
      [
        `import { createInspector } from ${JSON.stringify(join(REPO_ROOT, 'electron/services/inspector.ts'))};`,
        'const ins = createInspector();',
        'ins.onVerifyDone(async (d) => { console.log(JSON.stringify(d.counts)); await ins.closeAll(); });',
        `ins.openImage(${JSON.stringify(corpusPath('01-readme', 'image.cfs'))}).then((s) => ins.verify(s.imageId));`,
      ].join('\n'),
    );
    await build({
      entryPoints: [entry],
      outfile: join(dir, 'main.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      logOverride: { 'empty-import-meta': 'silent' },
    });
    await copyFile(join(out, 'electron/verity-worker.mjs'), join(dir, 'verity-worker.mjs'));
    const r = run([join(dir, 'main.cjs')], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { inline: 1, empty: 1, verified: 3 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
