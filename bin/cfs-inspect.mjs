#!/usr/bin/env node
// The installed command, and `npm run cli` in a checkout: runs the bundled CLI (dist/cli.mjs, about
// 0.16 s to start) when it is current, else the TypeScript source through tsx (about 0.9 s). Current
// means no source it is built from (electron/, shared/, package.json) is newer than the bundle, so
// benchmarks and users measure the product, and a developer's edits are never hidden by an old bundle.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

/** Newest modification time (ms) of the files under `dir`, 0 when it does not exist. */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Is dist/cli.mjs at least as new as every source it is built from? */
export function bundleIsCurrent(root) {
  const bundle = join(root, 'dist', 'cli.mjs');
  if (!existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  const sources = Math.max(newest(join(root, 'electron')), newest(join(root, 'shared')), existsSync(join(root, 'package.json')) ? statSync(join(root, 'package.json')).mtimeMs : 0);
  return sources <= built;
}

async function main() {
  const root = join(here, '..');
  if (bundleIsCurrent(root)) {
    await import(pathToFileURL(join(root, 'dist', 'cli.mjs')).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, 'electron', 'cli', 'main.ts')).href);
  }
}

// Run unless imported (a test imports bundleIsCurrent); npm links the bin, so compare real paths.
const invoked = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) await main();
