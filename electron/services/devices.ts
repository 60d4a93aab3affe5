/**
 * Extra devices of an EROFS image, found on disk (Node side). An index-only image
 * (`mkfs.erofs --tar=i`) keeps its file data in the unmodified tarball, declared as device 1; the
 * device table records its size but mkfs leaves the tag empty, so the tarball is found as:
 *   1. the path given (`--device PATH`, or chosen in the app), in device-table order;
 *   2. a file beside the image named by the slot's tag, when the tag is printable text;
 *   3. the only `*.tar` file beside the image large enough for the device's blocks.
 * A device not found stays unopened: reading its data then fails with a message naming it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Cursor } from '../../shared/bytes/cursor.ts';
import type { ByteSource } from '../../shared/bytes/source.ts';
import { decodeDeviceTable, deviceTableRange, type DeviceSlot } from '../../shared/erofs/devices.ts';
import { EROFS_SUPER_MAGIC_V1, EROFS_SUPER_OFFSET } from '../../shared/erofs/erofs_fs.ts';
import { decodeSuperblock } from '../../shared/erofs/superblock.ts';

/** The device slots an EROFS image declares, or [] for anything else (or a damaged table). */
export async function declaredDevices(src: ByteSource): Promise<{ slots: DeviceSlot[]; blockSize: number }> {
  const none = { slots: [], blockSize: 0 };
  if (src.size < EROFS_SUPER_OFFSET + 128) return none;
  const head = await src.read(0, EROFS_SUPER_OFFSET + 128);
  if (new Cursor(head, 0, EROFS_SUPER_OFFSET).u32('magic') !== EROFS_SUPER_MAGIC_V1) return none;
  try {
    const { sb } = decodeSuperblock(new Cursor(head, 0, EROFS_SUPER_OFFSET));
    if (!sb.extraDevices) return none;
    const t = deviceTableRange(sb);
    if (t.offset + t.length > src.size) return none;
    return { slots: decodeDeviceTable(await src.read(t.offset, t.length), sb).slots, blockSize: 2 ** sb.blkszbits };
  } catch {
    return none; // the reader reports a damaged superblock or table itself
  }
}

const printable = (tag: Uint8Array) => tag.length > 0 && tag.every((b) => b > 0x20 && b < 0x7f && b !== 0x2f);

/** Paths for each declared device (undefined where none is found), given paths first. */
export async function findDevicePaths(imagePath: string, slots: DeviceSlot[], blockSize: number, given: string[] = []): Promise<(string | undefined)[]> {
  const dir = dirname(imagePath);
  let names: string[] | undefined;
  const listing = async () => (names ??= await readdir(dir).catch(() => []));
  const out: (string | undefined)[] = [];
  for (const [i, slot] of slots.entries()) {
    if (given[i]) {
      out.push(given[i]);
      continue;
    }
    if (printable(slot.tag)) {
      const p = join(dir, String.fromCharCode(...slot.tag));
      if ((await stat(p).catch(() => undefined))?.isFile()) {
        out.push(p);
        continue;
      }
    }
    const need = slot.blocks * blockSize;
    const tars: string[] = [];
    for (const n of await listing()) {
      if (!n.endsWith('.tar') || n === basename(imagePath)) continue;
      const st = await stat(join(dir, n)).catch(() => undefined);
      if (st?.isFile() && st.size >= need) tars.push(join(dir, n));
    }
    out.push(slots.length === 1 && tars.length === 1 ? tars[0] : undefined);
  }
  return out;
}
