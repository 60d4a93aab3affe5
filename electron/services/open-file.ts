/** Opens an image file from disk with the right format reader. */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SiblingFiles } from '../../shared/bytes/source.ts';
import { openImage } from '../../shared/open.ts';
import type { ImageReader } from '../../shared/model.ts';
import { fileSource } from './file-source.ts';

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

export async function openImageFile(path: string): Promise<ImageReader> {
  const src = await fileSource(path);
  try {
    return await openImage(src, { siblings: siblingFiles(path) });
  } catch (e) {
    await src.close?.();
    throw e;
  }
}
