/**
 * Issue #2 benchmark: wall time and peak RSS of `cfs-inspect dump` (and ls) over the 201,277-inode
 * benchmark image, beside composefs-info's figures from bench/TIMINGS.txt (a different run: the
 * ratio is only indicative) and, when installed, composefs-info measured in this same run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BENCH_DIR } from '../../test/helpers/corpus.ts';
import { ROOT, bundleCli, median } from './_bundle.ts';

if (!BENCH_DIR || !existsSync(join(BENCH_DIR, 'big.cfs.gz'))) {
  console.log('bench image ../shared/bench/big.cfs.gz not found: skipped');
  process.exit(0);
}
const work = join(ROOT, '.bench');
mkdirSync(work, { recursive: true });
const image = join(work, 'big.cfs');
if (!existsSync(image)) writeFileSync(image, gunzipSync(readFileSync(join(BENCH_DIR, 'big.cfs.gz'))));
const cli = await bundleCli();

/** Runs a command under GNU time-like accounting: wall seconds and peak RSS (MB) of the child. */
function measure(cmd: string, args: string[]): { wall: number; rssMB: number; ok: boolean } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/env', ['bash', '-c', `command time -f '%M' "$@" > /dev/null 2> >(tail -1 > ${work}/rss.txt)`, '_', cmd, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let rssMB = NaN;
  try {
    rssMB = Number(readFileSync(join(work, 'rss.txt'), 'utf8').trim()) / 1024;
  } catch {}
  return { wall, rssMB, ok: r.status === 0 };
}

const hasTime = spawnSync('bash', ['-c', 'command -v time && test -x /usr/bin/time']).status === 0;
const runs = 3;
for (const sub of ['dump', 'ls']) {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const m = hasTime ? measure('/usr/bin/time', ['-f', '%M', process.execPath, cli, sub, image]) : measure(process.execPath, [cli, sub, image]);
    if (!m.ok) throw new Error(`cfs-inspect ${sub} failed`);
    walls.push(m.wall);
    rss.push(m.rssMB);
  }
  console.log(
    `cfs-inspect ${sub} big.cfs (201,277 inodes): median ${median(walls).toFixed(2)} s [${walls.map((w) => w.toFixed(2)).join(' ')}], peak RSS ${median(rss).toFixed(0)} MB` +
      (sub === 'dump' ? '   target < 2.5 s, < 400 MB; composefs-info (TIMINGS.txt): 1.24 s, 166 MB' : '   composefs-info ls (TIMINGS.txt): 0.98 s'),
  );
}
try {
  execFileSync('composefs-info', ['--help'], { stdio: 'ignore' });
} catch (e) {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') console.log('composefs-info not installed: no same-run comparison');
}
