/**
 * Multiple devices (EROFS_FEATURE_INCOMPAT_DEVICE_TABLE): struct erofs_deviceslot, 128 bytes each
 * at devt_slotoff * 128, one per extra device ("blob"). Chunk indexes name a device by id; id 0 is
 * the image itself and id N the N-th slot.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { toHex } from '../model.ts';
import type { Superblock } from './superblock.ts';

export const EROFS_DEVT_SLOT_SIZE = 128;
export const EROFS_DEVT_TAG_SIZE = 64;

export interface DeviceSlot {
  /** Device id as chunk indexes name it (1-based). */
  id: number;
  /** Absolute offset of the slot. */
  offset: number;
  /** Digest or name of the blob (NUL-padded); empty when the builder wrote none. */
  tag: Uint8Array;
  /** Total blocks of the device (0 when unknown). */
  blocks: number;
  /** Start of the device in a flat (unified) address space, or 0. */
  mappedBlkaddr: number;
}

export interface DeviceTable {
  offset: number;
  length: number;
  slots: DeviceSlot[];
  /** Chunk indexes' device_id is masked with this, as the kernel's device_id_mask. */
  idMask: number;
}

export function deviceTableRange(sb: Superblock): { offset: number; length: number } {
  return { offset: sb.devtSlotoff * EROFS_DEVT_SLOT_SIZE, length: sb.extraDevices * EROFS_DEVT_SLOT_SIZE };
}

/** roundup_pow_of_two(extra_devices + 1) - 1; 0 without extra devices (every id then means the image). */
export function deviceIdMask(extraDevices: number): number {
  if (extraDevices === 0) return 0;
  let p = 1;
  while (p < extraDevices + 1) p *= 2;
  return p - 1;
}

export function decodeDeviceSlot(c: Cursor, id: number): DeviceSlot {
  const offset = c.offset;
  const rawTag = c.take(EROFS_DEVT_TAG_SIZE, 'erofs_deviceslot.tag');
  const nul = rawTag.indexOf(0);
  const tag = nul < 0 ? rawTag : rawTag.subarray(0, nul);
  const blocks = c.u32('erofs_deviceslot.blocks');
  const mappedBlkaddr = c.u32('erofs_deviceslot.mapped_blkaddr');
  c.skip(EROFS_DEVT_SLOT_SIZE - EROFS_DEVT_TAG_SIZE - 8, 'erofs_deviceslot.reserved');
  return { id, offset, tag, blocks, mappedBlkaddr };
}

/** `bytes` holds the table (deviceTableRange) read from the image. */
export function decodeDeviceTable(bytes: Uint8Array, sb: Superblock): DeviceTable {
  const { offset, length } = deviceTableRange(sb);
  const c = new Cursor(bytes, offset);
  const slots: DeviceSlot[] = [];
  for (let i = 0; i < sb.extraDevices; i++) slots.push(decodeDeviceSlot(c, i + 1));
  return { offset, length, slots, idMask: deviceIdMask(sb.extraDevices) };
}

/** How a person recognises a blob: its tag as text when printable, else in hex. */
export function deviceLabel(slot: DeviceSlot): string {
  if (slot.tag.length === 0) return `blob ${slot.id}`;
  const printable = slot.tag.every((b) => b >= 0x20 && b < 0x7f);
  return `blob ${slot.id} (${printable ? String.fromCharCode(...slot.tag) : toHex(slot.tag)})`;
}

export interface DeviceRead {
  source: ByteSource | 'image';
  /** Byte offset on that source of the device's block 0. */
  base: number;
}

/**
 * Where device `id` is read from: the caller's source for it, or, for a device mapped into the
 * image's own address space (mapped_blkaddr, the kernel's flat mode), the image itself. Otherwise
 * the data cannot be read and the error names the blob.
 */
export function resolveDevice(
  table: DeviceTable | undefined,
  devices: (ByteSource | undefined)[] | undefined,
  id: number,
  blockSize: number,
  where: { nid: number; offset: number; length: number },
  imageSize = Infinity,
): DeviceRead {
  const slot = table?.slots[id - 1];
  if (!slot) {
    const n = table?.slots.length ?? 0;
    throw new DecodeError(
      `inode ${where.nid}: data on device ${id}, but the image declares ${n} extra device${n === 1 ? '' : 's'}`,
      where.offset,
      where.length,
      'erofs.data.device-id',
    );
  }
  const given = devices?.[id - 1];
  if (given) return { source: given, base: 0 };
  // Flat mode only when the image really holds the device (an index-only image records where the
  // tarball would follow it in a unified address space, but the tarball is a file of its own).
  if (slot.mappedBlkaddr && (slot.mappedBlkaddr + slot.blocks) * blockSize <= imageSize) return { source: 'image', base: slot.mappedBlkaddr * blockSize };
  throw new DecodeError(
    `inode ${where.nid}: data lives on ${deviceLabel(slot)}, which was not opened with the image (device slot at ${hex(slot.offset)})`,
    where.offset,
    where.length,
    'erofs.data.device',
  );
}
