/**
 * Issue #13 benchmark: `cfs-inspect extract` against `fsck.erofs --extract` on one plain LZ4 EROFS
 * image that mkfs.erofs makes from /usr/share in this same run. Wall and CPU time (user+sys of the
 * child) for each, and their ratios; both extract the same image into fresh directories.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from '../../test/helpers/corpus.ts';
import { ROOT, bundleCli, median } from './_bundle.ts';

const SOURCE = process.env.CFS_BENCH_TREE ?? '/usr/share';
const tools = BENCH_DIR ? join(BENCH_DIR, 'erofs-utils-1.9.3') : '';
const pick = (name: string) => (tools && existsSync(join(tools, name)) ? join(tools, name) : name);
const MKFS = pick('mkfs.erofs');
const FSCK = pick('fsck.erofs');

if (spawnSync(MKFS, ['--help'], { stdio: 'ignore' }).error || spawnSync(FSCK, ['--help'], { stdio: 'ignore' }).error) {
  console.log('mkfs.erofs/fsck.erofs not found: skipped');
  process.exit(0);
}
if (!existsSync(SOURCE)) {
  console.log(`${SOURCE} not found: skipped`);
  process.exit(0);
}
const work = join(ROOT, '.bench', 'extract');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const image = join(work, 'tree-lz4.erofs');
const made = spawnSync(MKFS, ['-zlz4', image, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (made.status !== 0) throw new Error(`mkfs.erofs failed: ${made.stderr}`);
const cli = await bundleCli();

/** Wall, user and system seconds of one command, from bash's `time`. */
function timed(cmd: string, args: string[]): { wall: number; cpu: number; ok: boolean; err: string } {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; { time "$@" > /dev/null 2>/tmp/cfs-bench-extract.err ; } 2>&1', '_', cmd, ...args], { encoding: 'utf8' });
  const [wall, user, sys] = r.stdout.trim().split(/\s+/).slice(-3).map(Number) as [number, number, number];
  const ok = r.status === 0;
  let err = '';
  try {
    err = spawnSync('tail', ['-3', '/tmp/cfs-bench-extract.err'], { encoding: 'utf8' }).stdout;
  } catch {}
  return { wall, cpu: user + sys, ok, err };
}

const runs = 3;
const ours: { wall: number; cpu: number }[] = [];
const theirs: { wall: number; cpu: number }[] = [];
for (let i = 0; i < runs; i++) {
  const a = join(work, `ours-${i}`);
  const b = join(work, `fsck-${i}`);
  const m = timed(process.execPath, [cli, 'extract', image, a]);
  if (!m.ok) console.log(`cfs-inspect extract reported problems: ${m.err.trim()}`);
  ours.push(m);
  const f = timed(FSCK, [`--extract=${b}`, image]);
  if (!f.ok) console.log(`fsck.erofs --extract failed: ${f.err.trim()}`);
  theirs.push(f);
  rmSync(a, { recursive: true, force: true });
  rmSync(b, { recursive: true, force: true });
}
const mb = (statSync(image).size / 2 ** 20).toFixed(0);
const fmt = (xs: { wall: number; cpu: number }[]) =>
  `median wall ${median(xs.map((x) => x.wall)).toFixed(2)} s, cpu ${median(xs.map((x) => x.cpu)).toFixed(2)} s`;
console.log(`image: mkfs.erofs -zlz4 of ${SOURCE} (${mb} MiB) with ${MKFS}`);
console.log(`cfs-inspect extract:   ${fmt(ours)}`);
console.log(`fsck.erofs --extract:  ${fmt(theirs)}   (${FSCK})`);
const ratio = (k: 'wall' | 'cpu') => (median(ours.map((x) => x[k])) / median(theirs.map((x) => x[k]))).toFixed(2);
console.log(`ratio ours/fsck.erofs: wall ${ratio('wall')}x, cpu ${ratio('cpu')}x`);
rmSync(work, { recursive: true, force: true });
