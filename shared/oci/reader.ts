/**
 * An OCI layer tarball (.tar, .tar.gz, .tar.zst) as an ImageReader. Byte offsets everywhere (node
 * ranges, findings, `bytes`, data extents) are offsets in the tar stream: the file itself when
 * uncompressed, the decompressed stream otherwise.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { BUDGETS, decompressedLimit } from '../budgets.ts';
import type { DirEntry, Finding, ImageInfo, ImageReader, InfoField } from '../model.ts';
import { decompressChunks, detectCompression, type Compression } from './decompress.ts';
import { scanTar, type TarScan } from './scan.ts';
import { inflatedStream, sourceStream, type InflatedStream, type TarStream } from './stream.ts';
import { BLOCKSIZE } from './tar.ts';
import { buildTree, imageNodeOf, type LayerTree, type TreeNode } from './tree.ts';

export interface OciTarReader extends ImageReader {
  readonly format: 'oci-tar';
  readonly compression: Compression;
  /** The members as stored, with the problems met reading them. */
  readonly scan: TarScan;
  /** The tree the members build, with the problems met applying them. */
  readonly tree: LayerTree;
}

export const isOciTarReader = (r: ImageReader): r is OciTarReader => r.format === 'oci-tar' && 'scan' in r && 'tree' in r;

const EMPTY = new Uint8Array(0);
/**
 * Results never share a buffer with the stream: a view into an 8 MiB segment or a read-ahead
 * window would pin it, and structured cloning (IPC, workers) would copy all of it.
 */
const owned = (b: Uint8Array): Uint8Array => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

/** Sparse files can claim any size; one read is kept to what one buffer can hold. */
export const MAX_READ = 1 << 30;

export interface OciOpenOptions {
  /**
   * Replaces the built-in decompressors (DecompressionStream for gzip, zstddec for zstd), e.g. with
   * node:zlib on the Node side. Yields the decompressed stream in chunks; throws where the data is bad.
   */
  decompress?: (source: ByteSource, compression: Exclude<Compression, 'none'>) => AsyncIterator<Uint8Array>;
  /** Decompressed-bytes budget (default: decompressedLimit of the compressed size, shared/budgets.ts). */
  maxDecompressed?: number;
  /** Decompressed bytes kept in memory (default BUDGETS.inflatedWindowBytes); older content is re-read. */
  window?: number;
}

export async function openOciTar(source: ByteSource, options: OciOpenOptions = {}): Promise<OciTarReader> {
  const compression = detectCompression(await source.read(0, Math.min(source.size, 4)));
  let inflated: InflatedStream | undefined;
  let stream: TarStream;
  if (compression === 'none') stream = sourceStream(source);
  else {
    const decompress = options.decompress ?? decompressChunks;
    stream = inflated = inflatedStream(() => decompress(source, compression), {
      limit: options.maxDecompressed ?? decompressedLimit(source.size),
      window: options.window ?? BUDGETS.inflatedWindowBytes,
    });
  }

  const scan = await scanTar(stream);
  const decodeFindings = [...scan.findings];
  let size = source.size;
  if (inflated) {
    // The rest (padding after the end marker) is kept too, so `bytes` covers the whole stream.
    await inflated.drain();
    size = inflated.length;
    if (inflated.error instanceof DecodeError && inflated.error.code === 'budget.decompressed-bytes') {
      decodeFindings.push({ code: inflated.error.code, severity: 'error', offset: size, length: 0, message: inflated.error.message });
    } else if (inflated.error) {
      const why = inflated.error instanceof Error ? inflated.error.message : String(inflated.error);
      decodeFindings.push({
        code: 'oci.compression.corrupt', severity: 'error', offset: size, length: 0,
        message: `the ${compression} data is damaged after ${size} decompressed bytes (${why}); what follows is lost`,
      });
    }
  }
  if (scan.members.length === 0 && scan.endMarker === undefined) {
    await source.close?.();
    const first = decodeFindings.find((f) => f.code === 'oci.compression.corrupt') ?? decodeFindings[0];
    throw new DecodeError(
      `not a tar archive${compression === 'none' ? '' : ` inside the ${compression} stream`}: ${first ? first.message : 'no member header found'}`,
      first?.offset ?? 0,
      first?.length ?? Math.min(size, BLOCKSIZE),
      'oci.tar.not-tar',
    );
  }

  const tree = buildTree(scan.members);
  const { nodes } = tree;

  const nodeAt = (id: number): TreeNode => {
    const n = Number.isInteger(id) ? nodes[id] : undefined;
    if (!n) throw new DecodeError(`no node ${id} in this layer (it has ${nodes.length})`, 0, 0, 'oci.node.unknown');
    return n;
  };

  const readData = async (id: number, offset: number, length: number): Promise<Uint8Array> => {
    const n = imageNodeOf(nodeAt(id));
    const header = nodes[id]!.member?.headerOffset ?? 0;
    if (n.kind === 'symlink') return n.target!.slice(Math.max(0, offset), Math.max(0, offset + length));
    if (n.kind !== 'file') throw new DecodeError(`node ${id} is a ${n.kind}; only regular files and symlinks have data`, header, 0, 'oci.data.not-file');
    const end = Math.min(n.size, offset + length);
    if (offset < 0 || offset >= end || n.data.kind !== 'blocks') return EMPTY;
    if (end - offset > MAX_READ) {
      throw new DecodeError(`node ${id}: a single read of ${end - offset} bytes is refused; read at most ${MAX_READ} at a time`, header, 0, 'oci.data.read-too-large');
    }
    const exts = n.data.extents;
    if (exts.length === 1 && exts[0]!.fileOffset === 0 && exts[0]!.length >= end) return owned(await stream.read(exts[0]!.offset + offset, end - offset));
    // Sparse: holes read as zeros.
    const out = new Uint8Array(end - offset);
    for (const e of exts) {
      const from = Math.max(offset, e.fileOffset);
      const to = Math.min(end, e.fileOffset + e.length);
      if (from < to) out.set(await stream.read(e.offset + (from - e.fileOffset), to - from), from - offset);
    }
    return out;
  };

  const info = (): ImageInfo => infoOf(scan, tree, compression, source.size, size);

  return {
    format: 'oci-tar',
    rootId: tree.rootId,
    size,
    compression,
    scan,
    tree,
    info,
    node: async (id) => imageNodeOf(nodeAt(id)),
    children: async (id): Promise<DirEntry[]> => {
      const n = nodeAt(id);
      if (!n.entries) throw new DecodeError(`node ${id} is a ${n.kind}, not a directory`, n.member?.headerOffset ?? 0, 0, 'oci.node.not-dir');
      return n.entries.map((e) => ({
        name: e.name,
        id: e.id,
        kind: nodes[e.id]!.kind,
        ...(e.member ? { range: { label: `member #${e.member.index} header`, offset: e.member.headerOffset, length: BLOCKSIZE } } : {}),
      }));
    },
    readData,
    findings: (): Finding[] => decodeFindings.slice(),
    bytes: async (offset, length) => {
      const len = Math.max(0, Math.min(length, size - offset));
      return len > 0 && offset >= 0 ? owned(await stream.read(offset, len)) : EMPTY;
    },
    close: async () => {
      await source.close?.();
    },
  };
}

function infoOf(scan: TarScan, tree: LayerTree, compression: Compression, fileSize: number, streamSize: number): ImageInfo {
  const count = (pred: (n: TreeNode) => boolean) => tree.nodes.filter(pred).length;
  const root = tree.nodes[tree.rootId]!;
  const dialects = [...new Set(scan.members.map((m) => m.dialect))];
  const extensions = [...new Set(scan.members.flatMap((m) => m.extensions))];
  const sparse = scan.members.filter((m) => m.sparse).length;
  const linked = count((n) => n.kind !== 'dir' && n.nlink > 1);
  const fields: InfoField[] = [
    { label: 'Compression', value: compression },
    ...(compression === 'none' ? [] : [{ label: 'Compressed size', value: `${fileSize}` }]),
    { label: 'Tar stream size', value: `${streamSize}` },
    { label: 'Members', value: `${scan.members.length}` },
    { label: 'Nodes', value: `${count((n) => n.nlink > 0)}` },
    { label: 'Header dialects', value: dialects.join(', ') || 'none' },
    { label: 'Extended headers', value: extensions.join(', ') || 'none' },
    {
      label: 'End of archive',
      value: scan.endMarker === undefined ? 'missing' : hex(scan.endMarker),
      ...(scan.endMarker === undefined ? {} : { range: { label: 'end-of-archive marker', offset: scan.endMarker, length: 2 * BLOCKSIZE } }),
    },
    { label: 'Whiteouts', value: `${count((n) => !!n.whiteout && n.nlink > 0)}` },
    { label: 'Opaque directories', value: `${count((n) => !!n.opaque)}` },
    { label: 'Root directory', value: root.member ? `listed (member #${root.member.index})` : 'synthetic (no member names it)' },
    { label: 'Synthetic directories', value: `${count((n) => !n.member && n.nlink > 0 && n !== root)}` },
    { label: 'Hardlinked inodes', value: `${linked}` },
    { label: 'Sparse files', value: `${sparse}` },
    { label: 'pax global headers', value: `${scan.globalHeaders}` },
  ];
  const features = [
    ...dialects,
    ...extensions,
    ...(scan.members.some((m) => m.xattrs.length) ? ['xattrs'] : []),
    ...(count((n) => !!n.whiteout) ? ['whiteouts'] : []),
    ...(count((n) => !!n.opaque) ? ['opaque'] : []),
    ...(linked ? ['hardlinks'] : []),
    ...(sparse ? ['sparse'] : []),
    ...(compression === 'none' ? [] : [compression]),
  ];
  return { format: 'oci-tar', size: streamSize, inodes: count((n) => n.nlink > 0), blockSize: BLOCKSIZE, fields, features };
}
