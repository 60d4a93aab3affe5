/**
 * Loads what RAFS v6 keeps beside the EROFS tree: the extended superblock, the blob table, the
 * chunk table and the prefetch table, each validated as RafsV6SuperBlockExt::validate and
 * RafsV6Blob::validate do. A table that cannot be read is a finding and is left empty; the EROFS
 * tree stays browsable.
 */
import { Cursor, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import type { Finding } from '../model.ts';
import { decodeChunkInfos, type RafsChunkInfo } from './chunk-info.ts';
import { nydusFinding } from './codes.ts';
import { decodePrefetchTable, type PrefetchTable } from './prefetch-table.ts';
import {
  BLOB_FEATURE_INCOMPAT_MASK,
  BLOB_FEATURE_INCOMPAT_VALUE,
  BLOB_SHA256_LEN,
  CIPHER_ALGORITHMS,
  COMPRESS_ALGORITHMS,
  DIGEST_ALGORITHMS,
  EROFS_EXT_SUPER_BLOCK_OFFSET,
  EROFS_EXT_SUPER_BLOCK_SIZE,
  RAFS_CHUNK_INFO_SIZE,
  RAFS_FLAGS_COMPRESSION,
  RAFS_FLAGS_HASH,
  RAFS_FLAGS_KNOWN,
  RAFS_MAX_CHUNK_SIZE,
  RAFSV6_BLOB_ENTRY_SIZE,
} from './rafs_fs.ts';
import { decodeRafsV6BlobTable, type RafsV6Blob } from './v6-blob.ts';
import { decodeRafsV6SuperBlockExt, type RafsV6SuperBlockExt } from './v6-superblock-ext.ts';

/** Tables above this size are refused rather than read (a 64 MiB chunk table is ~800,000 chunks). */
export const MAX_TABLE_BYTES = 64 << 20;
const BLOCK = 4096;

export interface RafsV6Meta {
  ext: RafsV6SuperBlockExt;
  blobs: RafsV6Blob[];
  chunkTable: RafsChunkInfo[];
  prefetch?: PrefetchTable;
  findings: Finding[];
}

const popcount = (v: number): number => {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
};
const isPow2 = (v: number): boolean => v > 0 && popcount(v) === 1;

function extRules(ext: RafsV6SuperBlockExt, out: Finding[]): void {
  const [fo, fl] = ext.fieldRanges['s_flags']!;
  const comp = popcount(ext.flags & RAFS_FLAGS_COMPRESSION);
  const hash = popcount(ext.flags & RAFS_FLAGS_HASH);
  const unknown = ext.flags & ~RAFS_FLAGS_KNOWN;
  if (comp !== 1 || hash !== 1 || unknown) {
    out.push(nydusFinding('nydus.superblock.flags', fo, fl, `RAFS v6 flags ${hex(ext.flags)} set ${comp} compression and ${hash} digest flags${unknown ? `, unknown bits ${hex(unknown)}` : ''}`, {
      expected: 'one compression flag, one digest flag', actual: hex(ext.flags),
    }));
  }
  if (!isPow2(ext.chunkSize) || ext.chunkSize < BLOCK || ext.chunkSize > RAFS_MAX_CHUNK_SIZE) {
    const [o, l] = ext.fieldRanges['s_chunk_size']!;
    out.push(nydusFinding('nydus.superblock.chunk-size', o, l, `chunk size ${ext.chunkSize} is not a power of two from 4096 to ${RAFS_MAX_CHUNK_SIZE}`, { actual: String(ext.chunkSize) }));
  }
}

/** A table's [offset, size] checked against the bootstrap; undefined (with a finding) when unusable. */
function tableRange(
  ext: RafsV6SuperBlockExt, size: number, out: Finding[], code: 'nydus.v6.blob-table' | 'nydus.v6.chunk-table' | 'nydus.v6.prefetch-table',
  offField: string, sizeField: string, offset: number, length: number, unit: number, aligned: boolean, devtEnd: number,
): [number, number] | undefined {
  if (length === 0) return undefined;
  const [o] = ext.fieldRanges[offField]!;
  const [so, sl] = ext.fieldRanges[sizeField]!;
  const what = code.slice('nydus.v6.'.length).replace('-', ' ');
  const problem =
    offset + length > size ? `runs past the bootstrap end (${size} bytes)`
    : length > MAX_TABLE_BYTES ? `is larger than ${MAX_TABLE_BYTES} bytes`
    : length % unit ? `is not a whole number of ${unit}-byte entries`
    : offset < BLOCK || offset < devtEnd ? 'starts inside the superblock block or the device table'
    : aligned && offset % BLOCK ? 'is not block-aligned'
    : undefined;
  if (!problem) return [offset, length];
  out.push(nydusFinding(code, o, so + sl - o, `${what} ${hex(offset)}+${length} ${problem}`, { actual: `${hex(offset)}+${length}` }));
  return undefined;
}

function blobRules(b: RafsV6Blob, i: number, ext: RafsV6SuperBlockExt, out: Finding[]): void {
  const at = (n: string) => b.fieldRanges[n]!;
  if (b.blobId.length !== BLOB_SHA256_LEN || !/^[0-9a-f]*$/.test(b.blobId)) {
    out.push(nydusFinding('nydus.blob.id', ...at('blob_id'), `blob ${i}: id "${b.blobId}" is not 64 hex digits`, { actual: b.blobId }));
  }
  if (b.blobIndex !== i) {
    out.push(nydusFinding('nydus.v6.blob.index', ...at('blob_index'), `blob table entry ${i} records blob_index ${b.blobIndex}`, { expected: String(i), actual: String(b.blobIndex) }));
  }
  if (b.chunkSize !== ext.chunkSize) {
    out.push(nydusFinding('nydus.v6.blob.chunk-size', ...at('chunk_size'), `blob ${i}: chunk size ${b.chunkSize} differs from the superblock's ${ext.chunkSize}`, { expected: String(ext.chunkSize), actual: String(b.chunkSize) }));
  }
  for (const [name, table, v] of [
    ['compression_algo', COMPRESS_ALGORITHMS, b.compressionAlgo],
    ['ci_compressor', COMPRESS_ALGORITHMS, b.ciCompressor],
    ['digest_algo', DIGEST_ALGORITHMS, b.digestAlgo],
    ['cipher_algo', CIPHER_ALGORITHMS, b.cipherAlgo],
  ] as const) {
    if (v >= table.length) out.push(nydusFinding('nydus.blob.algorithm', ...at(name), `blob ${i}: ${name} ${v} names no known algorithm`, { expected: `0..${table.length - 1}`, actual: String(v) }));
  }
  if (b.features & BLOB_FEATURE_INCOMPAT_MASK & ~BLOB_FEATURE_INCOMPAT_VALUE || b.features & 0x8000_0000) {
    out.push(nydusFinding('nydus.blob.features', ...at('features'), `blob ${i}: unknown feature bits in ${hex(b.features)}`, { actual: hex(b.features) }));
  }
}

export async function loadRafsV6Meta(src: ByteSource, devtEnd: number): Promise<RafsV6Meta> {
  const findings: Finding[] = [];
  const size = src.size;
  const extBytes = await src.read(EROFS_EXT_SUPER_BLOCK_OFFSET, EROFS_EXT_SUPER_BLOCK_SIZE);
  const ext = decodeRafsV6SuperBlockExt(new Cursor(extBytes, EROFS_EXT_SUPER_BLOCK_OFFSET));
  extRules(ext, findings);

  const blobRange = tableRange(ext, size, findings, 'nydus.v6.blob-table', 's_blob_table_offset', 's_blob_table_size', ext.blobTableOffset, ext.blobTableSize, RAFSV6_BLOB_ENTRY_SIZE, true, devtEnd);
  const blobs = blobRange ? decodeRafsV6BlobTable(new Cursor(await src.read(...blobRange), blobRange[0]), blobRange[1]) : [];
  blobs.forEach((b, i) => blobRules(b, i, ext, findings));

  const chunkRange = tableRange(ext, size, findings, 'nydus.v6.chunk-table', 's_chunk_table_offset', 's_chunk_table_size', ext.chunkTableOffset, ext.chunkTableSize, RAFS_CHUNK_INFO_SIZE, true, devtEnd);
  const chunkTable = chunkRange ? decodeChunkInfos(new Cursor(await src.read(...chunkRange), chunkRange[0]), chunkRange[1] / RAFS_CHUNK_INFO_SIZE) : [];

  // Legacy RAFS may write a size with a zero offset for an empty filesystem; nydusd ignores that.
  const pfRange = ext.prefetchTableOffset
    ? tableRange(ext, size, findings, 'nydus.v6.prefetch-table', 's_prefetch_table_offset', 's_prefetch_table_size', ext.prefetchTableOffset, ext.prefetchTableSize, 4, false, devtEnd)
    : undefined;
  const prefetch = pfRange ? decodePrefetchTable(new Cursor(await src.read(...pfRange), pfRange[0]), pfRange[1] / 4) : undefined;
  return { ext, blobs, chunkTable, ...(prefetch ? { prefetch } : {}), findings };
}
