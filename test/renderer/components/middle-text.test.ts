/** Where a long name is cut: the tail that stays whole, counted in characters, never half a pair. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { middleParts, MIDDLE_TAIL } from '../../../renderer/components/MiddleText.tsx';

test('a long name keeps its last characters whole; a short one is not split', () => {
  assert.deepEqual(middleParts('very-long-name-of-a-config-file.name.conf'), ['very-long-name-of-a-config-file.', 'name.conf']);
  assert.equal(MIDDLE_TAIL, 9);
  assert.deepEqual(middleParts('a'.repeat(18)), ['a'.repeat(18), '']);
  assert.deepEqual(middleParts('a'.repeat(19)), ['a'.repeat(10), 'a'.repeat(9)]);
});

test('the tail is counted in code points: an astral character is never cut in two', () => {
  const name = '😀'.repeat(20);
  const [head, tail] = middleParts(name);
  assert.equal(Array.from(tail).length, 9);
  assert.equal(head + tail, name);
  assert.ok(Array.from(head).every((c) => c === '😀'));
});

test('a tab label keeps its whole file name with a short head before it', () => {
  assert.deepEqual(middleParts('…/02-fs-tree/image.cfs', 9, 2), ['…/02-fs-tree/', 'image.cfs']);
  assert.deepEqual(middleParts('…/image.cfs', 9, 2), ['…/image.cfs', '']);
  assert.deepEqual(middleParts('image.cfs', 9, 2), ['image.cfs', '']);
});
