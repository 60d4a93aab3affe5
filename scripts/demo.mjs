#!/usr/bin/env node
// npm run demo: builds the CLI and runs it over the bundled sample images, so a fresh checkout
// shows what the inspector does in one command (no Electron binary needed).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'samples', 'demo');
const run = (title, args, { limit } = {}) => {
  console.log(`\n\x1b[1m$ cfs-inspect ${args.join(' ').replaceAll(root, '')}\x1b[0m   # ${title}`);
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.mjs'), ...args], { encoding: 'utf8' });
  const out = r.stdout.split('\n');
  const shown = limit && out.length > limit ? [...out.slice(0, limit), `... (${out.length - limit} more lines)\n`] : out;
  process.stdout.write(shown.join('\n'));
  if (r.stderr) process.stdout.write(r.stderr);
  console.log(`(exit ${r.status})`);
};

const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--only', 'cli'], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);
const v1 = join(demo, 'v1.cfs');
run('header, superblock, counts, image digest', ['info', v1]);
run('the tree, composefs-info style', ['ls', v1], { limit: 15 });
run('every backing object proven by its fs-verity digest', ['verify', v1, '--basedir', join(demo, 'objects')]);
run('the same image against a store with one corrupted object', ['verify', v1, '--basedir', join(demo, 'objects-broken')]);
run('a damaged image: every finding with its byte range', ['check', join(demo, 'broken.cfs')]);
run('what changed between two versions', ['diff', v1, join(demo, 'v2.cfs')]);
