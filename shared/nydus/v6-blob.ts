/**
 * struct RafsV6Blob (256 bytes, layout/v6.rs): one entry of the RAFS v6 blob table: the blob's id
 * (sha256 hex), chunk size and count, compression/digest/cipher algorithms, feature bits, sizes, and
 * where the blob keeps its compression context (chunk info) table.
 */
import type { Cursor } from '../bytes/cursor.ts';
import { BLOB_SHA256_LEN, RAFSV6_BLOB_ENTRY_SIZE } from './rafs_fs.ts';

export interface RafsV6Blob {
  offset: number;
  /** The blob id as stored (NUL padding removed). */
  blobId: string;
  rawBlobId: Uint8Array;
  blobIndex: number;
  chunkSize: number;
  chunkCount: number;
  compressionAlgo: number;
  digestAlgo: number;
  features: number;
  compressedSize: number;
  uncompressedSize: number;
  blobTocSize: number;
  ciCompressor: number;
  ciOffset: number;
  ciCompressedSize: number;
  ciUncompressedSize: number;
  blobTocDigest: Uint8Array;
  blobMetaDigest: Uint8Array;
  blobMetaSize: number;
  cipherIv: Uint8Array;
  cipherAlgo: number;
  fieldRanges: Record<string, [number, number]>;
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

export function decodeRafsV6Blob(c: Cursor): RafsV6Blob {
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const offset = c.offset;
  const rawBlobId = field('blob_id', BLOB_SHA256_LEN, () => c.take(BLOB_SHA256_LEN, 'RafsV6Blob.blob_id'));
  const nul = rawBlobId.indexOf(0);
  const blob: RafsV6Blob = {
    offset,
    rawBlobId,
    blobId: latin1(nul < 0 ? rawBlobId : rawBlobId.subarray(0, nul)),
    blobIndex: field('blob_index', 4, () => c.u32('RafsV6Blob.blob_index')),
    chunkSize: field('chunk_size', 4, () => c.u32('RafsV6Blob.chunk_size')),
    chunkCount: field('chunk_count', 4, () => c.u32('RafsV6Blob.chunk_count')),
    compressionAlgo: field('compression_algo', 4, () => c.u32('RafsV6Blob.compression_algo')),
    digestAlgo: field('digest_algo', 4, () => c.u32('RafsV6Blob.digest_algo')),
    features: field('features', 4, () => c.u32('RafsV6Blob.features')),
    compressedSize: field('compressed_size', 8, () => c.u64('RafsV6Blob.compressed_size')),
    uncompressedSize: field('uncompressed_size', 8, () => c.u64('RafsV6Blob.uncompressed_size')),
    blobTocSize: field('blob_toc_size', 4, () => c.u32('RafsV6Blob.blob_toc_size')),
    ciCompressor: field('ci_compressor', 4, () => c.u32('RafsV6Blob.ci_compressor')),
    ciOffset: field('ci_offset', 8, () => c.u64('RafsV6Blob.ci_offset')),
    ciCompressedSize: field('ci_compressed_size', 8, () => c.u64('RafsV6Blob.ci_compressed_size')),
    ciUncompressedSize: field('ci_uncompressed_size', 8, () => c.u64('RafsV6Blob.ci_uncompressed_size')),
    blobTocDigest: field('blob_toc_digest', 32, () => c.take(32, 'RafsV6Blob.blob_toc_digest')),
    blobMetaDigest: field('blob_meta_digest', 32, () => c.take(32, 'RafsV6Blob.blob_meta_digest')),
    blobMetaSize: field('blob_meta_size', 8, () => c.u64('RafsV6Blob.blob_meta_size')),
    cipherIv: field('cipher_iv', 8, () => c.take(8, 'RafsV6Blob.cipher_iv')),
    cipherAlgo: field('cipher_algo', 4, () => c.u32('RafsV6Blob.cipher_algo')),
    fieldRanges: ranges,
  };
  field('reserved2', 36, () => c.skip(36, 'RafsV6Blob.reserved2'));
  return blob;
}

/** The blob table: `size / 256` entries. */
export function decodeRafsV6BlobTable(c: Cursor, size: number): RafsV6Blob[] {
  const out: RafsV6Blob[] = [];
  for (let i = 0; i < Math.floor(size / RAFSV6_BLOB_ENTRY_SIZE); i++) out.push(decodeRafsV6Blob(c));
  return out;
}
