import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import {
  decodeDescriptor,
  encodeDescriptor,
  FS_VERITY_DESCRIPTOR_SIZE,
  FS_VERITY_HASH_ALG_SHA256,
} from '../../../shared/verity/descriptor.ts';

const root = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

test('the descriptor puts each field at its fsverity.h offset', () => {
  const d = encodeDescriptor({ hashAlgorithm: FS_VERITY_HASH_ALG_SHA256, logBlockSize: 12, dataSize: 0x123456789a, rootHash: root });
  assert.equal(d.length, FS_VERITY_DESCRIPTOR_SIZE);
  assert.deepEqual([...d.subarray(0, 8)], [1, 1, 12, 0, 0, 0, 0, 0]);
  assert.deepEqual([...d.subarray(8, 16)], [0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0, 0]);
  assert.deepEqual(d.subarray(16, 48), root);
  assert.ok(d.subarray(48).every((b) => b === 0), 'root padding, salt and reserved are zero');
});

test('a descriptor decodes back to what was encoded', () => {
  const d = { hashAlgorithm: 1, logBlockSize: 12, dataSize: 2 ** 40 + 1, rootHash: root };
  assert.deepEqual(decodeDescriptor(encodeDescriptor(d)), d);
});

test('decoding names the byte range of a non-zero reserved field or a salt', () => {
  const bad = encodeDescriptor({ hashAlgorithm: 1, logBlockSize: 12, dataSize: 1, rootHash: root });
  bad[200] = 1;
  assert.throws(
    () => decodeDescriptor(bad, 0x1000),
    (e: unknown) => e instanceof DecodeError && e.offset === 0x1000 + 112 && e.length === 144,
  );
  const salted = encodeDescriptor({ hashAlgorithm: 1, logBlockSize: 12, dataSize: 1, rootHash: root });
  salted[3] = 8;
  assert.throws(() => decodeDescriptor(salted), (e: unknown) => e instanceof DecodeError && e.offset === 3);
  assert.throws(() => decodeDescriptor(bad.subarray(0, 100)), DecodeError);
});

test('sizes a descriptor cannot hold are refused', () => {
  assert.throws(() => encodeDescriptor({ hashAlgorithm: 1, logBlockSize: 12, dataSize: -1, rootHash: root }), RangeError);
  assert.throws(() => encodeDescriptor({ hashAlgorithm: 1, logBlockSize: 12, dataSize: 1, rootHash: new Uint8Array(65) }), RangeError);
});
