/**
 * Issue #12 benchmark: wall time and peak RSS of `cfs-inspect layout` and `cfs-inspect check` over
 * the 201,277-inode benchmark image; how long a node request waits while the check of that image
 * runs in the same service (the check yields to the event loop, so requests are answered between
 * its slices); and the root-cause precision of the check over single-field corpus corruptions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BENCH_DIR, CORPUS } from '../../test/helpers/corpus.ts';
import { ROOT, bundleCli } from './_bundle.ts';

async function main(): Promise<void> {
  if (!BENCH_DIR || !existsSync(join(BENCH_DIR, 'big.cfs.gz'))) {
    console.log('bench image ../shared/bench/big.cfs.gz not found: skipped');
    return;
  }
  const work = join(ROOT, '.bench');
  mkdirSync(work, { recursive: true });
  const image = join(work, 'big.cfs');
  if (!existsSync(image)) writeFileSync(image, gunzipSync(readFileSync(join(BENCH_DIR, 'big.cfs.gz'))));
  const cli = await bundleCli();
  for (const sub of ['layout', 'check']) reportCommand(cli, sub, image, work);
  await reportClickWhileChecking(image);
  await reportPrecision();
}

/** One run under /usr/bin/time: wall seconds and peak RSS of the child. */
function reportCommand(cli: string, sub: string, image: string, work: string): void {
  const rssFile = join(work, `rss-${sub}.txt`);
  const t0 = process.hrtime.bigint();
  const hasTime = existsSync('/usr/bin/time');
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, cli, sub, image], { stdio: ['ignore', 'ignore', 'inherit'] })
    : spawnSync(process.execPath, [cli, sub, image], { stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = hasTime ? `${(Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024).toFixed(0)} MB` : 'n/a (no /usr/bin/time)';
  console.log(`cfs-inspect ${sub} big.cfs (201,277 inodes): ${wall.toFixed(2)} s, peak RSS ${rss}, exit ${r.status}`);
}

/** Starts the check in the inspector service and times node requests made while it runs. */
async function reportClickWhileChecking(image: string): Promise<void> {
  const { createInspector } = await import('../../electron/services/inspector.ts');
  const inspector = createInspector({ findStores: async () => [] });
  const summary = await inspector.openImage(image);
  const root = await inspector.children(summary.imageId, summary.rootId, 0, 50);
  const t0 = performance.now();
  let checkDone = 0;
  const run = inspector.check(summary.imageId).then(() => (checkDone = performance.now() - t0));
  const waits: number[] = [];
  for (const e of root.entries.slice(0, 20)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (checkDone) break;
    const a = performance.now();
    await inspector.node(summary.imageId, e.id);
    waits.push(performance.now() - a);
  }
  await run;
  const worst = Math.max(...waits);
  const first = waits[0];
  console.log(
    `node request while check runs: first answered in ${first?.toFixed(1) ?? 'n/a'} ms, worst of ${waits.length} ${worst.toFixed(1)} ms; check took ${(checkDone / 1000).toFixed(2)} s (issue: a click waited 8.8 s)`,
  );
  await inspector.closeImage(summary.imageId);
}

async function reportPrecision(): Promise<void> {
  if (!CORPUS) return;
  const { loadImage } = await import('../../test/shared/check/corrupt.ts');
  const { measureRootCause, PRECISION_IMAGES } = await import('../../test/shared/check/root-cause.ts');
  let hits = 0;
  let all = 0;
  for (const parts of PRECISION_IMAGES) {
    for (const o of await measureRootCause(loadImage(...parts))) {
      all++;
      if (o.hit) hits++;
    }
  }
  console.log(`root-cause precision: ${((100 * hits) / all).toFixed(1)}% of ${all} single-field corruptions have a root finding on the corrupted field (target >= 90%)`);
}

await main();
process.exit(0);
