/**
 * The splitstream reader on hostile input: seeded mutations of splitstreams our own test writer
 * makes from composefs-rs's documented format (test/helpers/splitstream-writer.ts; no independent
 * producer runs here). Whatever the bytes, reading and reassembling either succeed or fail with a
 * DecodeError: never another exception, a crash, a hang (each test has a timeout) or an allocation
 * the budgets do not bound. Every case reproduces from its seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { readSplitStream, reassembledSource, type ChunkObject } from '../../../shared/splitstream/reader.ts';
import { mulberry32 } from '../../helpers/prng.ts';
import { writeSplitstream, zstdCompress } from '../../helpers/splitstream-writer.ts';

const enc = new TextEncoder();
const digest = (fill: number) => new Uint8Array(32).fill(fill);
const OBJECTS = [enc.encode('x'.repeat(700)), enc.encode('second object'), new Uint8Array(0)];
const objects: ChunkObject[] = OBJECTS.map((o) => ({ size: o.length, read: async (off, n) => o.subarray(off, off + n) }));

const SEED_STREAM = writeSplitstream({
  contentType: 'ocilayer',
  streamRefs: [digest(0x11), digest(0x22)],
  objectRefs: [digest(0xa1), digest(0xb2), digest(0xc3)],
  chunks: [{ inline: enc.encode('header'.repeat(20)) }, { object: 0 }, { inline: enc.encode('pad') }, { object: 1 }, { object: 2 }, { object: 0 }],
  namedRefs: [{ stream: 0, name: 'composefs.image' }, { stream: 1, name: 'config:sha256:00' }],
  streamSize: 120 + 700 + 3 + 13 + 0 + 700,
});

type Outcome = 'read' | `DecodeError ${string}`;

/** Reads, reassembles and reads back every byte and a few ranges; any non-DecodeError fails the case. */
async function exercise(bytes: Uint8Array, rnd: () => number): Promise<Outcome> {
  try {
    const ss = await readSplitStream(memorySource(bytes));
    const src = reassembledSource(ss, objects);
    // Whole reads only where the budget-bounded stream is small; ranges everywhere.
    if (src.size <= 1 << 20) assert.equal((await src.read(0, src.size)).length, src.size);
    for (let i = 0; i < 4; i++) {
      const off = Math.floor(rnd() * (src.size + 8));
      const n = Math.floor(rnd() * 64);
      try {
        assert.equal((await src.read(off, n)).length, n);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }
    return 'read';
  } catch (e) {
    if (e instanceof DecodeError) return `DecodeError ${e.code}`;
    throw e;
  }
}

const flip = (base: Uint8Array, rnd: () => number, from = 0, to = base.length) => {
  const b = base.slice();
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) b[from + Math.floor(rnd() * (to - from))] = Math.floor(rnd() * 256);
  return b;
};

test('the unmutated seed reads and reassembles', async () => {
  assert.equal(await exercise(SEED_STREAM, mulberry32(1)), 'read');
});

test('random byte changes anywhere in the file: read or DecodeError, nothing else', { timeout: 120_000 }, async () => {
  const outcomes = new Map<string, number>();
  for (let seed = 1; seed <= 400; seed++) {
    const rnd = mulberry32(seed);
    const o = await exercise(flip(SEED_STREAM, rnd), rnd).catch((e: Error) => assert.fail(`seed ${seed}: ${e.stack}`));
    outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  }
  // The mutations reach past the header: more than one kind of damage is found.
  assert.ok(outcomes.size >= 4, JSON.stringify([...outcomes]));
});

test('header and info fields set to extreme values: read or DecodeError', { timeout: 120_000 }, async () => {
  const EXTREMES = [0n, 1n, 31n, 32n, 112n, 0x7fffffffn, 0xffffffffn, 1n << 53n, (1n << 63n) - 1n, -1n, -(1n << 63n)];
  let cases = 0;
  // The header's info range (16..32) and every u64 of the info section (32..112).
  for (let at = 16; at < 112; at += 8) {
    for (const v of EXTREMES) {
      const b = SEED_STREAM.slice();
      new DataView(b.buffer).setBigInt64(at, v, true);
      const o = await exercise(b, mulberry32(at)).catch((e: Error) => assert.fail(`u64 at ${at} = ${v}: ${e.stack}`));
      assert.match(o, /^(read|DecodeError [a-z.-]+)$/);
      cases++;
    }
  }
  assert.equal(cases, 12 * EXTREMES.length);
});

test('every truncation of the file: DecodeError, never a partial result', { timeout: 120_000 }, async () => {
  for (let n = 0; n < SEED_STREAM.length; n++) {
    const o = await exercise(SEED_STREAM.subarray(0, n), mulberry32(n)).catch((e: Error) => assert.fail(`truncated to ${n}: ${e.stack}`));
    assert.match(o, /^DecodeError /, `truncated to ${n} bytes`);
  }
});

test('random chunk streams and named refs inside valid zstd: read or DecodeError', { timeout: 120_000 }, async () => {
  const le64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    return b;
  };
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 30; seed++) {
    const rnd = mulberry32(seed * 7919);
    const parts: Uint8Array[] = [];
    for (let i = 0, n = Math.floor(rnd() * 8); i < n; i++) {
      const r = rnd();
      if (r < 0.4) parts.push(le64(BigInt(-Math.floor(rnd() * 40))), enc.encode('y'.repeat(Math.floor(rnd() * 40))));
      else if (r < 0.8) parts.push(le64(BigInt(Math.floor(rnd() * 5))));
      else parts.push(le64(BigInt.asIntN(64, BigInt(Math.floor(rnd() * 2 ** 52)) * 4099n)));
    }
    const stream = Uint8Array.from(parts.flatMap((p) => [...p]));
    const named = enc.encode(['0:a\0', `${Math.floor(rnd() * 4)}:b\0`, rnd() < 0.5 ? 'no-colon\0' : '1:c', rnd() < 0.5 ? '' : ':\0'].join(''));
    const base = writeSplitstream({ streamRefs: [digest(1), digest(2)], objectRefs: [digest(3), digest(4), digest(5)], chunks: [], streamSize: 0 });
    // Replace the (empty) stream and named-refs sections with these, keeping the layout valid.
    const s = zstdCompress(stream);
    const nr = zstdCompress(named);
    const head = base.subarray(0, 32 + 80 + 64 + 96);
    const b = new Uint8Array(head.length + s.length + nr.length);
    b.set(head);
    b.set(s, head.length);
    b.set(nr, head.length + s.length);
    const dv = new DataView(b.buffer);
    const streamAt = BigInt(head.length);
    dv.setBigUint64(32 + 32, streamAt, true);
    dv.setBigUint64(32 + 40, streamAt + BigInt(s.length), true);
    dv.setBigUint64(32 + 48, streamAt + BigInt(s.length), true);
    dv.setBigUint64(32 + 56, streamAt + BigInt(s.length + nr.length), true);
    dv.setBigUint64(32 + 72, BigInt(Math.floor(rnd() * 2000)), true);
    const o = await exercise(b, rnd).catch((e: Error) => assert.fail(`seed ${seed}: ${e.stack}`));
    kinds.add(o);
  }
  assert.ok([...kinds].every((k) => /^(read|DecodeError [a-z.-]+)$/.test(k)), [...kinds].join(', '));
  assert.ok(kinds.has('DecodeError splitstream.chunk'), [...kinds].join(', '));
});

test('a stream section that decompresses past the budget stops with budget.decompressed-bytes', { timeout: 120_000 }, async () => {
  // 300 MiB of zeros compress to a few KiB: far above 1100x, and above the 256 MiB floor.
  const bomb = zstdCompress(new Uint8Array(300 << 20));
  const base = writeSplitstream({ chunks: [], streamSize: 0 });
  const b = new Uint8Array(base.length + bomb.length);
  b.set(base);
  b.set(bomb, base.length);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(32 + 32, BigInt(base.length), true);
  dv.setBigUint64(32 + 40, BigInt(base.length + bomb.length), true);
  dv.setBigUint64(32 + 48, BigInt(base.length + bomb.length), true);
  dv.setBigUint64(32 + 56, BigInt(base.length + bomb.length), true);
  await assert.rejects(readSplitStream(memorySource(b)), (e: unknown) => e instanceof DecodeError && e.code === 'budget.decompressed-bytes' && e.offset === base.length);
});
