/**
 * A Nydus RAFS v5 bootstrap as an ImageReader. The bootstrap is read whole (it is metadata only,
 * at most MAX_V5_BOOTSTRAP bytes) and decoded on demand: node ids are inode numbers, a directory's
 * children are the inode table entries [i_child_index, i_child_index + i_child_count), and each
 * record carries its own name. File content comes from the data blobs, chunk by chunk.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import {
  kindOfMode,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type ByteRange,
  type DataLocation,
  type DirEntry,
  type Finding,
  type ImageInfo,
  type ImageNode,
  type ImageReader,
} from '../model.ts';
import type { FoundBlob, NydusOpenOptions } from './blobs.ts';
import { isCompressed, type RafsChunkInfo } from './chunk-info.ts';
import { chunkRecord, readChunk, type ChunkRef } from './chunk-data.ts';
import { nydusFinding } from './codes.ts';
import { decodePrefetchTable, type PrefetchTable } from './prefetch-table.ts';
import {
  BLOB_CHUNK_ENCRYPTED,
  RAFS_FLAGS_COMPRESSION,
  RAFS_FLAGS_HASH,
  RAFS_FLAGS_KNOWN,
  RAFS_MAX_CHUNK_SIZE,
  RAFS_SUPER_FLAGS,
  RAFS_SUPER_VERSION_V4,
  RAFS_SUPER_VERSION_V5,
  RAFS_V5_ROOT_INODE,
  RAFSV5_EXT_BLOB_ENTRY_SIZE,
  RAFSV5_SUPERBLOCK_SIZE,
  compressionOfFlags,
  digestOfFlags,
  flagNames,
  type CompressAlgorithm,
  type DigestAlgorithm,
} from './rafs_fs.ts';
import { decodeRafsV5BlobTable, decodeRafsV5ExtBlobTable, type RafsV5BlobEntry, type RafsV5ExtBlobEntry } from './v5-blob-table.ts';
import { inodeOffset, type RafsV5InodeTable } from './v5-inode-table.ts';
import { decodeRafsV5Inode, INODE_FIELD, type RafsV5Inode, type RafsV5InodeLayout } from './v5-inode.ts';
import { decodeRafsV5SuperBlock, type RafsV5SuperBlock } from './v5-superblock.ts';

/** Bootstraps are read whole; larger ones are refused (nydusd's own limit is 2 GiB). */
export const MAX_V5_BOOTSTRAP = 512 << 20;
/** Largest single readData, as the other readers bound theirs. */
const MAX_READ = 1 << 30;

export interface NydusV5Blob {
  index: number;
  entry: RafsV5BlobEntry;
  ext?: RafsV5ExtBlobEntry;
  file?: FoundBlob;
}

export interface NydusV5Reader extends ImageReader {
  readonly format: 'nydus-v5';
  readonly sb: RafsV5SuperBlock;
  readonly inodeTable: RafsV5InodeTable;
  readonly blobs: readonly NydusV5Blob[];
  readonly prefetch?: PrefetchTable;
  readonly compression: CompressAlgorithm;
  readonly digest: DigestAlgorithm;
  readonly inodeLayout: RafsV5InodeLayout;
  /** The inode record a child index (or inode number) names. */
  inode(index: number): RafsV5Inode;
  chunkRef(ch: RafsChunkInfo): ChunkRef;
}

export const isNydusV5Reader = (r: { format: string }): r is NydusV5Reader => r.format === 'nydus-v5';

const popcount = (v: number): number => {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
};

/** Rules of RafsV5SuperBlock::validate that leave the tree readable: findings, not errors. */
function superblockRules(sb: RafsV5SuperBlock, out: Finding[]): void {
  const at = (n: string) => sb.fieldRanges[n]!;
  if (sb.sbSize !== RAFSV5_SUPERBLOCK_SIZE) {
    out.push(nydusFinding('nydus.v5.superblock.size', ...at('s_sb_size'), `s_sb_size is ${sb.sbSize}`, { expected: String(RAFSV5_SUPERBLOCK_SIZE), actual: String(sb.sbSize) }));
  }
  const bs = sb.blockSize;
  if (popcount(bs) !== 1 || bs < 4096 || (bs > RAFS_MAX_CHUNK_SIZE)) {
    out.push(nydusFinding('nydus.superblock.chunk-size', ...at('s_block_size'), `chunk size ${bs} is not a power of two from 4096 to ${RAFS_MAX_CHUNK_SIZE}`, { actual: String(bs) }));
  }
  const unknown = (sb.flags & ~RAFS_FLAGS_KNOWN) >>> 0 || sb.flagsHigh;
  const comp = popcount(sb.flags & RAFS_FLAGS_COMPRESSION);
  const hash = popcount(sb.flags & RAFS_FLAGS_HASH);
  if (unknown || comp > 1 || hash > 1) {
    out.push(nydusFinding('nydus.superblock.flags', ...at('s_flags'), `RAFS v5 flags ${hex(sb.flags)} set ${comp} compression and ${hash} digest flags${unknown ? ', and unknown bits' : ''}`, { actual: hex(sb.flags) }));
  }
  if (sb.inodesCount > sb.inodeTableEntries) {
    out.push(nydusFinding('nydus.v5.superblock.inode-table', ...at('s_inodes_count'), `${sb.inodesCount} inodes but ${sb.inodeTableEntries} inode table entries`, { expected: `at most ${sb.inodeTableEntries}`, actual: String(sb.inodesCount) }));
  }
}

type TableCode = 'nydus.v5.superblock.blob-table' | 'nydus.v5.superblock.prefetch-table';

function tableOk(sb: RafsV5SuperBlock, size: number, out: Finding[], code: TableCode, field: string, offset: number, length: number): boolean {
  if (length === 0) return false;
  if (offset >= RAFSV5_SUPERBLOCK_SIZE && offset + length <= size) return true;
  out.push(nydusFinding(code, ...sb.fieldRanges[field]!, `${code.split('.').pop()} ${hex(offset)}+${length} lies outside the bootstrap (${size} bytes)`, { actual: `${hex(offset)}+${length}` }));
  return false;
}

/** v5 unless the root inode is a directory only when read in the pre-v5 layout (see v5-inode.ts). */
function inodeLayoutOf(bytes: Uint8Array, rootOffset: number): RafsV5InodeLayout {
  const isDir = (at: number) => at + 4 <= bytes.length && ((bytes[at]! | (bytes[at + 1]! << 8)) & S_IFMT) === S_IFDIR;
  return !isDir(rootOffset + INODE_FIELD.i_mode[0]) && isDir(rootOffset + 52) ? 'pre-v5' : 'v5';
}

export async function openRafsV5(source: ByteSource, options: NydusOpenOptions = {}): Promise<NydusV5Reader> {
  const size = source.size;
  if (size <= RAFSV5_SUPERBLOCK_SIZE) {
    throw new DecodeError(`RAFS v5 bootstrap of ${size} bytes is not larger than its ${RAFSV5_SUPERBLOCK_SIZE}-byte superblock`, 0, size, 'nydus.bootstrap.truncated');
  }
  if (size > MAX_V5_BOOTSTRAP) {
    throw new DecodeError(`RAFS v5 bootstrap of ${size} bytes exceeds the ${MAX_V5_BOOTSTRAP}-byte limit this reader loads`, 0, 4, 'nydus.bootstrap.truncated');
  }
  const bytes = await source.read(0, size);
  const at = (offset: number) => new Cursor(bytes, 0, offset);
  const sb = decodeRafsV5SuperBlock(at(0));
  if (sb.fsVersion !== RAFS_SUPER_VERSION_V5 && sb.fsVersion !== RAFS_SUPER_VERSION_V4) {
    throw new DecodeError(`RAFS superblock version ${hex(sb.fsVersion)} is not v5 (0x500) or v4 (0x400)`, ...sb.fieldRanges['s_fs_version']!, 'nydus.v5.superblock.version');
  }
  const findings: Finding[] = [];
  superblockRules(sb, findings);

  const tableLen = sb.inodeTableEntries * 4;
  if (sb.inodeTableOffset < RAFSV5_SUPERBLOCK_SIZE || sb.inodeTableOffset + tableLen > size || sb.inodeTableEntries === 0) {
    const [o] = sb.fieldRanges['s_inode_table_offset']!;
    throw new DecodeError(`inode table ${hex(sb.inodeTableOffset)}+${tableLen} lies outside the bootstrap (${size} bytes)`, o, 8, 'nydus.v5.superblock.inode-table');
  }
  const inodeTable: RafsV5InodeTable = { offset: sb.inodeTableOffset, entries: sb.inodeTableEntries, bytes: bytes.subarray(sb.inodeTableOffset, sb.inodeTableOffset + tableLen) };

  const entries = tableOk(sb, size, findings, 'nydus.v5.superblock.blob-table', 's_blob_table_offset', sb.blobTableOffset, sb.blobTableSize)
    ? decodeRafsV5BlobTable(at(sb.blobTableOffset), sb.blobTableSize) : [];
  const extLen = sb.extendedBlobTableEntries * RAFSV5_EXT_BLOB_ENTRY_SIZE;
  const exts = tableOk(sb, size, findings, 'nydus.v5.superblock.blob-table', 's_extended_blob_table_offset', sb.extendedBlobTableOffset, extLen)
    ? decodeRafsV5ExtBlobTable(at(sb.extendedBlobTableOffset), sb.extendedBlobTableEntries) : [];
  const prefetch = tableOk(sb, size, findings, 'nydus.v5.superblock.prefetch-table', 's_prefetch_table_offset', sb.prefetchTableOffset, sb.prefetchTableEntries * 4)
    ? decodePrefetchTable(at(sb.prefetchTableOffset), sb.prefetchTableEntries) : undefined;

  const blobs: NydusV5Blob[] = [];
  for (const [index, entry] of entries.entries()) {
    const file = await options.blobs?.(entry.blobId);
    const ext = exts[index];
    blobs.push({ index, entry, ...(ext ? { ext } : {}), ...(file ? { file } : {}) });
  }
  const compression = compressionOfFlags(sb.flags) ?? 'none';
  const digest = digestOfFlags(sb.flags) ?? 'blake3';

  const layout = inodeLayoutOf(bytes, inodeOffset(inodeTable, RAFS_V5_ROOT_INODE, size));
  const inode = (index: number): RafsV5Inode => decodeRafsV5Inode(at(inodeOffset(inodeTable, index, size)), layout);

  const dataOf = (ino: RafsV5Inode): DataLocation => {
    if ((ino.mode & S_IFMT) !== S_IFREG || ino.size === 0) return { kind: 'none' };
    const reachable = ino.chunks.length > 0 && ino.chunks.every((c) => blobs[c.blobIndex]?.file);
    return reachable ? { kind: 'chunks', chunkSize: sb.blockSize, count: ino.chunks.length, nullCount: 0 } : { kind: 'external' };
  };

  const rangesOf = (ino: RafsV5Inode): ByteRange[] => {
    const r: ByteRange[] = [{ label: 'RafsV5Inode', offset: ino.offset, length: 128 }];
    if (ino.nameSize) r.push({ label: 'name', offset: ino.offset + 128, length: ino.nameSize });
    if (ino.symlink) r.push({ label: 'symlink target', offset: ino.offset + 128 + Math.ceil(ino.nameSize / 8) * 8, length: ino.symlinkSize });
    if (ino.xattrTable) r.push({ label: 'xattr table', offset: ino.xattrTable.offset, length: 8 + ino.xattrTable.size });
    ino.chunks.forEach((c, i) => r.push({ label: `chunk ${i}`, offset: c.offset, length: 80 }));
    return r;
  };

  const nodeSync = (id: number): ImageNode => {
    const ino = inode(id);
    const node: ImageNode = {
      id,
      kind: kindOfMode(ino.mode),
      mode: ino.mode,
      uid: ino.uid,
      gid: ino.gid,
      size: ino.size,
      mtime: { sec: ino.mtime, nsec: ino.mtimeNsec },
      nlink: ino.nlink,
      rdev: ino.rdev,
      ino: ino.ino,
      layout: `RAFS v5 inode, ${ino.chunks.length} chunk${ino.chunks.length === 1 ? '' : 's'}`,
      xattrs: ino.xattrs.map((x) => ({ name: x.name, value: x.value, range: { label: 'xattr', offset: x.offset, length: 4 + x.name.length + 1 + x.value.length } })),
      data: dataOf(ino),
      ranges: rangesOf(ino),
    };
    if ((ino.mode & S_IFMT) === S_IFLNK) node.target = ino.symlink ?? new Uint8Array(0);
    return node;
  };

  const childrenSync = (id: number): DirEntry[] => {
    const dir = inode(id);
    if (kindOfMode(dir.mode) !== 'dir') return [];
    if (dir.childCount && (dir.childIndex <= id || dir.childIndex + dir.childCount - 1 > inodeTable.entries)) {
      throw new DecodeError(`directory inode ${id}: children ${dir.childIndex}..${dir.childIndex + dir.childCount - 1} are not inode table entries after its own (1..${inodeTable.entries})`, dir.offset + 92, 8, 'nydus.v5.inode.children');
    }
    const out: DirEntry[] = [];
    for (let k = dir.childIndex; k < dir.childIndex + dir.childCount; k++) {
      const child = inode(k);
      out.push({ name: child.name, id: child.ino, kind: kindOfMode(child.mode), range: { label: 'name', offset: child.offset + 128, length: child.nameSize } });
    }
    return out;
  };

  const chunkRef = (c: RafsChunkInfo): ChunkRef => ({
    blobIndex: c.blobIndex,
    compressedOffset: c.compressedOffset,
    compressedSize: c.compressedSize,
    uncompressedOffset: c.uncompressedOffset,
    uncompressedSize: c.uncompressedSize,
    compressed: isCompressed(c),
    encrypted: (c.flags & BLOB_CHUNK_ENCRYPTED) !== 0,
    digest: c.blockId,
    record: chunkRecord(c.offset),
  });

  const readData = async (id: number, offset: number, length: number): Promise<Uint8Array> => {
    const ino = inode(id);
    if ((ino.mode & S_IFMT) === S_IFLNK) return (ino.symlink ?? new Uint8Array(0)).slice(offset, offset + length);
    const end = Math.min(ino.size, offset + length);
    if (offset < 0 || length < 0 || end - offset > MAX_READ) throw new DecodeError(`read of ${length} bytes at ${offset} is out of range`, ino.offset, 128, 'nydus.blob.out-of-range');
    const out = new Uint8Array(Math.max(0, end - offset));
    for (const c of ino.chunks) {
      const from = Math.max(offset, c.fileOffset);
      const to = Math.min(end, c.fileOffset + c.uncompressedSize);
      if (from >= to) continue;
      const blob = blobs[c.blobIndex];
      if (!blob) throw new DecodeError(`chunk names blob ${c.blobIndex}, but the blob table lists ${blobs.length}`, c.offset + 32, 4, 'nydus.chunk.blob-index');
      if (!blob.file) throw new DecodeError(`the data lives in blob ${blob.entry.blobId}, which was not found beside the bootstrap, in blobs/ or in the blob directory (--blob-dir)`, c.offset, 80, 'nydus.blob.missing');
      const data = await readChunk(blob.file.source, chunkRef(c), compression);
      out.set(data.subarray(from - c.fileOffset, to - c.fileOffset), from - offset);
    }
    return out;
  };

  const info = (): ImageInfo => {
    const f = (label: string, value: string, name?: string) => {
      const r = name ? sb.fieldRanges[name] : undefined;
      return r ? { label, value, range: { label: name!, offset: r[0], length: r[1] } } : { label, value };
    };
    const fields = [
      f('RAFS version', `v5 (${hex(sb.fsVersion)})`, 's_fs_version'),
      f('inode layout', layout === 'v5' ? 'RafsV5Inode' : 'pre-v5 (early builders: no uid/gid/mtime, padded name sizes)'),
      f('RAFS magic', `${hex(sb.magic)} ("SFAR")`, 's_magic'),
      f('chunk size', String(sb.blockSize), 's_block_size'),
      f('RAFS flags', `${hex(sb.flags)} (${flagNames(sb.flags, RAFS_SUPER_FLAGS).join(' ') || 'none'})`, 's_flags'),
      f('inode count', String(sb.inodesCount), 's_inodes_count'),
      f('inode table', `${hex(sb.inodeTableOffset)} (${sb.inodeTableEntries} entries)`, 's_inode_table_offset'),
      f('blob table', `${hex(sb.blobTableOffset)}+${sb.blobTableSize} (${blobs.length} blobs)`, 's_blob_table_offset'),
      f('extended blob table', `${hex(sb.extendedBlobTableOffset)} (${sb.extendedBlobTableEntries} entries)`, 's_extended_blob_table_offset'),
      f('prefetch table', `${hex(sb.prefetchTableOffset)} (${sb.prefetchTableEntries} inodes)`, 's_prefetch_table_offset'),
      ...blobs.map((b) => ({
        label: `blob ${b.index}`,
        value: `${b.entry.blobId}${b.ext ? `: ${b.ext.chunkCount} chunks, ${b.ext.compressedSize} bytes compressed, ${b.ext.uncompressedSize} uncompressed` : ''}, ${b.file ? `found at ${b.file.location}` : 'not found'}`,
        range: { label: `blob ${b.index}`, offset: b.entry.offset, length: 8 + b.entry.blobId.length },
      })),
    ];
    return { format: 'nydus-v5', size, inodes: sb.inodesCount, blockSize: sb.blockSize, fields, features: ['rafs_v5', compression, digest, ...flagNames(sb.flags, RAFS_SUPER_FLAGS).filter((n) => n === 'EXPLICIT_UID_GID' || n === 'HAS_XATTR').map((n) => n.toLowerCase())] };
  };

  // Opening proves the root is readable, so a broken bootstrap fails early and clearly.
  nodeSync(RAFS_V5_ROOT_INODE);

  return {
    format: 'nydus-v5',
    rootId: RAFS_V5_ROOT_INODE,
    size,
    sb,
    inodeTable,
    blobs,
    ...(prefetch ? { prefetch } : {}),
    compression,
    digest,
    inodeLayout: layout,
    inode,
    chunkRef,
    info,
    node: async (id) => nodeSync(id),
    children: async (id) => childrenSync(id),
    tryNode: nodeSync,
    tryChildren: childrenSync,
    readData,
    findings: () => findings.slice(),
    bytes: async (offset, length) => bytes.slice(Math.max(0, offset), Math.max(0, Math.min(size, offset + length))),
    close: async () => {
      await source.close?.();
      for (const b of blobs) await b.file?.source.close?.();
    },
  };
}
