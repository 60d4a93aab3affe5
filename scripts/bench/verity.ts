/**
 * Verify throughput over 1 GiB of backing objects, side by side with `fsverity digest` over the
 * same files in the same run (ratio = our throughput / theirs), plus peak RSS to show memory stays
 * flat in object size. The objects are generated under os.tmpdir() and deleted afterwards.
 *
 * Each timed verify runs in a child process so its peak RSS is its own; the child starts its
 * worker pool before the clock starts (a bundled app keeps one pool for its lifetime).
 *
 * Our speed-up over `fsverity digest` comes from hashing on every core: on a machine whose other
 * work leaves one core free, wall times compare single-threaded costs instead. CPU time (all
 * threads, user + system) is printed beside each wall time because it stays comparable then.
 *
 *   npm run bench -- verity            (VERITY_BENCH_RUNS=5 for more runs)
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeFromSpecs, objectPath, type EntrySpec } from '../../shared/composefs/writer-tree.ts';
import { writeComposefs } from '../../shared/composefs/writer.ts';
import { createFsverityHasher } from '../../shared/verity/merkle.ts';
import { nodeSha256 } from '../../electron/verity/node-hash.ts';

const MiB = 1 << 20;
const RUNS = Math.max(1, Number(process.env.VERITY_BENCH_RUNS ?? 3));
const SELF = fileURLToPath(import.meta.url);
const TSX = import.meta.resolve('tsx');

/** 1 GiB in three shapes: one large object, medium ones, and many small ones. */
const SHAPES = [
  { name: 'large', count: 1, size: 512 * MiB },
  { name: 'medium', count: 16, size: 16 * MiB },
  { name: 'small', count: 4096, size: 64 * 1024 },
];

interface ChildResult {
  seconds: number;
  /** CPU time of all threads: unlike wall time, barely affected by other load on the machine. */
  cpuSeconds: number;
  maxRssMiB: number;
  counts: Record<string, number>;
}

/** Child mode: verify one image against the store, print timing and peak RSS as JSON. */
async function child(image: string, store: string): Promise<void> {
  const { openImageFile } = await import('../../electron/services/open-file.ts');
  const { createVerityPool } = await import('../../electron/verity/pool.ts');
  const { verifyImage } = await import('../../electron/verity/verify.ts');
  const pool = createVerityPool();
  await pool.warm();
  const reader = await openImageFile(image);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = await verifyImage(reader, { stores: [store], pool });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await reader.close();
  await pool.close();
  const r: ChildResult = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    counts: out.counts as Record<string, number>,
  };
  process.stdout.write(JSON.stringify(r) + '\n');
}

function runChild(image: string, store: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', TSX, SELF, '--child', image, store], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`verify child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

const haveTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;

/** Wall time, and CPU time (user + system) when /usr/bin/time can report it. */
function timeCommand(cmd: string, args: string[], input?: string): { seconds: number; cpuSeconds?: number } {
  const t0 = performance.now();
  const [file, argv] = haveTime ? ['/usr/bin/time', ['-f', 'cpu %U %S', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { input, stdio: ['pipe', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return m ? { seconds, cpuSeconds: Number(m[1]) + Number(m[2]) } : { seconds };
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (s: number) => s.toFixed(2).padStart(6);

/** Writes random objects into a composefs-style store; returns the image entries. */
function generate(store: string): { entries: Record<string, EntrySpec[]>; paths: string[]; bytes: number } {
  const buf = new Uint8Array(MiB);
  const entries: Record<string, EntrySpec[]> = {};
  const paths: string[] = [];
  let bytes = 0;
  for (const shape of SHAPES) {
    entries[shape.name] = [];
    for (let i = 0; i < shape.count; i++) {
      const tmp = join(store, 'incoming');
      const fd = openSync(tmp, 'w');
      const hasher = createFsverityHasher({ hash: nodeSha256 });
      for (let left = shape.size; left > 0; left -= buf.length) {
        const chunk = buf.subarray(0, Math.min(buf.length, left));
        randomFillSync(chunk);
        hasher.update(chunk);
        writeSync(fd, chunk);
      }
      closeSync(fd);
      const digest = hasher.digest();
      const rel = objectPath(digest);
      mkdirSync(join(store, rel.slice(0, 2)), { recursive: true });
      const final = join(store, rel);
      renameSync(tmp, final);
      entries[shape.name]!.push({ path: `/${shape.name}/${i}`, size: shape.size, digest });
      paths.push(final);
      bytes += shape.size;
    }
  }
  return { entries, paths, bytes };
}

async function main(): Promise<void> {
  const haveFsverity = spawnSync('fsverity', ['--version']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cfs-bench-verity-'));
  try {
    const store = join(dir, 'objects');
    mkdirSync(store);
    const t0 = performance.now();
    const { entries, paths, bytes } = generate(store);
    console.log(`generated ${paths.length} objects, ${(bytes / 2 ** 30).toFixed(2)} GiB, in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
    const images: Record<string, string> = {};
    for (const [name, list] of [['all', Object.values(entries).flat()], ...Object.entries(entries)] as [string, EntrySpec[]][]) {
      images[name] = join(dir, `${name}.cfs`);
      writeFileSync(images[name]!, writeComposefs(treeFromSpecs(list)));
    }
    const list = paths.join('\n') + '\n';
    const ours: ChildResult[] = [];
    const single: { seconds: number; cpuSeconds?: number }[] = [];
    const parallel: { seconds: number; cpuSeconds?: number }[] = [];
    const threads = availableParallelism();
    const load0 = loadavg()[0]!;
    // Interleaved so load from other processes hits both sides alike.
    for (let run = 0; run < RUNS; run++) {
      const r = runChild(images.all!, store);
      if (r.counts.verified !== paths.length) throw new Error(`expected ${paths.length} verified, got ${JSON.stringify(r.counts)}`);
      ours.push(r);
      if (haveFsverity) {
        single.push(timeCommand('xargs', ['-d', '\n', 'fsverity', 'digest'], list));
        const perProc = String(Math.ceil(paths.length / threads));
        parallel.push(timeCommand('xargs', ['-d', '\n', '-P', String(threads), '-n', perProc, 'fsverity', 'digest'], list));
      }
    }
    const gib = bytes / 2 ** 30;
    const row = (label: string, runs: { seconds: number; cpuSeconds?: number }[]) => {
      const s = median(runs.map((r) => r.seconds));
      const cpu = runs.every((r) => r.cpuSeconds !== undefined) ? `  cpu ${fmt(median(runs.map((r) => r.cpuSeconds!)))} s` : '';
      console.log(`  ${label.padEnd(28)} ${fmt(s)} s  ${((gib / s) * 1024).toFixed(0).padStart(5)} MiB/s${cpu}  [${runs.map((r) => r.seconds.toFixed(2)).join(' ')}]`);
      return s;
    };
    console.log(`verify throughput over ${gib.toFixed(2)} GiB (${paths.length} objects), median of ${RUNS}, ${threads} threads:`);
    const oursS = row('cfs-inspect verifyImage', ours);
    if (haveFsverity) {
      const s1 = row('fsverity digest (1 process)', single);
      const s2 = row(`fsverity digest (${threads} procs)`, parallel);
      console.log(`  ratio vs fsverity digest: ${(s1 / oursS).toFixed(2)}x (target >= 1.0x); vs ${threads} parallel fsverity processes: ${(s2 / oursS).toFixed(2)}x`);
    } else {
      console.log('  fsverity command not installed: no side-by-side ratio');
    }
    console.log(`  load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)} on ${threads} cores (wall times are only comparable on a quiet machine; cpu times are)`);
    console.log(`  peak RSS, all objects: ${median(ours.map((r) => r.maxRssMiB)).toFixed(0)} MiB`);
    // Flat in object size: one 512 MiB object needs no more memory than 4096 small ones.
    for (const shape of SHAPES) {
      const r = runChild(images[shape.name]!, store);
      console.log(`  peak RSS, ${String(shape.count).padStart(4)} x ${String(shape.size / 1024).padStart(6)} KiB: ${r.maxRssMiB.toFixed(0)} MiB (${r.seconds.toFixed(2)} s)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
