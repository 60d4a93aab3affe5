/**
 * Loads a data blob's own chunk compression info array (storage/src/meta): ci_compressed_size bytes
 * at ci_offset in the blob, compressed with ci_compressor, BlobChunkInfoV1Ondisk or (CHUNK_INFO_V2)
 * BlobChunkInfoV2Ondisk records. Errors are about the blob table entry that locates the array.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { BLOB_CHUNK_INFO_V1_SIZE, BLOB_CHUNK_INFO_V2_SIZE, decodeBlobChunkInfoV1, decodeBlobChunkInfoV2, type BlobChunkInfoOndisk } from './blob-meta.ts';
import { readChunk } from './chunk-data.ts';
import { BLOB_FEATURE_CHUNK_INFO_V2, COMPRESS_ALGORITHMS, RAFS_MAX_CHUNK_SIZE } from './rafs_fs.ts';
import type { RafsV6Blob } from './v6-blob.ts';

/** storage/src/meta: the array is at most 24 bytes per chunk of a 2^24-chunk blob; we read up to 16 MiB. */
const MAX_CI_BYTES = RAFS_MAX_CHUNK_SIZE;

export async function loadBlobChunkInfos(file: ByteSource, entry: RafsV6Blob): Promise<BlobChunkInfoOndisk[]> {
  const [fo, fl] = entry.fieldRanges['ci_offset']!;
  const fail = (why: string): never => {
    throw new DecodeError(`blob ${entry.blobIndex}: chunk info array ${hex(entry.ciOffset)}+${entry.ciCompressedSize}: ${why}`, fo, fl + 16, 'nydus.v6.chunk.ci-table');
  };
  const v2 = (entry.features & BLOB_FEATURE_CHUNK_INFO_V2) !== 0;
  const unit = v2 ? BLOB_CHUNK_INFO_V2_SIZE : BLOB_CHUNK_INFO_V1_SIZE;
  if (entry.ciUncompressedSize > MAX_CI_BYTES || entry.ciCompressedSize > MAX_CI_BYTES) fail('larger than this reader loads');
  if (entry.ciUncompressedSize < entry.chunkCount * unit) fail(`holds fewer than the ${entry.chunkCount} records the blob table announces`);
  const algorithm = COMPRESS_ALGORITHMS[entry.ciCompressor] ?? fail(`compressor ${entry.ciCompressor} is unknown`);
  const bytes = await readChunk(file, {
    blobIndex: entry.blobIndex,
    compressedOffset: entry.ciOffset,
    compressedSize: entry.ciCompressedSize,
    uncompressedOffset: 0,
    uncompressedSize: entry.ciUncompressedSize,
    compressed: algorithm !== 'none',
    record: { offset: fo, length: fl + 16 },
  }, algorithm).catch((e: unknown) => fail((e as Error).message));
  const c = new Cursor(bytes, 0);
  const out: BlobChunkInfoOndisk[] = [];
  for (let i = 0; i < entry.chunkCount; i++) out.push(v2 ? decodeBlobChunkInfoV2(c) : decodeBlobChunkInfoV1(c));
  return out;
}
