/**
 * Issue #17 benchmark: `repo check` on a composefs repository of >= 40k objects, timed beside
 * `fsverity digest` over the same objects in the same run (the digest pass is what dominates a
 * health check; the ratio is ours / fsverity, CPU and wall, median of interleaved pairs).
 *
 *   npm run bench -- repo             (the repository of /usr/share: ~44k objects)
 *   npm run bench -- repo --quick     (of /usr/share/doc: fewer objects, start-up dominates)
 *
 * The repository is made here from real parts and cached in .bench/: mkcomposefs 1.0.8 writes the
 * image and its objects/ (--digest-store), `fsverity digest` names the image, and the layout of
 * composefs-rs doc/repository.md links it (images/<digest>, images/refs/bench/share, meta.json).
 * A SHA-512 repository of the same tree follows (objects renamed to their `fsverity digest
 * --hash-alg=sha512` names, the image rebuilt by mkcomposefs from its renamed dump): its digest
 * pass takes the SHA-512 path. Never fails on time.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from '../../test/helpers/corpus.ts';
import { ROOT, median } from './_bundle.ts';

const QUICK = process.argv.includes('--quick');
const WORK = join(ROOT, '.bench');
const PAIRS = 3;
const tree = QUICK ? '/usr/share/doc' : '/usr/share';
const tag = QUICK ? 'doc' : 'share';
const TOOLS = {
  mkcomposefs: BENCH_DIR ? join(BENCH_DIR, 'composefs-1.0.8/tools/mkcomposefs') : '',
  composefsInfo: BENCH_DIR ? join(BENCH_DIR, 'composefs-1.0.8/tools/composefs-info') : '',
  fsverity: '/usr/bin/fsverity',
  time: '/usr/bin/time',
};
type Hash = 'sha256' | 'sha512';

interface Run {
  wall: number;
  cpu: number;
  rssMB: number;
  stdout: string;
}

function run(cmd: string, args: string[], opts: { input?: string; okStatus?: number[] } = {}): Run {
  const stats = join(WORK, 'repo-time.txt');
  const t0 = performance.now();
  const r = spawnSync(TOOLS.time, ['-o', stats, '-f', '%U %S %M', cmd, ...args], {
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = (performance.now() - t0) / 1000;
  if (!(opts.okStatus ?? [0]).includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr).slice(-600)}`);
  const [u, s, m] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: u! + s!, rssMB: m! / 1024, stdout: r.stdout };
}

function sh(cmd: string, args: string[], opts: { stdout?: string; input?: string } = {}): string {
  const fd = opts.stdout ? openSync(opts.stdout, 'w') : 'pipe';
  const r = spawnSync(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', fd, 'pipe'], input: opts.input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (typeof fd === 'number') closeSync(fd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr).slice(-600)}`);
  return r.stdout ?? '';
}

/** Every object file of a repository, as absolute paths. */
const objectFiles = (repo: string): string[] =>
  readdirSync(join(repo, 'objects'))
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .flatMap((d) => readdirSync(join(repo, 'objects', d)).map((f) => join(repo, 'objects', d, f)));

/** `fsverity digest` of many files in one xargs run: path -> hex digest. */
function fsverityDigests(files: string[], hash: Hash): Map<string, string> {
  const out = sh('xargs', ['-d', '\n', TOOLS.fsverity, 'digest', `--hash-alg=${hash}`], { input: files.join('\n') + '\n' });
  const digests = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^sha(?:256|512):([0-9a-f]+) (.*)$/.exec(line);
    if (m) digests.set(m[2]!, m[1]!);
  }
  return digests;
}

function link(repo: string, from: string, to: string): void {
  mkdirSync(join(repo, from, '..'), { recursive: true });
  symlinkSync(to, join(repo, from));
}

/** Stores the image as an object, links images/<digest> and a ref, writes meta.json. */
function linkImage(repo: string, image: string, hash: Hash): string {
  const digest = fsverityDigests([image], hash).get(image)!;
  mkdirSync(join(repo, 'objects', digest.slice(0, 2)), { recursive: true });
  renameSync(image, join(repo, 'objects', digest.slice(0, 2), digest.slice(2)));
  link(repo, `images/${digest}`, `../objects/${digest.slice(0, 2)}/${digest.slice(2)}`);
  link(repo, `images/refs/bench/${tag}`, `../../${digest}`);
  writeFileSync(join(repo, 'meta.json'), JSON.stringify({ version: 1, algorithm: `fsverity-${hash}-12` }));
  return digest;
}

function makeSha256(repo: string): void {
  const image = join(repo, 'image.cfs');
  sh(TOOLS.mkcomposefs, [`--digest-store=${join(repo, 'objects')}`, tree, image]);
  linkImage(repo, image, 'sha256');
}

/** The SHA-256 repository's objects under their SHA-512 names, and the image rebuilt to redirect to them. */
function makeSha512(from: string, repo: string): void {
  mkdirSync(join(repo, 'objects'), { recursive: true });
  const image256 = readdirSync(join(from, 'images')).find((n) => n !== 'refs')!;
  const files = objectFiles(from).filter((p) => !p.endsWith(image256.slice(2)));
  const d512 = fsverityDigests(files, 'sha512');
  const rename = new Map<string, string>();
  for (const p of files) {
    const old = p.slice(-65).replace('/', '');
    const now = d512.get(p)!;
    rename.set(old, now);
    mkdirSync(join(repo, 'objects', now.slice(0, 2)), { recursive: true });
    // Copy, not move: the SHA-256 repository stays whole for its own run.
    writeFileSync(join(repo, 'objects', now.slice(0, 2), now.slice(2)), readFileSync(p));
  }
  const dump = sh(TOOLS.composefsInfo, ['dump', join(from, 'images', image256)]);
  const renamed = dump
    .split('\n')
    .map((line) => {
      const f = line.split(' ');
      if (f.length < 11 || f[8] === '-') return line;
      const now = rename.get(f[8]!.replace('/', ''));
      if (!now) return line;
      f[8] = `${now.slice(0, 2)}/${now.slice(2)}`;
      f[10] = '-'; // the metacopy field holds a SHA-256 digest only
      return f.join(' ');
    })
    .join('\n');
  writeFileSync(join(repo, 'image.dump'), renamed);
  sh(TOOLS.mkcomposefs, ['--from-file', join(repo, 'image.dump'), join(repo, 'image.cfs')]);
  rmSync(join(repo, 'image.dump'));
  linkImage(repo, join(repo, 'image.cfs'), 'sha512');
}

function cached(path: string, make: (tmp: string) => void): string {
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = performance.now();
  make(tmp);
  renameSync(tmp, path);
  console.log(`  made ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}

const f2 = (x: number) => x.toFixed(2);

function bench(cli: string, repo: string, hash: Hash): void {
  const files = objectFiles(repo);
  const list = files.join('\n') + '\n';
  const ref: Run[] = [];
  const ours: Run[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = () => ref.push(run('xargs', ['-d', '\n', TOOLS.fsverity, 'digest', `--hash-alg=${hash}`], { input: list }));
    const b = () => ours.push(run(process.execPath, [cli, 'repo', repo, 'check'], { okStatus: [0, 1, 3] }));
    if (i % 2 === 0) (a(), b());
    else (b(), a());
  }
  const med = (xs: Run[], k: 'wall' | 'cpu' | 'rssMB') => median(xs.map((x) => x[k]));
  const summary = ours[ours.length - 1]!.stdout.trim().split('\n').pop();
  console.log(`  repo check, ${hash}, ${files.length} objects (${tree}): ${f2(med(ours, 'wall'))} s wall, ${f2(med(ours, 'cpu'))} s CPU, RSS ${med(ours, 'rssMB').toFixed(0)} MB`);
  console.log(`    fsverity digest --hash-alg=${hash} of the same objects: ${f2(med(ref, 'wall'))} s wall, ${f2(med(ref, 'cpu'))} s CPU`);
  console.log(
    `    ratio ours / fsverity: CPU ${f2(median(ours.map((x, i) => x.cpu / ref[i]!.cpu)))}x, wall ${f2(median(ours.map((x, i) => x.wall / ref[i]!.wall)))}x` +
      `  (${PAIRS} interleaved pairs; load ${loadavg()[0]!.toFixed(1)})`,
  );
  console.log(`    check said: ${summary}`);
}

async function main(): Promise<void> {
  if (!BENCH_DIR || !existsSync(TOOLS.mkcomposefs)) {
    console.log('  skipped: mkcomposefs 1.0.8 not found (set CFS_BENCH or place ../shared/bench)');
    return;
  }
  mkdirSync(WORK, { recursive: true });
  // The CLI as installed: the production build, with the verity pool's worker beside it.
  sh(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--only', 'cli', '--outdir', join(WORK, 'dist')]);
  const cli = join(WORK, 'dist', 'cli.mjs');
  const repo256 = cached(join(WORK, `repo-${tag}-sha256`), makeSha256);
  const repo512 = cached(join(WORK, `repo-${tag}-sha512`), (tmp) => makeSha512(repo256, tmp));
  bench(cli, repo256, 'sha256');
  bench(cli, repo512, 'sha512');
}

await main();
