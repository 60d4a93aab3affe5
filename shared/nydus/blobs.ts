/**
 * Finding a bootstrap's data blobs. The format core never touches files: whoever opens the image
 * (the Node side) passes a resolver that looks a blob id up beside the bootstrap, in blobs/, or in a
 * directory the user chose, and says where it found it.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';

export interface FoundBlob {
  source: ByteSource;
  /** Where it was found, for info and messages (a path on the Node side). */
  location: string;
}

export type BlobResolver = (blobId: string) => Promise<FoundBlob | undefined>;

export interface NydusOpenOptions {
  blobs?: BlobResolver;
}

/** Stands in for a blob that was not found: any read says which blob is missing. */
export function missingBlob(blobId: string, size: number, record: { offset: number; length: number }): ByteSource {
  return {
    size,
    read: async () => {
      throw new DecodeError(
        `the data lives in blob ${blobId}, which was not found beside the bootstrap, in blobs/ or in the blob directory (--blob-dir)`,
        record.offset,
        record.length,
        'nydus.blob.missing',
      );
    },
  };
}
