#!/usr/bin/env node
// npm run demo: builds the CLI and runs it over the bundled sample images, so a fresh checkout
// shows what the inspector does in one command (no Electron binary needed).
// Headings are bold only on a terminal and without NO_COLOR. `--outdir DIR` builds there instead of dist/.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'samples', 'demo');
const args = process.argv.slice(2);
const outAt = args.indexOf('--outdir');
const dist = outAt >= 0 && args[outAt + 1] ? resolve(args[outAt + 1]) : join(root, 'dist');
const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (s) => `\x1b[1m${s}\x1b[0m` : (s) => s;

const run = (title, cmdArgs, { limit } = {}) => {
  console.log(`\n${bold(`$ cfs-inspect ${cmdArgs.join(' ').replaceAll(root, '')}`)}   # ${title}`);
  const r = spawnSync(process.execPath, [join(dist, 'cli.mjs'), ...cmdArgs], { encoding: 'utf8' });
  const out = r.stdout.split('\n');
  const shown = limit && out.length > limit ? [...out.slice(0, limit), `... (${out.length - limit} more lines)\n`] : out;
  process.stdout.write(shown.join('\n'));
  if (r.stderr) process.stdout.write(r.stderr);
  console.log(`(exit ${r.status})`);
};

const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--only', 'cli', '--outdir', dist], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);
const v1 = join(demo, 'v1.cfs');
run('header, superblock, counts, image digest', ['info', v1]);
run('the tree, composefs-info style', ['ls', v1], { limit: 15 });
run('every backing object proven by its fs-verity digest', ['verify', v1, '--basedir', join(demo, 'objects')]);
run('the same image against a store with one corrupted object', ['verify', v1, '--basedir', join(demo, 'objects-broken')]);
run('a damaged image: every finding with its byte range', ['check', join(demo, 'broken.cfs')]);
run('what changed between two versions', ['diff', v1, join(demo, 'v2.cfs')]);
run('the same tree as composefs-rs writes it (format 2) against libcomposefs format 0', ['diff', join(demo, 'v2.cfs'), join(demo, 'v2-composefs-rs.cfs')]);
