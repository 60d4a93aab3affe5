/**
 * casync archives and indexes as an ImageReader. A .catar is read in place; a .caidx is read as the
 * archive its chunks reassemble, from the chunk store beside it (default.castr); a .caibx (a blob
 * index) has no tree, so its blob is shown as the one file /blob. Offsets everywhere (node ranges,
 * findings, `bytes`, data extents) are offsets in the archive stream (in the blob for a .caibx).
 */
import { Cursor, DecodeError } from '../bytes/cursor.ts';
import { cachedSource } from '../bytes/cache.ts';
import type { ByteSource, SiblingFiles } from '../bytes/source.ts';
import { S_IFDIR, S_IFREG, stringToBytes, type DirEntry, type Finding, type ImageInfo, type ImageNode, type ImageReader, type InfoField } from '../model.ts';
import { CA_FORMAT_INDEX_SIZE, CA_FORMAT_WITH_MASK, casyncContainerOf, digestName, featureNames } from './caformat.ts';
import { decodeIndex, type CaFormatIndex } from './caindex.ts';
import { chunkedSource } from './chunked-source.ts';
import { dirEntriesOf, imageNodeOf } from './node.ts';
import { scanArchive, type ArchiveScan } from './scan.ts';
import { chunkStore, type ChunkStore } from './store.ts';
import { decodeTable, type CaFormatTable } from './table.ts';

export type CasyncContainer = 'catar' | 'caidx' | 'caibx';

export interface CasyncIndex {
  header: CaFormatIndex;
  table: CaFormatTable;
  store: ChunkStore;
}

export interface CasyncReader extends ImageReader {
  readonly format: 'casync';
  readonly container: CasyncContainer;
  /** The archive walk (absent for a blob index). */
  readonly scan?: ArchiveScan;
  readonly index?: CasyncIndex;
  /** The archive stream (the blob for a .caibx): the file itself, or the chunks reassembled. */
  readonly archive: ByteSource;
}

export const isCasyncReader = (r: ImageReader): r is CasyncReader => r.format === 'casync' && 'archive' in r;

export interface CasyncOpenOptions {
  /** Where a .caidx/.caibx finds its chunk store. */
  siblings?: SiblingFiles;
}

/** An index file is read whole; 1 GiB of table covers 26 million chunks. */
const INDEX_FILE_LIMIT = 1 << 30;
const EMPTY = new Uint8Array(0);
const owned = (b: Uint8Array): Uint8Array => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

export const FORMAT_VERSION = 'casync 2 (caformat.h; the format carries no version number)';

async function openIndex(source: ByteSource, siblings: SiblingFiles | undefined): Promise<CasyncIndex> {
  if (source.size > INDEX_FILE_LIMIT) throw new DecodeError(`index file of ${source.size} bytes is over the ${INDEX_FILE_LIMIT}-byte limit`, 0, 0, 'casync.index.bad-table');
  const bytes = await source.read(0, source.size);
  const header = decodeIndex(new Cursor(bytes.subarray(0, Math.min(bytes.length, CA_FORMAT_INDEX_SIZE)), 0));
  const table = decodeTable(new Cursor(bytes.subarray(CA_FORMAT_INDEX_SIZE), CA_FORMAT_INDEX_SIZE));
  if (!siblings) {
    throw new DecodeError('a casync index is read against its chunk store, and none is reachable from here (open the index from a file)', 0, 0, 'casync.store.missing');
  }
  return { header, table, store: chunkStore(siblings, digestName(header.featureFlags), header.chunkSizeMax) };
}

export async function openCasync(source: ByteSource, options: CasyncOpenOptions = {}): Promise<CasyncReader> {
  const kind = casyncContainerOf(await source.read(0, Math.min(source.size, 16)));
  if (!kind) throw new DecodeError('not a casync archive or index: no 64-byte ENTRY or 48-byte INDEX record at offset 0', 0, Math.min(source.size, 16), 'casync.entry.expected');
  // A file is read through a block cache; a chunked stream keeps its own cache of whole chunks, and a
  // block spanning two chunks would make a damaged chunk spoil reads of its healthy neighbour.
  if (kind === 'catar') return archiveReader('catar', source, cachedSource(source, 1 << 16, 512), undefined);
  const index = await openIndex(source, options.siblings);
  const archive = chunkedSource(index.table.chunks, index.store);
  if ((index.header.featureFlags & CA_FORMAT_WITH_MASK) === 0n) return blobReader(source, archive, index);
  return archiveReader('caidx', source, archive, index);
}

async function archiveReader(container: CasyncContainer, file: ByteSource, archive: ByteSource, index: CasyncIndex | undefined): Promise<CasyncReader> {
  const scan = await scanArchive(archive);
  const { nodes } = scan;
  const nodeAt = (id: number) => {
    const n = Number.isInteger(id) ? nodes[id] : undefined;
    if (!n) throw new DecodeError(`no node ${id} in this archive (it has ${nodes.length})`, 0, 0, 'casync.node.unknown');
    return n;
  };
  return {
    format: 'casync',
    container,
    rootId: 0,
    size: archive.size,
    scan,
    ...(index ? { index } : {}),
    archive,
    info: () => infoOf(container, archive.size, file.size, scan, index),
    node: async (id) => imageNodeOf(nodes, nodeAt(id)),
    children: async (id): Promise<DirEntry[]> => {
      const n = nodeAt(id);
      if (!n.children) throw new DecodeError(`node ${id} is not a directory`, n.entry.offset, 64, 'casync.node.unknown');
      return dirEntriesOf(nodes, n);
    },
    tryNode: (id) => imageNodeOf(nodes, nodeAt(id)),
    tryChildren: (id) => {
      const n = nodeAt(id);
      return n.children ? dirEntriesOf(nodes, n) : undefined;
    },
    readData: async (id, offset, length) => {
      const n = nodeAt(id);
      if (n.symlink) return n.symlink.target.slice(Math.max(0, offset), Math.max(0, offset + length));
      if (!n.payload) throw new DecodeError(`node ${id} is not a regular file or symlink; it has no data`, n.entry.offset, 64, 'casync.data.not-file');
      const end = Math.min(n.payload.size, offset + length);
      if (offset < 0 || offset >= end) return EMPTY;
      return owned(await archive.read(n.payload.dataOffset + offset, end - offset));
    },
    findings: (): Finding[] => [...(index?.table.findings ?? []), ...scan.findings],
    bytes: async (offset, length) => {
      const len = Math.max(0, Math.min(length, archive.size - offset));
      return len > 0 && offset >= 0 ? owned(await archive.read(offset, len)) : EMPTY;
    },
    close: async () => {
      await file.close?.();
    },
  };
}

const BLOB_NAME = stringToBytes('blob');

/** A blob index: a root directory holding the one file /blob, whose bytes are the reassembled blob. */
function blobReader(file: ByteSource, blob: ByteSource, index: CasyncIndex): CasyncReader {
  const base = { uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, rdev: 0, xattrs: [], layout: 'caibx (synthetic)' };
  const nodes: ImageNode[] = [
    { ...base, id: 0, kind: 'dir', mode: S_IFDIR | 0o755, size: 0, nlink: 2, data: { kind: 'none' }, ranges: [] },
    {
      ...base, id: 1, kind: 'file', mode: S_IFREG | 0o644, size: blob.size, nlink: 1,
      data: blob.size > 0 ? { kind: 'blocks', extents: [{ offset: 0, length: blob.size, fileOffset: 0 }] } : { kind: 'none' },
      ranges: [],
    },
  ];
  const nodeAt = (id: number) => {
    const n = nodes[id];
    if (!n) throw new DecodeError(`no node ${id} in a blob index (it has 2)`, 0, 0, 'casync.node.unknown');
    return n;
  };
  const root: DirEntry[] = [{ name: BLOB_NAME, id: 1, kind: 'file' }];
  return {
    format: 'casync',
    container: 'caibx',
    rootId: 0,
    size: blob.size,
    index,
    archive: blob,
    info: () => infoOf('caibx', blob.size, file.size, undefined, index),
    node: async (id) => nodeAt(id),
    tryNode: (id) => nodeAt(id),
    children: async (id) => (nodeAt(id).kind === 'dir' ? root : Promise.reject(new DecodeError(`node ${id} is not a directory`, 0, 0, 'casync.node.unknown'))),
    tryChildren: (id) => (nodeAt(id).kind === 'dir' ? root : undefined),
    readData: async (id, offset, length) => {
      if (nodeAt(id).kind !== 'file') throw new DecodeError('the root of a blob index has no data', 0, 0, 'casync.data.not-file');
      const end = Math.min(blob.size, offset + length);
      return offset < 0 || offset >= end ? EMPTY : owned(await blob.read(offset, end - offset));
    },
    findings: () => index.table.findings.slice(),
    bytes: async (offset, length) => {
      const len = Math.max(0, Math.min(length, blob.size - offset));
      return len > 0 && offset >= 0 ? owned(await blob.read(offset, len)) : EMPTY;
    },
    close: async () => {
      await file.close?.();
    },
  };
}

const CONTAINER_NAME: Record<CasyncContainer, string> = {
  catar: 'catar (casync archive)',
  caidx: 'caidx (casync archive index)',
  caibx: 'caibx (casync blob index)',
};

function infoOf(container: CasyncContainer, streamSize: number, fileSize: number, scan: ArchiveScan | undefined, index: CasyncIndex | undefined): ImageInfo {
  const flags = scan?.featureFlags ?? index!.header.featureFlags;
  const fields: InfoField[] = [
    { label: 'Container', value: CONTAINER_NAME[container] },
    { label: 'Format version', value: FORMAT_VERSION },
    { label: 'Feature flags', value: `0x${flags.toString(16)}` },
    { label: 'Digest', value: digestName(flags) },
  ];
  if (scan) {
    fields.push(
      { label: 'Archive size', value: `${streamSize}` },
      { label: 'Entries', value: `${scan.nodes.length}` },
      { label: 'Archive walk', value: scan.complete ? 'complete' : 'stopped early (run check)' },
    );
  }
  if (index) {
    const h = index.header;
    fields.push(
      { label: 'Index size', value: `${fileSize}` },
      { label: 'Chunk size min/avg/max', value: `${h.chunkSizeMin}/${h.chunkSizeAvg}/${h.chunkSizeMax}`, range: { label: 'chunk sizes', offset: h.fieldRanges.chunk_size_min![0], length: 24 } },
      { label: 'Chunks', value: `${index.table.chunks.length}` },
      { label: container === 'caibx' ? 'Blob size' : 'Archive size (reassembled)', value: `${index.table.blobSize}` },
      { label: 'Chunk store', value: index.store.where },
    );
    if (container === 'caibx') fields.push({ label: 'Tree', value: 'synthetic: a blob index holds no files; the blob is /blob' });
  }
  return { format: 'casync', size: streamSize, ...(scan ? { inodes: scan.nodes.length } : {}), fields, features: [container, ...featureNames(flags)] };
}

