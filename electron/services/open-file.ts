/**
 * Opens an image file from disk with the right format reader, with what it needs beside it: the
 * extra devices of an EROFS image (the tarball of an index-only image), a Nydus bootstrap's blobs,
 * or a casync index's chunk store.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { detectFormat, openImage } from '../../shared/open.ts';
import { EROFS_SUPER_OFFSET } from '../../shared/erofs/erofs_fs.ts';
import type { ByteSource, SiblingFiles } from '../../shared/bytes/source.ts';
import type { ImageReader } from '../../shared/model.ts';
import { declaredDevices, findDevicePaths } from './devices.ts';
import { fileSource } from './file-source.ts';
import { blobDirsFor, blobResolver } from './nydus-blobs.ts';

export interface OpenFileOptions {
  /** Paths of the image's extra devices in device-table order (e.g. the tarball of a --tar=i image). */
  devices?: string[];
  /** Directories to search first for Nydus data blobs (--blob-dir, the app's store choice). */
  blobDirs?: readonly string[];
}

/**
 * Files beside the image (a casync chunk store), by relative path. Paths that climb out of the
 * image's folder or name it absolutely are refused: the names come from the image's own bytes.
 */
export function siblingFiles(imagePath: string): SiblingFiles {
  const dir = dirname(imagePath);
  return {
    where: dir,
    async read(relativePath, maxBytes) {
      const parts = relativePath.split('/');
      if (relativePath.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
        throw new Error(`refusing the path "${relativePath}": it must stay inside ${dir}`);
      }
      const path = join(dir, ...parts);
      try {
        const st = await stat(path);
        if (!st.isFile()) return undefined;
        if (st.size > maxBytes) throw new Error(`${path} holds ${st.size} bytes, more than the ${maxBytes} expected`);
        return new Uint8Array(await readFile(path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR') return undefined;
        throw e;
      }
    },
  };
}

const DETECT_BYTES = EROFS_SUPER_OFFSET + 128;

export async function openImageFile(path: string, options: OpenFileOptions = {}): Promise<ImageReader> {
  const src = await fileSource(path);
  const devices: (ByteSource | undefined)[] = [];
  const closeAll = async () => {
    for (const d of devices) await d?.close?.();
    await src.close?.();
  };
  try {
    // Nydus bootstraps name their blobs in the same device table; the blob resolver finds those.
    const format = detectFormat(await src.read(0, Math.min(src.size, DETECT_BYTES)));
    const { slots, blockSize } = format === 'erofs' || format === 'composefs' ? await declaredDevices(src) : { slots: [], blockSize: 0 };
    if (slots.length === 0 && options.devices?.length) throw new Error(`${path}: --device given, but the image declares no extra devices`);
    for (const p of slots.length ? await findDevicePaths(path, slots, blockSize, options.devices) : []) {
      // A device that cannot be found stays a gap: the reader names it when its data is read.
      devices.push(p ? await fileSource(p) : undefined);
    }
    const reader = await openImage(src, {
      ...(devices.length ? { devices } : {}),
      blobs: blobResolver(blobDirsFor(path, options.blobDirs)),
      siblings: siblingFiles(path),
    });
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
