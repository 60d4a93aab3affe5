/** Opens an image file from disk with the right format reader. */
import { openImage } from '../../shared/open.ts';
import type { ImageReader } from '../../shared/model.ts';
import { fileSource } from './file-source.ts';
import { blobDirsFor, blobResolver } from './nydus-blobs.ts';

export interface OpenFileOptions {
  /** Directories to search first for Nydus data blobs (--blob-dir, the app's store choice). */
  blobDirs?: readonly string[];
}

export async function openImageFile(path: string, options: OpenFileOptions = {}): Promise<ImageReader> {
  const src = await fileSource(path);
  try {
    return await openImage(src, { blobs: blobResolver(blobDirsFor(path, options.blobDirs)) });
  } catch (e) {
    await src.close?.();
    throw e;
  }
}
