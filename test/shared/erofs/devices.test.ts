/** Device slots, the kernel's device id mask, and where data on an extra device is read from. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cursor, DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { decodeDeviceSlot, deviceIdMask, deviceLabel, resolveDevice, type DeviceTable } from '../../../shared/erofs/devices.ts';

function slotBytes(tag: string | Uint8Array, blocks: number, mapped: number): Uint8Array {
  const b = new Uint8Array(128);
  b.set(typeof tag === 'string' ? new TextEncoder().encode(tag) : tag);
  const dv = new DataView(b.buffer);
  dv.setUint32(64, blocks, true);
  dv.setUint32(68, mapped, true);
  return b;
}

test('a device slot decodes its NUL-terminated tag, block count and mapped block address', () => {
  const s = decodeDeviceSlot(new Cursor(slotBytes('layer-1.blob', 4096, 0), 1152), 1);
  assert.deepEqual([s.id, s.offset, new TextDecoder().decode(s.tag), s.blocks, s.mappedBlkaddr], [1, 1152, 'layer-1.blob', 4096, 0]);
  assert.equal(deviceLabel(s), 'blob 1 (layer-1.blob)');
  const digest = decodeDeviceSlot(new Cursor(slotBytes(Uint8Array.from([0xde, 0xad, 0x01]), 0, 0), 0), 2);
  assert.equal(deviceLabel(digest), 'blob 2 (dead01)');
  assert.equal(deviceLabel(decodeDeviceSlot(new Cursor(new Uint8Array(128), 0), 3)), 'blob 3');
});

test('device ids are masked to the next power of two above the device count, as the kernel does', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 7, 8].map(deviceIdMask), [0, 1, 3, 3, 7, 7, 15]);
});

test('data on a device reads from the source given for it, else from the image when mapped (flat), else names the blob', () => {
  const table: DeviceTable = {
    offset: 1152,
    length: 256,
    idMask: 3,
    slots: [decodeDeviceSlot(new Cursor(slotBytes('one', 10, 0), 1152), 1), decodeDeviceSlot(new Cursor(slotBytes('two', 10, 50), 1280), 2)],
  };
  const where = { nid: 7, offset: 224, length: 32 };
  const given = memorySource(new Uint8Array(4096));
  assert.equal(resolveDevice(table, [given], 1, 4096, where).source, given);
  assert.deepEqual(resolveDevice(table, [given], 2, 4096, where), { source: 'image', base: 50 * 4096 });
  assert.throws(() => resolveDevice(table, undefined, 1, 4096, where), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.data.device' && /blob 1 \(one\)/.test(e.message) && e.offset === 224);
  assert.throws(() => resolveDevice(table, undefined, 3, 4096, where), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.data.device-id' && /declares 2 extra devices/.test(e.message));
  assert.throws(() => resolveDevice(undefined, undefined, 1, 4096, where), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.data.device-id');
});
