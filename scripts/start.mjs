#!/usr/bin/env node
// npm start: builds the app and opens it on the sample image. npm 11 does not run Electron's
// install script by default, so the Electron binary is fetched here on first start when missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');
const pathFile = join(electronDir, 'path.txt');
const binary = () => existsSync(pathFile) && join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
if (!binary() || !existsSync(binary())) {
  console.log('Electron binary not installed yet: fetching it (needs network access to the Electron releases)...');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (r.status !== 0 || !binary()) {
    console.error('Could not install the Electron binary. The CLI works without it: npm run demo');
    process.exit(1);
  }
}
const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);
const files = process.argv.slice(2);
const r = spawnSync(binary(), [root, ...(files.length ? files : [join(root, 'samples', 'demo', 'v1.cfs')])], { stdio: 'inherit' });
process.exit(r.status ?? 0);
