import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createByteSet } from '../../../shared/bytes/byte-set.ts';

test('ByteSet counts distinct byte strings exactly, through growth, empty and prefix-sharing members', () => {
  const s = createByteSet();
  const enc = (t: string) => new TextEncoder().encode(t);
  const fresh: boolean[] = [];
  for (let i = 0; i < 20_000; i++) fresh.push(s.add(enc(`ab/${i.toString(16).padStart(62, '0')}`)));
  assert.equal(fresh.filter(Boolean).length, 20_000);
  assert.equal(s.add(enc(`ab/${(77).toString(16).padStart(62, '0')}`)), false);
  assert.equal(s.add(new Uint8Array(0)), true);
  assert.equal(s.add(new Uint8Array(0)), false);
  assert.equal(s.add(enc('ab')), true);
  assert.equal(s.add(enc('ab\0')), true);
  assert.equal(s.size, 20_003);
});

test('ByteSet tells packed object names from plain members that look alike, and keeps members longer than the header can hold', () => {
  const s = createByteSet();
  const enc = (t: string) => new TextEncoder().encode(t);
  const members = [
    'ab/cd', 'ab/cdef', 'ab/cde', 'AB/cd', 'ab/Cd', 'abx/cd', 'ab/cd/', 'a/bcd', 'ab/c', '00/00', '00/000', 'ab', '\u0001', '\u0001\u0002',
    `ab/${'0'.repeat(62)}`, `ab/${'0'.repeat(64)}`, 'z'.repeat(63), 'z'.repeat(64), 'z'.repeat(200), `cd/${'f'.repeat(300)}`,
  ];
  for (const m of members) assert.equal(s.add(enc(m)), true, m);
  for (const m of members) assert.equal(s.add(enc(m)), false, m);
  const huge = new Uint8Array(20_000).fill(0x61);
  assert.equal(s.add(huge), true);
  assert.equal(s.add(huge.slice()), false);
  huge[19_999] = 0x62;
  assert.equal(s.add(huge), true);
  assert.equal(s.size, members.length + 2);
});

test('ByteSet agrees with a Set of strings on random members drawn from a small alphabet (hex, slash, other)', () => {
  const s = createByteSet();
  const ref = new Set<string>();
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const alphabet = '0123456789abcdef/xA';
  for (let i = 0; i < 30_000; i++) {
    const len = rnd(9);
    let t = rnd(3) === 0 ? `${alphabet[rnd(16)]}${alphabet[rnd(16)]}/` : '';
    for (let k = 0; k < len; k++) t += alphabet[rnd(rnd(4) === 0 ? alphabet.length : 16)];
    assert.equal(s.add(new TextEncoder().encode(t)), !ref.has(t), t);
    ref.add(t);
  }
  assert.equal(s.size, ref.size);
});
