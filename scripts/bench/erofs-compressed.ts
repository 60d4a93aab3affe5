/**
 * Issue #18 benchmark: reading all file content of the zstd, deflate and LZMA (and LZ4, for
 * reference) images of corpus 15-erofs-utils-1.9 through our reader, against
 * `fsck.erofs --extract` 1.9.3 of the same image. Prints MiB/s of decoded content and our CPU time
 * as a ratio of fsck's (user + system, the median of three runs each). Goal: <= 3x fsck's CPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, median } from './_bundle.ts';
import { openImageFile } from '../../electron/services/open-file.ts';
import { walk } from '../../shared/walk.ts';

const CORPUS = process.env.CFS_CORPUS ?? join(ROOT, '..', 'shared', 'corpus');
const CASES = ['zstd', 'deflate', 'lzma', 'lz4hc-dedupe-fragments'];
const FSCK = join(CORPUS, '..', 'bench', 'erofs-utils-1.9.3', 'fsck.erofs');
const RUNS = 3;

/** Reads every regular file whole (each inode once); returns decoded bytes and CPU seconds. */
async function readAll(image: string): Promise<{ bytes: number; cpu: number; wall: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const r = await openImageFile(image);
  let bytes = 0;
  const seen = new Set<number>();
  try {
    await walk(r, async (e) => {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      const n = await r.node(e.id);
      if (n.kind !== 'file' || n.size === 0) return;
      // Windows of 1 MiB, as a viewer or a hash would read.
      for (let at = 0; at < n.size; at += 1 << 20) bytes += (await r.readData(e.id, at, Math.min(1 << 20, n.size - at))).length;
    });
  } finally {
    await r.close();
  }
  const c = process.cpuUsage(c0);
  return { bytes, cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** CPU seconds (user + system) of `fsck.erofs --extract` into a scratch directory. */
function fsckCpu(image: string): number | undefined {
  const work = mkdtempSync(join(tmpdir(), 'cfs-bench-fsck-'));
  try {
    // --path=/ as the corpus used: without it 1.9.3 extracts the packed inode over the target.
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', join(work, 'time.txt'), FSCK, `--extract=${join(work, 'x')}`, '--path=/', image], { stdio: 'ignore' });
    if (r.status !== 0) return undefined;
    const [u, s] = readFileSync(join(work, 'time.txt'), 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return Number.isFinite(u) && Number.isFinite(s) ? u! + s! : undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (!existsSync(join(CORPUS, '15-erofs-utils-1.9'))) {
  console.log('corpus 15-erofs-utils-1.9 not found: skipped');
} else {
  const haveFsck = existsSync(FSCK) && spawnSync('bash', ['-c', 'test -x /usr/bin/time']).status === 0;
  console.log(`case                     content MiB   MiB/s   our CPU s   fsck CPU s   ratio`);
  for (const name of CASES) {
    const image = join(CORPUS, '15-erofs-utils-1.9', name, 'image.erofs');
    await readAll(image); // warm-up: JIT and the WebAssembly instance
    const ours = [];
    for (let i = 0; i < RUNS; i++) ours.push(await readAll(image));
    const cpu = median(ours.map((o) => o.cpu));
    const wall = median(ours.map((o) => o.wall));
    const mib = ours[0]!.bytes / 2 ** 20;
    const fsck = haveFsck ? median(Array.from({ length: RUNS }, () => fsckCpu(image) ?? NaN)) : NaN;
    const ratio = Number.isFinite(fsck) && fsck > 0 ? (cpu / fsck).toFixed(1) + 'x' : 'n/a';
    console.log(`${name.padEnd(24)} ${mib.toFixed(1).padStart(11)} ${(mib / wall).toFixed(0).padStart(7)} ${cpu.toFixed(3).padStart(11)} ${Number.isFinite(fsck) ? fsck.toFixed(3).padStart(12) : '         n/a'} ${ratio.padStart(7)}`);
  }
}
