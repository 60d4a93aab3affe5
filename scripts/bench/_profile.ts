/**
 * CPU profiles of the goals' commands (issue #14), summarised as the top self-time functions of
 * every thread, so a missed goal's note can show where the time goes:
 *
 *   node --import tsx scripts/bench/_profile.ts [--top=N] [goal...]     (default: every goal)
 *
 * Runs on the inputs `npm run bench -- goals` left in .bench/ (full ones when present, else the
 * --quick ones), with an unminified build of the CLI so the profile names our functions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT } from './_bundle.ts';
import { moduleOfLine, topSelf } from './_top.ts';

const WORK = join(ROOT, '.bench');
const full = existsSync(join(WORK, 'store-share.cfs'));
const tag = full ? 'share' : 'doc';
const big = join(WORK, 'big.cfs');
const store = join(WORK, `store-${tag}`);
const bigFile = join(WORK, full ? 'random-1024M.bin' : 'random-128M.bin');

const COMMANDS: Record<string, string[]> = {
  dump: ['dump', big],
  ls: ['ls', big],
  objects: ['objects', big],
  'missing-objects': ['missing-objects', `${store}.cfs`, '--basedir', store],
  'verify-existence': ['verify', big, '--basedir', join(WORK, 'empty-store')],
  'verify-store': ['verify', `${store}.cfs`, '--basedir', store],
  measure: ['measure', bigFile],
  check: ['check', join(WORK, `lz4hc-${tag}.erofs`)],
  info: ['info', big],
  diff: ['diff', big, join(WORK, 'rebuilt-big.cfs')],
  'cold-start': ['ls', '--help'],
};

const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 10);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dist = mkdtempSync(join(tmpdir(), 'cfs-profile-'));
try {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--only', 'cli', '--dev', '--outdir', dist], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed');
  const bundles = new Map<string, (line: number) => string | undefined>();
  const where = (url: string, line: number): string => {
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    if (!file.startsWith(dist)) return `${basename(file)}:${line}`;
    if (!bundles.has(file)) bundles.set(file, moduleOfLine(readFileSync(file, 'utf8')));
    const mod = bundles.get(file)!(line);
    return mod ? `${mod} (${basename(file)}:${line})` : `${basename(file)}:${line}`;
  };
  for (const [goal, args] of Object.entries(COMMANDS)) {
    if (wanted.length && !wanted.includes(goal)) continue;
    const dir = join(dist, `prof-${goal}`);
    const t0 = performance.now();
    spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(dist, 'cli.mjs'), ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    const wall = (performance.now() - t0) / 1000;
    console.log(`\n## ${goal}: cfs-inspect ${args.map((a) => a.replace(WORK + '/', '.bench/')).join(' ')} (${wall.toFixed(2)} s wall under the profiler; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
    // The main thread's profile first, then each worker's (Node numbers them in start order).
    for (const f of readdirSync(dir).sort()) {
      const thread = f.split('.').at(-3);
      console.log(`  ${thread === '0' ? 'main thread' : `worker thread ${thread}`}:`);
      for (const line of topSelf(JSON.parse(readFileSync(join(dir, f), 'utf8')), top, where)) console.log(`    ${line}`);
    }
  }
} finally {
  rmSync(dist, { recursive: true, force: true });
}
