/** The share request's arguments as the IPC boundary checks them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, validateArgs } from '../../electron/validate.ts';

test('share takes image ids and an optional power-of-two block size from 512 B to 1 MiB', () => {
  assert.deepEqual(validateArgs('share', [['img-1', 'img-2']]), [['img-1', 'img-2']]);
  assert.deepEqual(validateArgs('share', [['img-1', 'img-2'], { blockSize: 512 }]), [['img-1', 'img-2'], { blockSize: 512 }]);
  assert.deepEqual(validateArgs('share', [['a', 'b'], { blockSize: 1 << 20 }]), [['a', 'b'], { blockSize: 1 << 20 }]);
  assert.deepEqual(validateArgs('share', [['a', 'b'], {}]), [['a', 'b'], {}]);
});

test('share refuses odd block sizes, unknown options, path-like ids and too many images', () => {
  for (const bad of [256, 3000, 2 << 20, -4096, 4096.5, '4096']) {
    assert.throws(() => validateArgs('share', [['a', 'b'], { blockSize: bad }]), ArgumentError, String(bad));
  }
  assert.throws(() => validateArgs('share', [['a', 'b'], { compress: 'zstd' }]), /unknown option 'compress'/);
  assert.throws(() => validateArgs('share', [['a', '../b']]), ArgumentError);
  assert.throws(() => validateArgs('share', [Array.from({ length: 33 }, (_, i) => `i${i}`)]), ArgumentError);
  assert.throws(() => validateArgs('share', []), /imageIds is required/);
  assert.deepEqual(validateArgs('cancelShare', ['share-1']), ['share-1']);
  assert.throws(() => validateArgs('cancelShare', ['a/b']), ArgumentError);
});
