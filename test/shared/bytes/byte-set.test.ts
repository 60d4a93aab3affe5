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
