#!/usr/bin/env node
// npm start: builds the app and opens it on the sample image. npm 11 does not run Electron's
// install script by default, so the Electron binary is fetched here on first start when missing.
// Without network access that fetch fails; the user then gets one paragraph saying what is missing
// and the three ways to provide it, never the downloader's stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meetsFloor } from './dist.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');
const pathFile = join(electronDir, 'path.txt');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Where the Electron binary is (or would be), as node_modules/electron/index.js finds it. */
function electronBinary(env = process.env) {
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return join(env.ELECTRON_OVERRIDE_DIST_PATH, name);
  return join(electronDir, 'dist', name);
}

const electronVersion = () => JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;

/** The paragraph shown when the binary is missing and could not be fetched. */
export function missingElectronMessage(why, version = electronVersion()) {
  return (
    `npm start needs the Electron ${version} binary, and it is missing: ${why}. ` +
    `Provide it in one of three ways, then run npm start again: point ELECTRON_OVERRIDE_DIST_PATH at a directory ` +
    `holding an unpacked Electron ${version} (its \`electron\` executable inside); or set ELECTRON_MIRROR to a ` +
    `reachable mirror of the Electron releases; or install it with network access (node node_modules/electron/install.js). ` +
    `The command-line tool needs none of this: npm run demo.`
  );
}

function ensureElectron() {
  if (existsSync(electronBinary())) return true;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    console.error(missingElectronMessage(`ELECTRON_OVERRIDE_DIST_PATH is set, but ${electronBinary()} does not exist`));
    return false;
  }
  console.log('Electron binary not installed yet: fetching it (needs network access to the Electron releases)...');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8' });
  if (r.status === 0 && existsSync(electronBinary())) return true;
  // The downloader's last error line without its stack ("TypeError: fetch failed" and the like).
  const reason = (r.stderr || r.stdout || '').split('\n').map((l) => l.trim()).find((l) => /error|fail|ENOTFOUND|ECONNREFUSED/i.test(l) && !l.startsWith('at ')) ?? `exit ${r.status}`;
  console.error(missingElectronMessage(`it is not installed, and fetching it failed (${reason.slice(0, 200)})`));
  return false;
}

function main() {
  if (!ensureElectron()) return 1;
  const floor = pkg.config?.packagingNode;
  if (floor && !meetsFloor(process.versions.node, floor)) {
    console.error(`npm start: Electron needs Node ${floor}; this is Node ${process.versions.node}. (The command-line tool runs on Node ${pkg.engines?.node}: npm run demo.)`);
    return 1;
  }
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) return b.status ?? 1;
  const files = process.argv.slice(2);
  const r = spawnSync(electronBinary(), [root, ...(files.length ? files : [join(root, 'samples', 'demo', 'v1.cfs')])], { stdio: 'inherit' });
  return r.status ?? 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
