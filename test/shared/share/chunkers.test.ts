/**
 * The chunkers are exact: our casync chunker cuts where Debian's `casync make` cuts (its .caibx
 * chunk table, made at test time, is the oracle), and our FastCDC reproduces the cut points and
 * gear hashes that fastcdc-rs 3.0.0's own tests assert (../shared/specs/fastcdc/vectors.tsv).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuzhashChunker, buzhashChunks, discriminatorFromAvg, isLastRemainder, remainderTest } from '../../../shared/share/buzhash.ts';
import { FastCdc, fastCdcChunks } from '../../../shared/share/fastcdc.ts';
import { CORPUS } from '../../helpers/corpus.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const hasCasync = spawnSync('casync', ['--version']).status === 0;
const casyncSkip: string | false =
  hasCasync ? false : process.env.CI === 'true' ? false : 'casync not installed (apt-get install casync)';

/** Chunk end offsets from a .caibx: a 48-byte index header, a 16-byte table header, 40-byte items. */
function caibxEnds(path: string): number[] {
  const b = readFileSync(path);
  const items = (b.length - 64 - 40) / 40;
  assert.ok(Number.isInteger(items) && items >= 0, `unexpected caibx size ${b.length}`);
  return Array.from({ length: items }, (_, i) => Number(b.readBigUInt64LE(64 + i * 40)));
}

function casyncEnds(data: Uint8Array, chunkSize?: string): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-casync-'));
  try {
    writeFileSync(join(dir, 'blob'), data);
    const args = ['make', `--store=${join(dir, 'store')}`, ...(chunkSize ? [`--chunk-size=${chunkSize}`] : []), join(dir, 'x.caibx'), join(dir, 'blob')];
    const r = spawnSync('casync', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `casync make failed: ${r.stderr}`);
    return caibxEnds(join(dir, 'x.caibx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ends = (lengths: number[]): number[] => {
  let at = 0;
  return lengths.map((n) => (at += n));
};

function randomBytes(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

function textBytes(n: number, seed: number): Uint8Array {
  const words = ['composefs', 'erofs', 'overlay', 'verity', 'chunk', 'the', 'a', 'image', 'object', 'digest', '\n'];
  const r = mulberry32(seed);
  let s = '';
  while (s.length < n) s += words[(r() * words.length) | 0] + ' ';
  return new TextEncoder().encode(s.slice(0, n));
}

/** Long runs of one byte between random stretches: every run longer than max forces a max-size cut. */
function runsBytes(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const run = Math.min(n - i, 1000 + ((r() * 600_000) | 0));
    if (r() < 0.5) out.fill((r() * 256) | 0, i, i + run);
    else for (let j = i; j < i + run; j++) out[j] = (r() * 256) | 0;
    i += run;
  }
  return out;
}

test('the casync discriminator for the 64 KiB default is the C macro truncated', () => {
  // 65536 / (-1.42888852e-7 * 65536 + 1.33237515) = 49535.7...
  assert.equal(discriminatorFromAvg(65536), 49535);
});

test('our casync chunker cuts a random, a text and a long-runs file exactly where casync make does', { skip: casyncSkip }, () => {
  const files = { random: randomBytes(3_000_000, 1), text: textBytes(2_000_000, 2), runs: runsBytes(4_000_000, 3) };
  for (const [name, data] of Object.entries(files)) {
    const want = casyncEnds(data);
    assert.ok(want.length > 5, `${name}: casync made only ${want.length} chunks`);
    assert.deepEqual(ends(buzhashChunks(data)), want, name);
  }
});

test('our casync chunker matches casync make with non-default chunk sizes', { skip: casyncSkip }, () => {
  const data = randomBytes(1_000_000, 4);
  assert.deepEqual(ends(buzhashChunks(data, { min: 4096, avg: 16384, max: 65536 })), casyncEnds(data, '4096:16384:65536'));
});

test('the casync chunker gives the same cuts however the input is sliced', () => {
  const data = runsBytes(1_500_000, 5);
  const whole = buzhashChunks(data);
  const sliced: number[] = [];
  const c = new BuzhashChunker((n) => sliced.push(n));
  const r = mulberry32(6);
  for (let at = 0; at < data.length; ) {
    const n = Math.min(data.length - at, 1 + ((r() * 70_000) | 0));
    c.push(data.subarray(at, at + n));
    at += n;
  }
  c.finish();
  assert.deepEqual(sliced, whole);
});

const specs = CORPUS ? join(CORPUS, '..', 'specs', 'fastcdc') : undefined;

test('FastCDC reproduces every published fastcdc-rs 3.0.0 vector (cut point and gear hash)', { skip: specs ? false : 'specs not found' }, () => {
  const data = readFileSync(join(specs!, 'SekienAkashita.jpg'));
  const rows = readFileSync(join(specs!, 'vectors.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'));
  assert.equal(rows.length, 8);
  for (const [variant, min, avg, max, offset, length, hash] of rows) {
    assert.equal(variant, 'v2020');
    const sizes = { min: Number(min), avg: Number(avg), max: Number(max) };
    const cdc = new FastCdc(sizes);
    const cut = cdc.cut(data, Number(offset), data.length);
    assert.equal(cut.length, Number(length), `${min}/${avg}/${max} at ${offset}`);
    assert.equal(((BigInt(cut.hashHi) << 32n) | BigInt(cut.hashLo)).toString(), hash, `${min}/${avg}/${max} at ${offset}`);
  }
  assert.deepEqual(fastCdcChunks(data, { min: 4096, avg: 16384, max: 65535 }), [21325, 17140, 28084, 18217, 24700]);
  assert.deepEqual(fastCdcChunks(data, { min: 8192, avg: 32768, max: 131072 }), [66549, 42917]);
});

test('the FastCDC chunk md5s of the 16 KiB case equal the published ones', { skip: specs ? false : 'specs not found' }, async () => {
  const { md5 } = await import('@noble/hashes/legacy.js');
  const data = readFileSync(join(specs!, 'SekienAkashita.jpg'));
  const want = readFileSync(join(specs!, 'vectors.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('v2020\t4096\t'))
    .map((l) => l.split('\t')[7]);
  let at = 0;
  const got = fastCdcChunks(data, { min: 4096, avg: 16384, max: 65535 }).map((n) => {
    const h = Buffer.from(md5(data.subarray(at, at + n))).toString('hex');
    at += n;
    return h;
  });
  assert.deepEqual(got, want);
});

test('FastCDC streaming gives the same cuts as one pass over the whole buffer', () => {
  const data = runsBytes(2_000_000, 7);
  const cdc = new FastCdc();
  const whole: number[] = [];
  for (let at = 0; at < data.length; ) {
    const { length } = cdc.cut(data, at, data.length);
    whole.push(length);
    at += length;
  }
  assert.deepEqual(fastCdcChunks(data), whole);
});

test('FastCDC refuses sizes outside fastcdc-rs limits with a clear message', () => {
  assert.throws(() => new FastCdc({ min: 16, avg: 64, max: 128 }), /out of fastcdc-rs's limits/);
});

test('the casync chunker gives the same cuts for slices shorter than its window, at any minimum', () => {
  const data = randomBytes(300_000, 9);
  for (const sizes of [{ min: 16384, avg: 65536, max: 262144 }, { min: 40, avg: 256, max: 1024 }, { min: 1000, avg: 4096, max: 9000 }]) {
    const whole = buzhashChunks(data, sizes);
    const sliced: number[] = [];
    const c = new BuzhashChunker((n) => sliced.push(n), sizes);
    const r = mulberry32(10);
    for (let at = 0; at < data.length; ) {
      const n = Math.min(data.length - at, 1 + ((r() * 100) | 0));
      c.push(data.subarray(at, at + n));
      at += n;
    }
    c.finish();
    assert.deepEqual(sliced, whole, JSON.stringify(sizes));
    assert.equal(whole.reduce((a, b) => a + b, 0), data.length);
  }
});

test("the casync chunker's division-free remainder test agrees with h % d for odd, even and power-of-two d", () => {
  const r = mulberry32(11);
  const ds = [49535, discriminatorFromAvg(16384), discriminatorFromAvg(4096), 3, 2, 4096, 65536, 48 * 1024, 262143, 1];
  for (const d of ds) {
    const t = remainderTest(d);
    const hs = [0, 1, d - 1, d, 2 * d - 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xffffffff - (0xffffffff % d) - 1];
    for (let i = 0; i < 20_000; i++) hs.push(Math.floor(r() * 2 ** 32));
    for (let i = 0; i < 2000; i++) hs.push((Math.floor(r() * (0xffffffff / d)) * d + d - 1) >>> 0);
    for (const h of hs) assert.equal(isLastRemainder(h | 0, d, t), h % d === d - 1, `h=${h} d=${d}`);
  }
});
