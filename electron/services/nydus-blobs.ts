/**
 * Where a Nydus bootstrap's data blobs are looked for (Node side): the directories the user chose
 * first (--blob-dir, the app's store choice), then beside the bootstrap, then its blobs/ folder.
 * A blob is a file named by its id (sha256 hex); ids that are not plain hex are never used as paths.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobResolver } from '../../shared/nydus/blobs.ts';
import { fileSource } from './file-source.ts';

const BLOB_ID = /^[0-9a-f]{1,128}$/;

export function blobDirsFor(imagePath: string, chosen: readonly string[] = []): string[] {
  const here = dirname(imagePath);
  return [...chosen, here, join(here, 'blobs')];
}

export function blobResolver(dirs: readonly string[]): BlobResolver {
  return async (blobId) => {
    if (!BLOB_ID.test(blobId)) return undefined;
    for (const dir of dirs) {
      const path = join(dir, blobId);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      return { source: await fileSource(path), location: path };
    }
    return undefined;
  };
}
