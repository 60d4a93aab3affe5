/**
 * Bounded mutation loop over compressed EROFS images: ~1500 damaged copies (bits flipped, bytes
 * zeroed or overwritten, index fields set to edge values, ranges spliced from elsewhere, the image
 * cut short), most of them aimed at compressed files' inodes, map headers, lcluster indexes and
 * pclusters. Every copy must open or be refused with a DecodeError, walk completely, and have
 * every file read (in windows, up to 4 MiB) without any other kind of exception, each case in
 * bounded time and memory.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { verifySuperblockChecksum } from '../../../shared/erofs/crc32c.ts';
import { openErofs, type ErofsReader } from '../../../shared/erofs/reader.ts';
import { compressedExtents, createDecompressor } from '../../../shared/erofs/zdata.ts';
import { openImage } from '../../../shared/open.ts';
import { walk } from '../../../shared/walk.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { compressionTree, erofsUtilsSkip, mkfsErofs, removeDir, tempDir, writeTree, xorshift } from './erofs-utils.ts';

/** Per-file read budget: real files here are at most ~1 MiB; a damaged i_size may claim far more. */
const READ_CAP = 4 << 20;
const WINDOW = 256 * 1024;
const CASE_MS = 3000;
/** Resident memory may not grow past the start by more than this over the whole loop. */
const RSS_GROWTH = 768 << 20;

interface Subject {
  name: string;
  bytes: Uint8Array;
  /** Byte ranges worth aiming at: compressed inodes, map headers, indexes, pclusters. */
  hot: [number, number][];
}

async function subject(name: string, bytes: Uint8Array): Promise<Subject> {
  const r = await openErofs(memorySource(bytes), { decompressor: createDecompressor() });
  const hot: [number, number][] = [];
  await walk(r, async (e) => {
    if (e.node.data.kind !== 'compressed') return;
    const ino = await r.rawInode(e.id);
    hot.push([ino.offset, ino.inodeSize + ino.xattrSize]);
    for (const rg of e.node.ranges) if (/map header|indexes/.test(rg.label)) hot.push([rg.offset, rg.length]);
    for (const x of (await compressedExtents(r, ino)).extents) if (x.plen) hot.push([x.pa, x.plen]);
  });
  assert.ok(hot.length >= 3, `${name}: has compressed files`);
  return { name, bytes, hot };
}

type Rng = { int(n: number): number };
const rngOf = (seed: number): Rng => {
  const next = xorshift(seed * 2654435761);
  return { int: (n) => next() % n };
};

const EDGE_U16 = [0, 1, 2, 0xffff, 0x0800, 0x0801, 0x0fff, 0x1000, 0x8000, 0x0003, 0x0002];

function mutate(s: Subject, rng: Rng): { bytes: Uint8Array; how: string } {
  const b = s.bytes.slice();
  const aimed = rng.int(10) < 7;
  const [start, len] = aimed ? s.hot[rng.int(s.hot.length)]! : [0, b.length];
  const at = start + rng.int(Math.max(1, len));
  switch (rng.int(6)) {
    case 0: {
      const bit = rng.int(8);
      b[at] ^= 1 << bit;
      return { bytes: b, how: `flip bit ${bit} at ${at}` };
    }
    case 1: {
      const n = 1 + rng.int(16);
      b.fill(0, at, at + n);
      return { bytes: b, how: `zero ${n} at ${at}` };
    }
    case 2: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = rng.int(256);
      return { bytes: b, how: `random ${n} at ${at}` };
    }
    case 3: {
      const p = at & ~1;
      const v = EDGE_U16[rng.int(EDGE_U16.length)]!;
      if (p + 1 < b.length) {
        b[p] = v & 0xff;
        b[p + 1] = v >> 8;
      }
      return { bytes: b, how: `u16 ${v} at ${p}` };
    }
    case 4: {
      const n = 8 + rng.int(57);
      const [fs, fl] = s.hot[rng.int(s.hot.length)]!;
      const from = fs + rng.int(Math.max(1, fl));
      b.set(s.bytes.subarray(from, Math.min(from + n, from + b.length - at)), at);
      return { bytes: b, how: `splice ${n} from ${from} to ${at}` };
    }
    default: {
      const cut = aimed ? at : 1024 + rng.int(b.length - 1024);
      return { bytes: b.subarray(0, cut), how: `truncate to ${cut}` };
    }
  }
}

const isDecodeError = (e: unknown) => e instanceof DecodeError;

/** One damaged image through open, walk, every file read and the checksum check. */
async function exercise(bytes: Uint8Array): Promise<string[]> {
  const bad: string[] = [];
  let r: ErofsReader;
  try {
    r = (await openImage(memorySource(bytes))) as ErofsReader;
  } catch (e) {
    if (!isDecodeError(e)) bad.push(`open: ${String(e)}`);
    return bad;
  }
  await walk(
    r,
    async (e) => {
      if (e.node.kind !== 'file' && e.node.kind !== 'symlink') return;
      const end = Math.min(e.node.size, READ_CAP);
      for (let off = 0; off < end; off += WINDOW) {
        try {
          await r.readData(e.id, off, Math.min(WINDOW, end - off));
        } catch (err) {
          if (!isDecodeError(err)) bad.push(`read ${e.id}@${off}: ${String((err as Error)?.stack ?? err)}`);
          break;
        }
      }
    },
    { onProblem: (p) => p.error !== undefined && !isDecodeError(p.error) && bad.push(`walk: ${String((p.error as Error)?.stack ?? p.error)}`) },
  );
  try {
    await verifySuperblockChecksum(r);
  } catch (e) {
    if (!isDecodeError(e)) bad.push(`checksum: ${String(e)}`);
  }
  return bad;
}

async function loop(subjects: Subject[], cases: number, seed: number) {
  const rss0 = process.memoryUsage().rss;
  let slowest = 0;
  const failures: string[] = [];
  for (let i = 0; i < cases; i++) {
    const s = subjects[i % subjects.length]!;
    const { bytes, how } = mutate(s, rngOf(seed + i));
    const t0 = performance.now();
    const bad = await exercise(bytes);
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (bad.length) failures.push(`case ${seed + i} ${s.name} (${how}): ${bad[0]}`);
    if (ms > CASE_MS) failures.push(`case ${seed + i} ${s.name} (${how}): took ${Math.round(ms)} ms`);
    const grown = process.memoryUsage().rss - rss0;
    if (grown > RSS_GROWTH) failures.push(`case ${seed + i} ${s.name} (${how}): resident memory grew by ${grown >> 20} MiB`);
    if (failures.length >= 5) break;
  }
  assert.deepEqual(failures, []);
  return slowest;
}

describe('damaged compressed corpus images (lz4, lz4hc-ztail, lz4-legacy)', { skip: corpusSkip }, () => {
  test('1050 mutations: open or DecodeError, full walk, every file read, no other exception, bounded time and memory', async () => {
    const subjects = await Promise.all(
      ['lz4', 'lz4hc-ztail', 'lz4-legacy'].map((v) => subject(v, new Uint8Array(readFileSync(corpusPath('08-mkfs-erofs', v, 'image.erofs'))))),
    );
    for (const s of subjects) assert.deepEqual(await exercise(s.bytes), [], `${s.name} undamaged`);
    await loop(subjects, 1050, 1);
  });
});

describe('damaged big-pcluster images built by mkfs.erofs', { skip: erofsUtilsSkip }, () => {
  let dir = '';
  const subjects: Subject[] = [];
  before(async () => {
    dir = tempDir();
    writeTree(join(dir, 'tree'), compressionTree());
    const builds: [string, string[]][] = [
      ['lz4hc -C65536', ['-zlz4hc', '-C65536']],
      ['lz4hc -C65536 full indexes', ['-zlz4hc', '-C65536', '-Elegacy-compress']],
      ['lz4hc -C16384 ztailpacking', ['-zlz4hc,9', '-C16384', '-Eztailpacking']],
    ];
    for (const [name, args] of builds) {
      const image = join(dir, `${subjects.length}.erofs`);
      mkfsErofs(image, join(dir, 'tree'), args);
      subjects.push(await subject(name, new Uint8Array(readFileSync(image))));
    }
  });
  after(() => removeDir(dir));

  test('450 mutations: open or DecodeError, full walk, every file read, no other exception, bounded time and memory', async () => {
    for (const s of subjects) assert.deepEqual(await exercise(s.bytes), [], `${s.name} undamaged`);
    await loop(subjects, 450, 100_000);
  });
});
