/**
 * Fuzz seeds for the layouts erofs-utils 1.9 writes (zstd, deflate, lzma, dedupe, fragments,
 * all-fragments with ztailpacking, 48-bit, 512-byte blocks): small images made at load time by the
 * mkfs.erofs 1.9.3 in ../shared/bench from a small fixed tree, so a case costs milliseconds. Made
 * deterministically (-T, -U, one worker, fixed contents) and cached by content in the temp dir, so
 * the harness and its workers see byte-identical seeds and a case replays exactly.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from '../helpers/corpus.ts';
import { mulberry32 } from '../helpers/prng.ts';

const MKFS = join(BENCH_DIR ?? '/nonexistent', 'erofs-utils-1.9.3', 'mkfs.erofs');

export const EROFS19_SEEDS: readonly [name: string, args: string[]][] = [
  ['erofs19-zstd', ['-zzstd', '-C16384', '-Eztailpacking']],
  ['erofs19-deflate', ['-zdeflate', '-C16384']],
  ['erofs19-lzma', ['-zlzma', '-C16384']],
  ['erofs19-dedupe-fragments', ['-zlz4hc', '-C16384', '-Ededupe,fragments']],
  ['erofs19-all-fragments', ['-zlz4', '-Eall-fragments,ztailpacking']],
  ['erofs19-48bit', ['-zlz4', '-E48bit']],
  ['erofs19-b512', ['-b512', '-zzstd', '-C4096']],
];

/** A small tree: compressible text, noise, a repeated block (dedupe), tails of several sizes. */
function writeSmallTree(root: string): void {
  const next = mulberry32(18);
  const noise = (n: number) => Uint8Array.from({ length: n }, () => (next() * 256) & 0xff);
  const text = (n: number, k: number) => new TextEncoder().encode(Array.from({ length: Math.ceil(n / 24) }, (_, i) => `row ${i * k} of ${k}\n`.padEnd(24, '.')).join('').slice(0, n));
  const block = text(8192, 3);
  const files: [string, Uint8Array][] = [
    ['a.txt', text(40_000, 1)],
    ['b.bin', noise(9000)],
    ['dup1', Uint8Array.from([...block, ...block, ...text(700, 5)])],
    ['dup2', Uint8Array.from([...block, ...text(1500, 7)])],
    ['d/tail.txt', text(5000, 9)],
    ['d/small', text(37, 11)],
  ];
  for (const [p, data] of files) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), data);
  }
}

export const erofs19SeedsAvailable = (): boolean => existsSync(MKFS);

/** name -> image bytes; built once per tree/args content and reused from the temp dir. */
export function loadErofs19Seeds(): { name: string; bytes: Uint8Array }[] {
  if (!erofs19SeedsAvailable()) return [];
  const key = createHash('sha256').update(JSON.stringify(EROFS19_SEEDS)).update(readFileSync(MKFS)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `cfs-fuzz-erofs19-${key}`);
  if (!existsSync(join(dir, 'done'))) {
    const work = `${dir}.${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    writeSmallTree(join(work, 'tree'));
    for (const [name, args] of EROFS19_SEEDS) {
      execFileSync(MKFS, ['--quiet', '--workers=1', '--all-root', '-T1700000000', '-U11111111-2222-3333-4444-555555555555', ...args, join(work, `${name}.erofs`), join(work, 'tree')], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    writeFileSync(join(work, 'done'), '');
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another process got there first
    }
  }
  return EROFS19_SEEDS.map(([name]) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, `${name}.erofs`))) }));
}
