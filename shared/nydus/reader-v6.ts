/**
 * A Nydus RAFS v6 bootstrap as an ImageReader: the EROFS reader reads the tree, and each device
 * (blob) it addresses is the blob's uncompressed address space, decompressed chunk by chunk from
 * the blob file (blob-source.ts). What RAFS adds (extended superblock, blob, chunk and prefetch
 * tables) is decoded by v6-meta.ts and shown in info.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { loadBlobChunkInfos } from './blob-ci.ts';
import type { ByteSource } from '../bytes/source.ts';
import { decodeSuperblock } from '../erofs/superblock.ts';
import { decodeDeviceTable, deviceTableRange, type DeviceSlot } from '../erofs/devices.ts';
import { EROFS_SUPER_OFFSET } from '../erofs/erofs_fs.ts';
import type { RawInode } from '../erofs/inode.ts';
import { openErofs, type ErofsReader, type OpenErofsOptions } from '../erofs/reader.ts';
import type { ImageInfo, ImageNode } from '../model.ts';
import { blobSpace, type BlobSpace } from './blob-source.ts';
import { missingBlob, type FoundBlob, type NydusOpenOptions } from './blobs.ts';
import { isCompressed } from './chunk-info.ts';
import { chunkRecord, type ChunkRef } from './chunk-data.ts';
import {
  BLOB_FEATURES,
  BLOB_CHUNK_ENCRYPTED,
  COMPRESS_ALGORITHMS,
  DIGEST_ALGORITHMS,
  EROFS_EXT_SUPER_BLOCK_OFFSET,
  EROFS_EXT_SUPER_BLOCK_SIZE,
  RAFS_SUPER_FLAGS,
  compressionOfFlags,
  digestOfFlags,
  flagNames,
  type CompressAlgorithm,
  type DigestAlgorithm,
} from './rafs_fs.ts';
import { chunkKey, decodeRafsV6InodeChunkAddr, RAFSV6_CHUNK_ADDR_SIZE, type RafsV6InodeChunkAddr } from './v6-chunk-addr.ts';
import type { RafsV6Blob } from './v6-blob.ts';
import { loadRafsV6Meta, type RafsV6Meta } from './v6-meta.ts';

export interface NydusBlob {
  index: number;
  entry?: RafsV6Blob;
  slot?: DeviceSlot;
  id: string;
  compression: CompressAlgorithm;
  digest: DigestAlgorithm;
  file?: FoundBlob;
  /** The chunks the bootstrap records for this blob. */
  chunks: ChunkRef[];
  space?: BlobSpace;
}

export interface NydusV6Reader extends ErofsReader {
  readonly format: 'nydus-v6';
  readonly rafs: RafsV6Meta;
  readonly blobs: readonly NydusBlob[];
  /** A chunk-based file's chunk indexes as RAFS reads them. */
  chunkAddrs(ino: RawInode): Promise<RafsV6InodeChunkAddr[]>;
  /** The chunk table record an inode's chunk index names, as nydusd's chunk map finds it. */
  chunkOf(addr: RafsV6InodeChunkAddr): ChunkRef | undefined;
}

export const isNydusV6Reader = (r: { format: string }): r is NydusV6Reader => r.format === 'nydus-v6';

const algorithm = <T extends string>(table: readonly T[], v: number | undefined, fallback: T): T =>
  v !== undefined && v < table.length ? table[v]! : fallback;

function chunkRefs(meta: RafsV6Meta, blobIndex: number): ChunkRef[] {
  return meta.chunkTable
    .filter((c) => c.blobIndex === blobIndex)
    .map((c) => ({
      blobIndex,
      compressedOffset: c.compressedOffset,
      compressedSize: c.compressedSize,
      uncompressedOffset: c.uncompressedOffset,
      uncompressedSize: c.uncompressedSize,
      compressed: isCompressed(c),
      encrypted: (c.flags & BLOB_CHUNK_ENCRYPTED) !== 0,
      digest: c.blockId,
      record: chunkRecord(c.offset),
    }));
}

/**
 * Without a chunk table in the bootstrap, the blob's own chunk info array says where its chunks
 * are (no digests then). Unreadable, it is a finding and the blob's files cannot be read.
 */
async function ciChunkRefs(file: FoundBlob, entry: RafsV6Blob, meta: RafsV6Meta): Promise<ChunkRef[]> {
  try {
    const record = { offset: entry.offset, length: 256 };
    return (await loadBlobChunkInfos(file.source, entry)).map((c) => ({
      blobIndex: entry.blobIndex,
      compressedOffset: c.compressedOffset,
      compressedSize: c.compressedSize,
      uncompressedOffset: c.uncompressedOffset,
      uncompressedSize: c.uncompressedSize,
      compressed: c.compressed,
      record,
    }));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    meta.findings.push({ code: e.code, severity: 'error', offset: e.offset, length: e.length, message: e.message });
    return [];
  }
}

async function resolveBlobs(meta: RafsV6Meta, slots: DeviceSlot[], blockSize: number, options: NydusOpenOptions): Promise<NydusBlob[]> {
  const flagsCompression = compressionOfFlags(meta.ext.flags) ?? 'none';
  const flagsDigest = digestOfFlags(meta.ext.flags) ?? 'blake3';
  const count = Math.max(meta.blobs.length, slots.length);
  const out: NydusBlob[] = [];
  for (let index = 0; index < count; index++) {
    const entry = meta.blobs[index];
    const slot = slots[index];
    const id = entry?.blobId ?? String.fromCharCode(...(slot?.tag ?? []));
    const file = id ? await options.blobs?.(id) : undefined;
    const chunks = meta.chunkTable.length || !file || !entry?.ciCompressedSize ? chunkRefs(meta, index) : await ciChunkRefs(file, entry, meta);
    const compression = algorithm(COMPRESS_ALGORITHMS, entry?.compressionAlgo, flagsCompression);
    const digest = algorithm(DIGEST_ALGORITHMS, entry?.digestAlgo, flagsDigest);
    const end = Math.max(
      entry?.uncompressedSize ?? 0,
      (slot?.blocks ?? 0) * blockSize,
      ...chunks.map((c) => Math.ceil((c.uncompressedOffset + c.uncompressedSize) / blockSize) * blockSize),
    );
    const space = file ? blobSpace(file.source, chunks, compression, end) : undefined;
    out.push({ index, ...(entry ? { entry } : {}), ...(slot ? { slot } : {}), id, compression, digest, ...(file ? { file } : {}), chunks, ...(space ? { space } : {}) });
  }
  return out;
}

export async function openRafsV6(source: ByteSource, options: NydusOpenOptions & OpenErofsOptions = {}): Promise<NydusV6Reader> {
  const head = await source.read(0, Math.min(source.size, EROFS_EXT_SUPER_BLOCK_OFFSET + EROFS_EXT_SUPER_BLOCK_SIZE));
  const { sb } = decodeSuperblock(new Cursor(head, 0, EROFS_SUPER_OFFSET));
  const blockSize = 2 ** sb.blkszbits;
  const devt = deviceTableRange(sb);
  const slots = devt.length && devt.offset + devt.length <= source.size ? decodeDeviceTable(await source.read(devt.offset, devt.length), sb).slots : [];
  const meta = await loadRafsV6Meta(source, devt.offset + devt.length);
  const blobs = await resolveBlobs(meta, slots, blockSize, options);
  const devices: ByteSource[] = slots.map((slot, i) => blobs[i]?.space ?? missingBlob(blobs[i]?.id ?? `#${i}`, Math.max(slot.blocks * blockSize, blobs[i]?.entry?.uncompressedSize ?? 0), { offset: slot.offset, length: 128 }));
  const inner = await openErofs(source, { ...options, devices });

  const byKey = new Map<string, ChunkRef>();
  for (const c of meta.chunkTable) {
    const b = blobs[c.blobIndex];
    const ref = b?.chunks.find((r) => r.record.offset === c.offset);
    if (ref) byKey.set(chunkKey(c.blobIndex, c.index, Math.floor(c.uncompressedOffset / blockSize)), ref);
  }
  const missing = new Set(blobs.filter((b) => !b.file).map((b) => b.index + 1));
  /** Files whose data sits in a blob that was not found are shown as data outside the image. */
  const present = (n: ImageNode): ImageNode =>
    n.data.kind === 'chunks' && n.data.deviceIds?.some((d) => missing.has(d)) ? { ...n, data: { kind: 'external' } } : n;

  const info = (): ImageInfo => {
    const base = inner.info();
    const { ext } = meta;
    const r = (name: string) => {
      const [offset, length] = ext.fieldRanges[name]!;
      return { label: name, offset, length };
    };
    const fields = [
      { label: 'RAFS version', value: 'v6 (EROFS-based bootstrap)' },
      ...base.fields,
      { label: 'RAFS flags', value: `${hex(ext.flags)} (${flagNames(ext.flags, RAFS_SUPER_FLAGS).join(' ') || 'none'})`, range: r('s_flags') },
      { label: 'chunk size', value: String(ext.chunkSize), range: r('s_chunk_size') },
      { label: 'blob table', value: `${hex(ext.blobTableOffset)}+${ext.blobTableSize} (${meta.blobs.length} blobs)`, range: r('s_blob_table_offset') },
      { label: 'chunk table', value: `${hex(ext.chunkTableOffset)}+${ext.chunkTableSize} (${meta.chunkTable.length} chunks)`, range: r('s_chunk_table_offset') },
      { label: 'prefetch table', value: `${hex(ext.prefetchTableOffset)}+${ext.prefetchTableSize} (${meta.prefetch?.inodes.length ?? 0} inodes)`, range: r('s_prefetch_table_offset') },
      ...blobs.map((b) => ({
        label: `blob ${b.index}`,
        value: `${b.id}: ${b.entry?.chunkCount ?? b.chunks.length} chunks, ${b.compression}, ${b.digest}` +
          `${b.entry ? `, ${b.entry.compressedSize} bytes compressed, ${b.entry.uncompressedSize} uncompressed, features ${flagNames(b.entry.features, BLOB_FEATURES).join(' ') || 'none'}` : ''}` +
          `, ${b.file ? `found at ${b.file.location}` : 'not found'}`,
        ...(b.entry ? { range: { label: `blob ${b.index}`, offset: b.entry.offset, length: 256 } } : {}),
      })),
    ];
    return { ...base, format: 'nydus-v6', fields, features: ['rafs_v6', ...base.features] };
  };

  const reader: NydusV6Reader = {
    ...inner,
    format: 'nydus-v6',
    rafs: meta,
    blobs,
    info,
    node: async (id) => present(await inner.node(id)),
    tryNode: (id) => {
      const n = inner.tryNode!(id);
      return n && present(n);
    },
    findings: () => [...inner.findings(), ...meta.findings],
    async chunkAddrs(ino) {
      const { layout } = await inner.chunks(ino);
      if (!layout.indexes) return [];
      const bytes = await inner.bytes(layout.offset, layout.count * RAFSV6_CHUNK_ADDR_SIZE);
      const c = new Cursor(bytes, layout.offset);
      return Array.from({ length: Math.floor(bytes.length / RAFSV6_CHUNK_ADDR_SIZE) }, () => decodeRafsV6InodeChunkAddr(c));
    },
    chunkOf: (addr) => byKey.get(chunkKey(addr.blobIndex, addr.blobCiIndex, addr.blockAddr)),
    close: async () => {
      await inner.close();
      for (const b of blobs) await b.file?.source.close?.();
    },
  };
  return reader;
}
