/**
 * Issue #16 benchmark: `cfs-inspect share` over five versions of a real tree with realistic churn,
 * built as composefs images over one object store by mkcomposefs 1.0.8 (--digest-store), beside
 * `cfs-inspect verify` of the newest version in the same run (share reads the same kind of bytes,
 * so its time per byte should stay within 1.5x of verify's).
 *
 * The tree: regular files of /usr/lib, in sorted order, up to 512 MiB (64 MiB with --quick or
 * BENCH_QUICK=1). Each later version: 1% of files removed, 1% added (more files from /usr/lib),
 * 0.5% rewritten with other content, the 5 largest files changed in 3 bytes each, and 2 large files
 * with 100 bytes inserted in the middle (which shifts blocks but not content-defined chunks).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { BENCH_DIR } from '../../test/helpers/corpus.ts';
import { mulberry32 } from '../../test/helpers/prng.ts';
import { ROOT, bundleCli } from './_bundle.ts';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const MiB = 1 << 20;
const TARGET = (QUICK ? 64 : 512) * MiB;
const VERSIONS = 5;
const mkcomposefs = BENCH_DIR && join(BENCH_DIR, 'composefs-1.0.8', 'tools', 'mkcomposefs');
if (!mkcomposefs || !existsSync(mkcomposefs)) {
  console.log('mkcomposefs 1.0.8 (../shared/bench/composefs-1.0.8/tools) not found: skipped');
  process.exit(0);
}

/** Regular files under `dir`, sorted, not following symlinks. */
function* files(dir: string): Generator<{ path: string; size: number }> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* files(p);
    else if (st.isFile() && st.size > 0) yield { path: p, size: st.size };
  }
}

const work = join(ROOT, '.bench', 'share');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const store = join(work, 'objects');
mkdirSync(store);
const rand = mulberry32(16);

// The pool: the first TARGET bytes of /usr/lib make version 1; the rest feed additions.
const pool: { path: string; size: number }[] = [];
let base = 0;
let baseCount = 0;
// Files over 16 MiB (a browser binary) would make one file most of the tree; real images are many files.
for (const f of files('/usr/lib')) {
  if (f.size > 16 * MiB) continue;
  pool.push(f);
  if (base < TARGET) {
    base += f.size;
    baseCount++;
  } else if (pool.length > baseCount * 1.2) break;
}
let spare = baseCount;

const put = (root: string, rel: string, bytes: Uint8Array | string) => {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  if (existsSync(p)) unlinkSync(p); // never write through a hard link into the previous version
  if (typeof bytes === 'string') copyFileSync(bytes, p);
  else writeFileSync(p, bytes);
};

const vdir = (k: number) => join(work, `v${k}`);
let current = new Map<string, string>(); // relative path -> source file
for (const f of pool.slice(0, baseCount)) current.set(relative('/usr/lib', f.path), f.path);
for (const [rel, src] of current) put(vdir(1), rel, src);

for (let k = 2; k <= VERSIONS; k++) {
  spawnSync('cp', ['-al', vdir(k - 1), vdir(k)]);
  const rels = [...current.keys()];
  const pick = (share: number) => rels.filter(() => rand() < share);
  for (const rel of pick(0.01)) {
    unlinkSync(join(vdir(k), rel));
    current.delete(rel);
  }
  const adds = Math.ceil(baseCount * 0.01);
  for (let i = 0; i < adds && spare < pool.length; i++, spare++) {
    const f = pool[spare]!;
    const rel = relative('/usr/lib', f.path);
    put(vdir(k), rel, f.path);
    current.set(rel, f.path);
  }
  for (const rel of pick(0.005)) {
    if (!current.has(rel)) continue;
    const other = pool[(rand() * pool.length) | 0]!;
    put(vdir(k), rel, other.path);
  }
  const bySize = [...current.keys()]
    .map((rel) => ({ rel, size: lstatSync(join(vdir(k), rel)).size }))
    .sort((a, b) => b.size - a.size);
  for (const { rel } of bySize.slice(0, 5)) {
    const bytes = readFileSync(join(vdir(k), rel));
    for (let i = 0; i < 3; i++) bytes[(rand() * bytes.length) | 0] ^= 0xff;
    put(vdir(k), rel, bytes);
  }
  for (const { rel } of bySize.slice(5, 7)) {
    const bytes = readFileSync(join(vdir(k), rel));
    const mid = bytes.length >> 1;
    put(vdir(k), rel, Buffer.concat([bytes.subarray(0, mid), Buffer.alloc(100, k), bytes.subarray(mid)]));
  }
}

const images: string[] = [];
for (let k = 1; k <= VERSIONS; k++) {
  const image = join(work, `v${k}.cfs`);
  const r = spawnSync(mkcomposefs, [`--digest-store=${store}`, vdir(k), image], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkcomposefs failed: ${r.stderr}`);
  images.push(image);
}
const cli = await bundleCli();
// The CLI bundle looks for its worker threads beside itself.
for (const [entry, name] of [['electron/services/share-worker.ts', 'share-worker.mjs'], ['electron/verity/worker.ts', 'verity-worker.mjs']]) {
  await build({
    entryPoints: [join(ROOT, entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    outfile: join(dirname(cli), name),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

/** Wall seconds, CPU seconds (user + system) and peak RSS of one CLI run, from GNU time. */
function timed(args: string[]): { wall: number; cpu: number; rssMiB: number; stdout: string; status: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing for ${args[0]}: ${r.stderr.slice(-500)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024, stdout: r.stdout, status: r.status ?? -1 };
}

const load0 = loadavg()[0]!;
const share = timed(['share', ...images, '--basedir', store, '--json']);
if (share.status !== 0) throw new Error(`share exited ${share.status}`);
const report = JSON.parse(share.stdout);
const verify = timed(['verify', images.at(-1)!, '--basedir', store]);
const load1 = loadavg()[0]!;

const mib = (n: number) => (n / MiB).toFixed(1);
console.log(`share bench: ${VERSIONS} versions of ${mib(TARGET)} MiB of /usr/lib${QUICK ? ' (quick)' : ''}, load ${load0.toFixed(1)} -> ${load1.toFixed(1)}`);
console.log('version  files    logical MiB  file delta  block delta  casync delta  fastcdc delta (MiB)');
for (const img of report.images) {
  const d = (s: string) => mib(img.schemes[s].delta).padStart(12);
  console.log(`${img.name.padEnd(8)} ${String(img.files).padStart(6)} ${mib(img.logical).padStart(14)} ${d('file')} ${d('block')} ${d('casync')} ${d('fastcdc')}`);
}
const set = report.set;
console.log(`set: ${mib(set.logical)} MiB logical; stored file ${mib(set.unique.file)}, block ${mib(set.unique.block)}, casync ${mib(set.unique.casync)}, fastcdc ${mib(set.unique.fastcdc)} MiB; page cache ${mib(set.pageCache.resident)} MiB resident, ${mib(set.pageCache.shared)} MiB shared`);
const shareRate = set.logical / MiB / share.wall;
const verifyBytes = report.images.at(-1).logical;
const verifyRate = verifyBytes / MiB / verify.wall;
const perByte = (share.cpu / set.logical) / (verify.cpu / verifyBytes);
console.log(`share:  ${share.wall.toFixed(2)} s wall, ${share.cpu.toFixed(2)} s CPU, ${shareRate.toFixed(0)} MiB/s, peak RSS ${share.rssMiB.toFixed(0)} MiB`);
console.log(`verify: ${verify.wall.toFixed(2)} s wall, ${verify.cpu.toFixed(2)} s CPU, ${verifyRate.toFixed(0)} MiB/s (newest version, same store)`);
console.log(`share CPU per byte / verify CPU per byte: ${perByte.toFixed(2)}x (target <= 1.5x)`);
// BENCH_KEEP=1 leaves the trees, images and store in .bench/share for profiling.
if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true });
