/**
 * Our LZMA1 decoder against `xz --format=raw --lzma1` (the reference encoder) for several lc/lp/pb
 * and dictionary settings, as a MicroLZMA stream (properties in the first byte) too; damaged and
 * truncated streams fail with an LzmaError instead of running on. The EROFS lzma cases (corpus and
 * mkfs.erofs 1.9.3 at test time) exercise the exact, end-marker-free form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { decodeLzmaProps, decodeMicroLzma, LzmaDecoder, LzmaError } from '../../../shared/compress/lzma.ts';
import { hasTool } from '../erofs/erofs-utils.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const skip = hasTool('xz') ? false : 'xz not installed';

function sample(): Uint8Array {
  const next = mulberry32(7);
  const parts: number[] = [];
  for (let i = 0; parts.length < 200_000; i++) {
    if (i % 5 === 4) for (let k = 0; k < 700; k++) parts.push((next() * 256) & 0xff);
    else for (const ch of `entry ${i % 97} value ${(i * 7919) % 10007} ${'abc'.repeat(i % 9)}\n`) parts.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(parts);
}

const xzRaw = (data: Uint8Array, opts: string) => new Uint8Array(execFileSync('xz', ['--format=raw', `--lzma1=${opts}`, '-c'], { input: data, maxBuffer: 64 << 20 }));

const SETTINGS: [string, { lc: number; lp: number; pb: number }][] = [
  ['preset=6', { lc: 3, lp: 0, pb: 2 }],
  ['preset=9e,lc=0,lp=2,pb=0', { lc: 0, lp: 2, pb: 0 }],
  ['preset=1,lc=4,lp=0,pb=4,dict=64KiB', { lc: 4, lp: 0, pb: 4 }],
  ['preset=6,lc=1,lp=3,pb=1,dict=4KiB', { lc: 1, lp: 3, pb: 1 }],
];

test('raw LZMA1 from xz decodes exactly, for every lc/lp/pb and dictionary tried', { skip }, () => {
  const data = sample();
  const d = new LzmaDecoder();
  for (const [opts, props] of SETTINGS) {
    const z = xzRaw(data, opts);
    const out = new Uint8Array(data.length);
    // xz's raw streams end with an end marker after the data: a known size stops before it.
    d.decode(z, out, props, true);
    assert.deepEqual(out, data, opts);
  }
});

test('the same stream as MicroLZMA (NOT of the properties byte first) decodes exactly', { skip }, () => {
  const data = sample().subarray(0, 65536);
  const z = xzRaw(data, 'preset=6');
  assert.equal(z[0], 0, 'the range coder starts with a zero byte');
  z[0] = ~((2 * 5 + 0) * 9 + 3) & 0xff;
  const out = new Uint8Array(data.length);
  decodeMicroLzma(new LzmaDecoder(), z, out, true);
  assert.deepEqual(out, data);
});

test('properties bytes decode as (pb * 5 + lp) * 9 + lc; 225 and above are invalid', () => {
  assert.deepEqual(decodeLzmaProps(0x5d), { lc: 3, lp: 0, pb: 2 });
  assert.equal(decodeLzmaProps(225), undefined);
});

test('a damaged or truncated stream fails with an LzmaError, never runs past its buffers', { skip }, () => {
  const data = sample();
  const z = xzRaw(data, 'preset=6');
  const d = new LzmaDecoder();
  assert.throws(() => d.decode(z.subarray(0, z.length >> 1), new Uint8Array(data.length), { lc: 3, lp: 0, pb: 2 }, true), LzmaError);
  let failures = 0;
  for (let k = 0; k < 40; k++) {
    const bad = z.slice();
    for (let i = 0; i < 8; i++) bad[(k * 977 + i * 131) % bad.length] ^= 0x55 + i;
    try {
      d.decode(bad, new Uint8Array(data.length), { lc: 3, lp: 0, pb: 2 }, false);
    } catch (e) {
      assert.ok(e instanceof LzmaError, String(e));
      failures++;
    }
  }
  assert.ok(failures >= 38, `${failures} of 40 damaged streams rejected`);
});
