#!/usr/bin/env node
// Builds everything the app and the CLI run from, with esbuild:
//   dist/renderer/{index.html,app.js,styles.css}   the window (browser bundle, no Node)
//   dist/electron/main.cjs, preload.cjs            Electron main process and preload (CommonJS, `electron` external)
//   dist/electron/verity-worker.mjs                the verity pool's worker, beside main.cjs where pool.ts looks for it
//   dist/cli.mjs (+ dist/verity-worker.mjs, dist/share-worker.mjs)   the cfs-inspect CLI
//   dist/electron/service-worker.mjs               an image's service host, beside main.cjs where isolated.ts looks for it
// Usage: node scripts/build.mjs [--only renderer,electron,cli] [--dev] [--outdir DIR (default dist)]
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const valueOf = (flag) => {
  const a = args.find((x) => x === flag || x.startsWith(flag + '='));
  return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[args.indexOf(a) + 1];
};
// Tests build into their own folder so they never race each other (or a developer) over dist/.
const dist = resolve(root, valueOf('--outdir') ?? 'dist');
const dev = args.includes('--dev');
const only = (valueOf('--only') ?? 'renderer,electron,cli').split(',').filter(Boolean);
const unknown = only.filter((t) => !['renderer', 'electron', 'cli'].includes(t));
if (unknown.length) {
  console.error(`build: unknown target ${unknown.join(', ')} (renderer, electron, cli)`);
  process.exit(2);
}

const common = {
  bundle: true,
  logLevel: 'warning',
  sourcemap: dev ? 'inline' : false,
  minify: !dev,
  legalComments: 'none',
  absWorkingDir: root,
};

// ESM bundles for Node still meet CommonJS dependencies that call require().
const nodeEsmBanner = {
  js: "import { createRequire as __cfsCreateRequire } from 'node:module'; const require = __cfsCreateRequire(import.meta.url);",
};

const targets = {
  async renderer() {
    const out = join(dist, 'renderer');
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    await build({
      ...common,
      entryPoints: ['renderer/main.tsx'],
      outfile: join(out, 'app.js'),
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
    });
    await copyFile(join(root, 'renderer/index.html'), join(out, 'index.html'));
    await copyFile(join(root, 'renderer/styles.css'), join(out, 'styles.css'));
  },

  async electron() {
    const out = join(dist, 'electron');
    await mkdir(out, { recursive: true });
    const cjs = {
      ...common,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['electron'],
      // pool.ts reads import.meta only to find a TypeScript worker and falls back to __filename in a bundle.
      logOverride: { 'empty-import-meta': 'silent' },
    };
    await build({ ...cjs, entryPoints: ['electron/main.ts'], outfile: join(out, 'main.cjs') });
    await build({ ...cjs, entryPoints: ['electron/preload.ts'], outfile: join(out, 'preload.cjs') });
    await build({
      ...common,
      entryPoints: ['electron/verity/worker.ts'],
      outfile: join(out, 'verity-worker.mjs'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: nodeEsmBanner,
    });
    await build({
      ...common,
      entryPoints: ['electron/services/share-worker.ts'],
      outfile: join(out, 'share-worker.mjs'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: nodeEsmBanner,
    });
    // The image service hosts (electron/services/isolated.ts finds them beside main.cjs); the
    // verity pool they start finds verity-worker.mjs beside them.
    await build({
      ...common,
      entryPoints: ['electron/services/host-worker.ts'],
      outfile: join(out, 'service-worker.mjs'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: nodeEsmBanner,
    });
  },

  async cli() {
    await mkdir(dist, { recursive: true });
    const esm = { ...common, platform: 'node', format: 'esm', target: 'node20', banner: nodeEsmBanner };
    await build({ ...esm, entryPoints: ['electron/cli/main.ts'], outfile: join(dist, 'cli.mjs') });
    // The pool finds its worker beside the bundle that loaded it.
    await build({ ...esm, entryPoints: ['electron/verity/worker.ts'], outfile: join(dist, 'verity-worker.mjs') });
    await build({ ...esm, entryPoints: ['electron/services/share-worker.ts'], outfile: join(dist, 'share-worker.mjs') });
  },
};

const started = Date.now();
try {
  for (const t of only) await targets[t]();
} catch (e) {
  // esbuild has already printed the located errors; one line says which target failed.
  console.error(`build failed: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  process.exit(1);
}
const shown = relative(root, dist);
console.log(`built ${only.join(', ')} into ${shown.startsWith('..') ? dist : shown}/ in ${Date.now() - started} ms`);
