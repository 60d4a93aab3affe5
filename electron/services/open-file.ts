/** Opens an image file from disk with the right format reader. */
import { openImage } from '../../shared/open.ts';
import type { ImageReader } from '../../shared/model.ts';
import { fileSource } from './file-source.ts';

export async function openImageFile(path: string): Promise<ImageReader> {
  const src = await fileSource(path);
  try {
    return await openImage(src);
  } catch (e) {
    await src.close?.();
    throw e;
  }
}
