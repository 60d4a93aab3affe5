/** Opens an image file from disk with the right format reader, with its extra devices when it has any. */
import { openImage } from '../../shared/open.ts';
import type { ByteSource } from '../../shared/bytes/source.ts';
import type { ImageReader } from '../../shared/model.ts';
import { declaredDevices, findDevicePaths } from './devices.ts';
import { fileSource } from './file-source.ts';

export interface OpenFileOptions {
  /** Paths of the image's extra devices in device-table order (e.g. the tarball of a --tar=i image). */
  devices?: string[];
}

export async function openImageFile(path: string, options: OpenFileOptions = {}): Promise<ImageReader> {
  const src = await fileSource(path);
  const devices: (ByteSource | undefined)[] = [];
  const closeAll = async () => {
    for (const d of devices) await d?.close?.();
    await src.close?.();
  };
  try {
    const { slots, blockSize } = await declaredDevices(src);
    if (slots.length === 0 && options.devices?.length) throw new Error(`${path}: --device given, but the image declares no extra devices`);
    for (const p of slots.length ? await findDevicePaths(path, slots, blockSize, options.devices) : []) {
      // A device that cannot be found stays a gap: the reader names it when its data is read.
      devices.push(p ? await fileSource(p) : undefined);
    }
    const reader = await openImage(src, devices.length ? { devices } : {});
    const close = reader.close.bind(reader);
    reader.close = async () => {
      await close();
      for (const d of devices) await d?.close?.();
    };
    return reader;
  } catch (e) {
    await closeAll();
    throw e;
  }
}
