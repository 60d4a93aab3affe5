/**
 * The EROFS image reader: lazy, bounds-checked, format-exact. Opening reads the superblock and the
 * root inode only; inodes, xattrs and directories are decoded when asked for.
 */
import { formatTimestamp } from '../time.ts';
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { cachedSource, type CachedSource } from '../bytes/cache.ts';
import type { ByteSource } from '../bytes/source.ts';
import {
  kindOfMode,
  toHex,
  type DataLocation,
  type DirEntry,
  type Finding,
  type ImageInfo,
  type DataSpan,
  type InfoField,
  type ImageNode,
  type ImageReader,
  type NodeKind,
  type Xattr,
} from '../model.ts';
// Only the type: the EROFS reader neither detects nor decodes a composefs header (shared/open.ts does).
import type { ComposefsHeader } from '../composefs/header.ts';
import { decodeChunks, chunkLayout, type Chunk, type ChunkLayout } from './chunk.ts';
import { decodeDirentBlock, type RawDirent } from './dirent.ts';
import { dirGuard } from './dir-guard.ts';
import {
  COMPAT_FEATURE_NAMES,
  DATALAYOUT_NAMES,
  EROFS_FT_BLKDEV,
  EROFS_FT_CHRDEV,
  EROFS_FT_DIR,
  EROFS_FT_FIFO,
  EROFS_FT_REG_FILE,
  EROFS_FT_SOCK,
  EROFS_FT_SYMLINK,
  EROFS_FEATURE_INCOMPAT_COMPR_CFGS,
  EROFS_FEATURE_INCOMPAT_FRAGMENTS,
  EROFS_FEATURE_INCOMPAT_METABOX,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_COMPRESSED_COMPACT,
  EROFS_INODE_COMPRESSED_FULL,
  EROFS_INODE_EXTENDED_SIZE,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_SB_SIZE,
  EROFS_SUPER_OFFSET,
  INCOMPAT_FEATURE_NAMES,
} from './erofs_fs.ts';
import { slabAllocator } from '../walk.ts';
import { datalayoutName, decodeDev, decodeInode, inodeOffset, type RawInode } from './inode.ts';
import { decodeSuperblock, type Superblock } from './superblock.ts';
import { decodeDeviceTable, deviceIdMask as deviceIdMaskOf, deviceLabel, deviceTableRange, resolveDevice, type DeviceTable } from './devices.ts';
import { comprCfgsStart, decodeComprCfgs, describeComprCfg, type ComprCfg } from './compr-cfgs.ts';
import { decodeLongPrefixes, longPrefixTableMaxBytes, longPrefixTableStart } from './xattr-prefixes.ts';
import { decodeZMapHeader, zAlgorithmName, zIndexLayout, zMapHeaderOffset, Z_EROFS_MAP_HEADER_SIZE } from './zmap.ts';
import {
  decodeIbodyHeader,
  decodeInlineEntries,
  decodeXattrEntry,
  entryToXattr,
  ibodyEntriesStart,
  type IbodyHeader,
  type LongPrefix,
  type XattrEntry,
} from './xattr.ts';

const LAYOUT_LABELS = ['compact', 'extended'].map((v) => DATALAYOUT_NAMES.map((l) => `${v} ${l}`));

/** PATH_MAX: the longest symlink target the VFS accepts. */
const SYMLINK_PATH_MAX = 4096;

/** Metadata misses read at least this much, so browsing a tree costs few reads. */
const READ_AHEAD = 16 * 1024;

/** Thrown (not an Error: no stack to capture) when decoding needs bytes not yet in the cache. */
class NeedBytes {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}
const needBytes = (offset: number, length: number): never => {
  throw new NeedBytes(offset, length);
};

export interface DataExtent {
  /** Offset within the file. */
  fileOffset: number;
  length: number;
  /** Absolute offset in the image, or null for a hole (reads as zeros). */
  offset: number | null;
  /** Data lives on an extra device (blob), not in this image. */
  deviceId?: number;
}

export interface DecodedXattrs {
  header?: IbodyHeader;
  inline: XattrEntry[];
  shared: { id: number; entry: XattrEntry }[];
}

/** Hook for compressed layouts (shared/erofs/zdata.ts registers one when present). */
export type Decompressor = (r: ErofsReader, ino: RawInode, offset: number, length: number) => Promise<Uint8Array>;

export interface ErofsReader extends ImageReader {
  readonly sb: Superblock;
  readonly header?: ComposefsHeader;
  readonly blockSize: number;
  rawInode(nid: number): Promise<RawInode>;
  xattrEntries(ino: RawInode): Promise<DecodedXattrs>;
  extents(ino: RawInode): Promise<DataExtent[]>;
  chunks(ino: RawInode): Promise<{ layout: ChunkLayout; chunks: Chunk[] }>;
  /** Each directory block with its decoded dirents (including . and ..), for check. */
  dirBlocks(ino: RawInode): Promise<{ offset: number; length: number; dirents: RawDirent[] }[]>;
  /** Offset and length of a FLAT_INLINE tail. */
  inlineTail(ino: RawInode): { offset: number; length: number } | undefined;
  /** Loads the whole image into the block cache when it is small enough (bulk walks). */
  prefetchAll(limit?: number): Promise<boolean>;
  readonly source: CachedSource;
  /** The extra devices (blobs) the image declares, when it has a device table. */
  readonly devices?: DeviceTable;
  /** Long xattr name prefixes (xattr_prefix_count records), for building full names. */
  readonly longPrefixes: LongPrefix[];
  /** Compression configurations (EROFS_FEATURE_INCOMPAT_COMPR_CFGS), one per available algorithm. */
  readonly comprCfgs?: ComprCfg[];
}

const FT_KIND: NodeKind[] = ['unknown', 'file', 'dir', 'chardev', 'blockdev', 'fifo', 'socket', 'symlink'];
export const fileTypeKind = (ft: number): NodeKind => FT_KIND[ft] ?? 'unknown';
export const FT_OF_KIND: Record<NodeKind, number> = {
  unknown: 0, file: EROFS_FT_REG_FILE, dir: EROFS_FT_DIR, chardev: EROFS_FT_CHRDEV, blockdev: EROFS_FT_BLKDEV,
  fifo: EROFS_FT_FIFO, socket: EROFS_FT_SOCK, symlink: EROFS_FT_SYMLINK,
};

/** A format that wraps EROFS with a header before the superblock (composefs), as shared/open.ts found it. */
export interface ErofsWrapper {
  header: ComposefsHeader;
  /** The header's fields for info(), shown before the superblock's. */
  fields: InfoField[];
}

export interface OpenErofsOptions {
  decompressor?: Decompressor;
  wrapper?: ErofsWrapper;
  /** Cache size in blocks. */
  cacheBlocks?: number;
  /** Sources of the extra devices (blobs), in device-table order: device id N reads devices[N-1]. */
  devices?: (ByteSource | undefined)[];
}

/** "the file is truncated: ...", with the size it has and the size its superblock claims. */
export function truncationText(size: number, blocks: number, blockSize: number): string {
  return `the file is truncated: it is ${size} bytes, shorter than the ${blocks * blockSize} bytes its superblock claims (${blocks} blocks of ${blockSize})`;
}

export async function openErofs(raw: ByteSource, options: OpenErofsOptions = {}): Promise<ErofsReader> {
  const findings: Finding[] = [];
  if (raw.size < EROFS_SUPER_OFFSET + EROFS_SB_SIZE) {
    throw new DecodeError(
      `image is ${raw.size} bytes, too small to hold an EROFS superblock (needs ${EROFS_SUPER_OFFSET + EROFS_SB_SIZE})`,
      0,
      raw.size,
      'image.truncated',
    );
  }
  const head = await raw.read(0, EROFS_SUPER_OFFSET + EROFS_SB_SIZE);
  const header = options.wrapper?.header;
  const { sb, findings: sbFindings } = decodeSuperblock(new Cursor(head, 0, EROFS_SUPER_OFFSET));
  findings.push(...sbFindings);
  if (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_METABOX) {
    // Metadata compression (mkfs.erofs -m): inodes and directories live compressed in the metabox
    // inode. Not decoded here (erofs-utils 1.9.3's own fsck extracts such images wrongly).
    const [o, l] = sb.fieldRanges['feature_incompat']!;
    throw new DecodeError('metadata compression (the metabox feature, mkfs.erofs -m) is not supported by this reader: nothing in the image could be read', o, l, 'unsupported.erofs.metabox');
  }
  const blockSize = 2 ** sb.blkszbits;
  const src = cachedSource(raw, blockSize, options.cacheBlocks ?? Math.max(1024, (64 << 20) / blockSize));
  const size = raw.size;
  const alloc = slabAllocator();
  // Filled in once the root is known to decode (below); the closures only run after that.
  let devices: DeviceTable | undefined;
  let longPrefixes: LongPrefix[] = [];
  // Without extra devices the kernel masks every chunk's device_id to 0 (the image itself).
  const deviceIdMask = deviceIdMaskOf(sb.extraDevices);
  // A file cut short makes every later offset point past its end; each such error says so once,
  // with both sizes, rather than leaving the reader to guess from "nid 128 ... beyond the image end".
  const claimed = sb.blocks * blockSize;
  const explain = (e: unknown): unknown => {
    if (!(e instanceof DecodeError) || size >= claimed) return e;
    if (e.offset + e.length <= size && !e.code.endsWith('out-of-bounds')) return e;
    return new DecodeError(`${truncationText(size, sb.blocks, blockSize)}; ${e.message}`, e.offset, e.length, e.code);
  };
  const metaStart = sb.metaBlkaddr * blockSize;
  if (metaStart >= size) {
    const [o, l] = sb.fieldRanges['meta_blkaddr']!;
    throw explain(new DecodeError(`meta_blkaddr ${sb.metaBlkaddr} (${hex(metaStart)}) lies beyond the image end (${size} bytes)`, o, l, 'erofs.superblock.meta_blkaddr'));
  }

  // Metadata decoding is synchronous over cached bytes: `get` throws NeedBytes for a range not in
  // the cache, and `load` fetches it and retries. Walks over a prefetched image never await.
  const get = (off: number, len: number): Uint8Array => src.peek(off, len) ?? needBytes(off, len);
  const load = async <T>(f: () => T): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof NeedBytes)) throw explain(e);
        // Each retry decodes from the start, so a structure must not need more than a few rounds:
        // whole extents are asked for at once (see ensure), and small misses read ahead.
        if (tries >= 32 || e.length > src.capacity) {
          throw new DecodeError(
            `structure at ${hex(e.offset)}+${e.length} is larger than the reader's cache can hold`,
            e.offset,
            e.length,
            'erofs.metadata.too-large',
          );
        }
        const ahead = Math.min(size - e.offset, Math.max(e.length, READ_AHEAD));
        await src.read(e.offset, ahead);
      }
    }
  };
  /** Asks for a whole range at once (a directory's blocks) rather than block by block. */
  const ensure = (off: number, len: number): void => {
    if (!src.has(off, len)) needBytes(off, len);
  };

  const rawInodeSync = (nid: number): RawInode => {
    if (!Number.isSafeInteger(nid) || nid < 0) throw new DecodeError(`invalid nid ${nid}`, 0, 0, 'erofs.nid.invalid');
    const off = inodeOffset(sb, nid);
    if (off + 32 > size) {
      throw new DecodeError(`nid ${nid} places its inode at ${hex(off)}, beyond the image end (${size} bytes)`, off, 32, 'erofs.nid.out-of-bounds');
    }
    const len = Math.min(EROFS_INODE_EXTENDED_SIZE, size - off);
    return decodeInode(new Cursor(get(off, len), off), nid, sb);
  };

  const xattrArea = (ino: RawInode): Cursor | undefined => {
    if (ino.xattrSize === 0) return undefined;
    const off = ino.offset + ino.inodeSize;
    if (off + ino.xattrSize > size) {
      throw new DecodeError(`inode ${ino.nid}: xattr area ${hex(off)}+${ino.xattrSize} runs past the image end`, off, ino.xattrSize, 'erofs.xattr.out-of-bounds');
    }
    return new Cursor(get(off, ino.xattrSize), off);
  };

  // Shared xattrs exist to be referenced by many inodes (security.selinux on every file): decode once.
  const sharedCache = new Map<number, { entry: XattrEntry; xattr: Xattr }>();
  const sharedDecoded = (id: number): { entry: XattrEntry; xattr: Xattr } => {
    const hit = sharedCache.get(id);
    if (hit) return hit;
    const off = sb.xattrBlkaddr * blockSize + id * 4;
    if (off + 4 > size) throw new DecodeError(`shared xattr id ${id} points to ${hex(off)}, beyond the image end`, off, 4, 'erofs.xattr.shared-out-of-bounds');
    const head4 = get(off, 4);
    const need = 4 + head4[0]! + (head4[2]! | (head4[3]! << 8));
    if (off + need > size) throw new DecodeError(`shared xattr id ${id} at ${hex(off)} runs past the image end`, off, need, 'erofs.xattr.shared-out-of-bounds');
    const entry = decodeXattrEntry(new Cursor(get(off, need), off));
    const decoded = { entry, xattr: entryToXattr(entry, true, longPrefixes) };
    if (sharedCache.size < 65536) sharedCache.set(id, decoded);
    return decoded;
  };

  const xattrEntriesSync = (ino: RawInode): DecodedXattrs => {
    const area = xattrArea(ino);
    if (!area) return { inline: [], shared: [] };
    const header = decodeIbodyHeader(area);
    area.pos = ibodyEntriesStart(header);
    const inline = decodeInlineEntries(area);
    const shared = header.sharedIds.map((id) => ({ id, entry: sharedDecoded(id).entry }));
    return { header, inline, shared };
  };

  const inlineTail = (ino: RawInode) => {
    if (ino.datalayout !== EROFS_INODE_FLAT_INLINE) return undefined;
    const nblocks = Math.ceil(ino.size / blockSize);
    const length = ino.size - Math.max(0, nblocks - 1) * blockSize;
    return { offset: ino.offset + ino.inodeSize + ino.xattrSize, length };
  };

  const chunksSync = (ino: RawInode) => {
    const layout = chunkLayout(ino, sb.blkszbits);
    const bytesLen = layout.count * layout.entrySize;
    if (layout.offset + bytesLen > size) {
      throw new DecodeError(`inode ${ino.nid}: chunk map ${hex(layout.offset)}+${bytesLen} runs past the image end`, layout.offset, bytesLen, 'erofs.chunk.out-of-bounds');
    }
    return { layout, chunks: decodeChunks(new Cursor(get(layout.offset, bytesLen), layout.offset), layout) };
  };

  const extentsSync = (ino: RawInode): DataExtent[] => {
    const sizeOf = ino.size;
    if (sizeOf === 0) return [];
    switch (ino.datalayout) {
      case EROFS_INODE_FLAT_PLAIN:
        return [{ fileOffset: 0, length: sizeOf, offset: ino.startBlk === null ? null : ino.startBlk * blockSize }];
      case EROFS_INODE_FLAT_INLINE: {
        const tail = inlineTail(ino)!;
        const head = sizeOf - tail.length;
        const out: DataExtent[] = [];
        if (head > 0) out.push({ fileOffset: 0, length: head, offset: (ino.startBlk ?? 0) * blockSize });
        out.push({ fileOffset: head, length: tail.length, offset: tail.offset });
        return out;
      }
      case EROFS_INODE_CHUNK_BASED: {
        const { layout, chunks: list } = chunksSync(ino);
        return list.map((ch, i) => {
          const fileOffset = i * layout.chunkSize;
          const length = Math.min(layout.chunkSize, sizeOf - fileOffset);
          if (ch.blkaddr === null) return { fileOffset, length, offset: null };
          const deviceId = ch.deviceId & deviceIdMask;
          if (deviceId > 0) return { fileOffset, length, offset: ch.blkaddr * blockSize, deviceId };
          return { fileOffset, length, offset: ch.blkaddr * blockSize };
        });
      }
      default:
        throw new DecodeError(
          `inode ${ino.nid}: ${datalayoutName(ino.datalayout)} data needs decompression`,
          ino.offset,
          2,
          'erofs.data.compressed',
        );
    }
  };

  /*
   * The extents of the file read last: a content reader asks for a large file piece by piece, and
   * re-deriving a chunked file's extents per piece made reading it quadratic in its chunk count.
   */
  let lastExtents: { nid: number; extents: DataExtent[] } | undefined;
  const fileExtents = async (ino: RawInode): Promise<DataExtent[]> => {
    if (lastExtents?.nid !== ino.nid) lastExtents = { nid: ino.nid, extents: await load(() => extentsSync(ino)) };
    return lastExtents.extents;
  };

  const isCompressed = (ino: RawInode) => ino.datalayout === EROFS_INODE_COMPRESSED_FULL || ino.datalayout === EROFS_INODE_COMPRESSED_COMPACT;

  /** Data and holes of a file, merged into runs (compressed data counts as one run of data). */
  const dataMap = async (ino: RawInode): Promise<DataSpan[]> => {
    if (ino.size === 0) return [];
    if (isCompressed(ino)) return [{ fileOffset: 0, length: ino.size, hole: false }];
    const spans: DataSpan[] = [];
    for (const ex of await fileExtents(ino)) {
      const hole = ex.offset === null;
      const last = spans[spans.length - 1];
      if (last && last.hole === hole && last.fileOffset + last.length === ex.fileOffset) last.length += ex.length;
      else spans.push({ fileOffset: ex.fileOffset, length: ex.length, hole });
    }
    return spans;
  };

  /** File data: read straight from the source (large files must not flood the metadata cache). */
  const readExtents = async (ino: RawInode, offset: number, length: number): Promise<Uint8Array> => {
    const end = Math.min(ino.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    if (isCompressed(ino)) {
      if (!options.decompressor) {
        throw new DecodeError(`inode ${ino.nid}: compressed data is not supported by this reader`, ino.offset, 2, 'erofs.data.compressed');
      }
      return options.decompressor(reader, ino, offset, end - offset);
    }
    const exts = await fileExtents(ino);
    // Bounds first, allocation second: a corrupt i_size must fail here, not as a giant buffer.
    for (const ex of exts) {
      const from = Math.max(offset, ex.fileOffset);
      const to = Math.min(end, ex.fileOffset + ex.length);
      if (from >= to || ex.offset === null || ex.deviceId) continue;
      const abs = ex.offset + (from - ex.fileOffset);
      if (abs + (to - from) > size) {
        throw new DecodeError(`inode ${ino.nid}: data at ${hex(abs)}+${to - from} runs past the image end`, abs, to - from, 'erofs.data.out-of-bounds');
      }
    }
    const out = new Uint8Array(end - offset);
    for (const ex of exts) {
      const from = Math.max(offset, ex.fileOffset);
      const to = Math.min(end, ex.fileOffset + ex.length);
      if (from >= to || ex.offset === null) continue;
      if (ex.deviceId) {
        const dev = resolveDevice(devices, options.devices, ex.deviceId, blockSize, { nid: ino.nid, offset: ino.offset, length: ino.inodeSize }, size);
        const at = dev.base + ex.offset + (from - ex.fileOffset);
        const devSize = dev.source === 'image' ? size : dev.source.size;
        if (at + (to - from) > devSize) {
          throw new DecodeError(`inode ${ino.nid}: data at ${hex(at)}+${to - from} on device ${ex.deviceId} runs past its end (${devSize} bytes)`, ino.offset, ino.inodeSize, 'erofs.data.out-of-bounds');
        }
        out.set(dev.source === 'image' ? await src.read(at, to - from) : await dev.source.read(at, to - from), from - offset);
        continue;
      }
      const abs = ex.offset + (from - ex.fileOffset);
      out.set(src.peek(abs, to - from) ?? (await src.read(abs, to - from)), from - offset);
    }
    return out;
  };

  /** Symlink targets are small and live with the metadata: read them through the cache. */
  const smallDataSync = (ino: RawInode): Uint8Array => {
    const out = new Uint8Array(ino.size);
    for (const ex of extentsSync(ino)) {
      if (ex.offset === null || ex.deviceId) continue;
      if (ex.offset + ex.length > size) {
        throw new DecodeError(`inode ${ino.nid}: data at ${hex(ex.offset)}+${ex.length} runs past the image end`, ex.offset, ex.length, 'erofs.data.out-of-bounds');
      }
      out.set(get(ex.offset, ex.length), ex.fileOffset);
    }
    return out;
  };

  const dirBlocksSync = (ino: RawInode) => {
    const out: { offset: number; length: number; dirents: RawDirent[] }[] = [];
    if ((ino.mode & 0o170000) !== 0o040000) throw new DecodeError(`inode ${ino.nid} is not a directory`, ino.offset, 4, 'erofs.dir.not-dir');
    const guard = dirGuard(ino.nid, blockSize);
    for (const ex of extentsSync(ino)) {
      if (ex.offset === null) throw new DecodeError(`directory ${ino.nid} has a hole`, ino.offset, ino.inodeSize, 'erofs.dir.hole');
      if (ex.offset + ex.length <= size) ensure(ex.offset, ex.length);
      // A directory extent is a sequence of blocks (or an inline tail shorter than a block).
      for (let o = 0; o < ex.length; o += blockSize) {
        const len = Math.min(blockSize, ex.length - o);
        const abs = ex.offset + o;
        if (abs + len > size) throw new DecodeError(`directory ${ino.nid}: block at ${hex(abs)} lies beyond the image end`, abs, len, 'erofs.dir.out-of-bounds');
        guard.block(abs, len);
        const dirents = decodeDirentBlock(get(abs, len), abs);
        guard.entries(dirents.length, abs, len);
        out.push({ offset: abs, length: len, dirents });
      }
    }
    return out;
  };

  const nodeSync = (id: number): ImageNode => {
    const ino = rawInodeSync(id);
    const kind = kindOfMode(ino.mode);
    const xattrs: Xattr[] = [];
    const area = xattrArea(ino);
    if (area) {
      const h = decodeIbodyHeader(area);
      area.pos = ibodyEntriesStart(h);
      for (const e of decodeInlineEntries(area)) xattrs.push(entryToXattr(e, false, longPrefixes, alloc));
      for (const sid of h.sharedIds) xattrs.push(sharedDecoded(sid).xattr);
    }
    // Constant labels: a walk decodes every inode, and a fresh string per node is measurable.
    const ranges = [{ label: ino.extended ? 'inode (extended)' : 'inode (compact)', offset: ino.offset, length: ino.inodeSize }];
    if (ino.xattrSize) ranges.push({ label: 'xattr area', offset: ino.offset + ino.inodeSize, length: ino.xattrSize });
    let data: DataLocation = { kind: 'none' };
    let target: Uint8Array | undefined;
    if (kind === 'file' || kind === 'symlink' || kind === 'dir') {
      if (ino.datalayout === EROFS_INODE_COMPRESSED_FULL || ino.datalayout === EROFS_INODE_COMPRESSED_COMPACT) {
        const hpos = zMapHeaderOffset(ino);
        const zh = decodeZMapHeader(new Cursor(get(hpos, Z_EROFS_MAP_HEADER_SIZE), hpos));
        const zl = zIndexLayout(ino, sb.blkszbits, zh);
        ranges.push({ label: 'compression map header', offset: hpos, length: Z_EROFS_MAP_HEADER_SIZE });
        if (zl.indexBytes) ranges.push({ label: zl.extentRecSize ? 'extent records' : zl.compact ? 'compact lcluster indexes' : 'lcluster indexes', offset: zl.indexBase, length: zl.indexBytes });
        data = { kind: 'compressed', algorithm: zAlgorithmName(zh, zl) };
      } else if (ino.size > 0) {
        const tail = inlineTail(ino);
        if (tail) ranges.push({ label: 'inline data', offset: tail.offset, length: tail.length });
        if (ino.datalayout === EROFS_INODE_CHUNK_BASED) {
          const { layout, chunks: list } = chunksSync(ino);
          ranges.push({ label: layout.indexes ? 'chunk indexes' : 'chunk block map', offset: layout.offset, length: layout.count * layout.entrySize });
          let nullCount = 0;
          let deviceIds: number[] | undefined;
          for (const c of list) {
            if (c.blkaddr === null) nullCount++;
            const dev = c.deviceId & deviceIdMask;
            if (dev > 0 && !deviceIds?.includes(dev)) (deviceIds ??= []).push(dev);
          }
          data = deviceIds
            ? { kind: 'chunks', chunkSize: layout.chunkSize, count: layout.count, nullCount, deviceIds }
            : { kind: 'chunks', chunkSize: layout.chunkSize, count: layout.count, nullCount };
        } else if (tail && tail.length === ino.size) {
          data = { kind: 'inline', offset: tail.offset, length: tail.length };
        } else {
          data = { kind: 'blocks', extents: extentsSync(ino).filter((e) => e.offset !== null).map((e) => ({ offset: e.offset!, length: e.length, fileOffset: e.fileOffset })) };
        }
      }
      // A symlink target is at most PATH_MAX (the kernel reads longer ones through the page cache,
      // so 512-byte blocks may hold longer targets than a block); a hostile size must not make us
      // allocate gigabytes.
      if (kind === 'symlink' && data.kind !== 'compressed') {
        if (ino.size > Math.max(blockSize, SYMLINK_PATH_MAX)) throw new DecodeError(`symlink ${id}: target length ${ino.size} exceeds ${Math.max(blockSize, SYMLINK_PATH_MAX)} bytes`, ino.offset, ino.inodeSize, 'erofs.symlink.size');
        target = smallDataSync(ino);
      }
    }
    // Built in key order without a spread: an object spread in a literal is a slow runtime call.
    const node = {
      id,
      kind,
      mode: ino.mode,
      uid: ino.uid,
      gid: ino.gid,
      size: ino.size,
      mtime: { sec: ino.mtimeSec, nsec: ino.mtimeNsec },
      nlink: ino.nlink,
      rdev: kind === 'chardev' || kind === 'blockdev' ? ino.iu : 0,
      ino: ino.ino,
      layout: LAYOUT_LABELS[ino.extended ? 1 : 0]![ino.datalayout] ?? datalayoutName(ino.datalayout),
    } as ImageNode;
    if (target) node.target = target;
    node.xattrs = xattrs;
    node.data = data;
    node.ranges = ranges;
    return node;
  };

  const childrenSync = (id: number): DirEntry[] => {
    const ino = rawInodeSync(id);
    const out: DirEntry[] = [];
    for (const b of dirBlocksSync(ino)) {
      for (const d of b.dirents) {
        const n = d.name;
        if (n[0] === 0x2e && (n.length === 1 || (n.length === 2 && n[1] === 0x2e))) continue;
        out.push({ name: n, id: d.nid, kind: fileTypeKind(d.fileType), range: { label: 'dirent', offset: d.offset, length: 12 } });
      }
    }
    return out;
  };

  /**
   * Sync access for walks: undefined when some bytes are not cached yet (then use the async form).
   * Takes the id rather than a closure: tryNode runs once per node of a walk.
   */
  const cachedOnly = <T>(f: (id: number) => T, id: number): T | undefined => {
    try {
      return f(id);
    } catch (e) {
      if (e instanceof NeedBytes) return undefined;
      throw explain(e);
    }
  };

  const info = (): ImageInfo => {
    const fields: ImageInfo['fields'] = [];
    const f = (label: string, value: string, name?: string) => {
      const r = name ? sb.fieldRanges[name] : undefined;
      fields.push(r ? { label, value, range: { label, offset: r[0], length: r[1] } } : { label, value });
    };
    if (options.wrapper) fields.push(...options.wrapper.fields);
    f('EROFS magic', hex(sb.magic).toUpperCase().replace('0X', '0x'), 'magic');
    f('block size', String(blockSize), 'blkszbits');
    f('blocks', String(sb.blocks), 'blocks');
    f('root nid', String(sb.rootNid), 'root_nid');
    f('inode count', String(sb.inos), 'inos');
    f('inode metadata start block', String(sb.metaBlkaddr), 'meta_blkaddr');
    f('shared xattr start block', String(sb.xattrBlkaddr), 'xattr_blkaddr');
    f('build time', formatTimestamp(sb.buildTime, sb.buildTimeNsec), 'build_time');
    f('uuid', formatUuid(sb.uuid), 'uuid');
    f('feature_compat', hex(sb.featureCompat), 'feature_compat');
    f('feature_incompat', hex(sb.featureIncompat), 'feature_incompat');
    if (sb.extraDevices) f('extra devices', String(sb.extraDevices), 'extra_devices');
    for (const d of devices?.slots ?? []) {
      fields.push({ label: `device ${d.id}`, value: `${deviceLabel(d)}, ${d.blocks} blocks${d.mappedBlkaddr ? `, mapped at block ${d.mappedBlkaddr}` : ''}`, range: { label: `device slot ${d.id}`, offset: d.offset, length: 128 } });
    }
    for (const c of comprCfgs ?? []) {
      fields.push({ label: 'compression', value: `${describeComprCfg(c)}; the level is not recorded in the image`, range: { label: `${c.name} configuration`, offset: c.offset, length: c.length } });
    }
    if (!(sb.featureIncompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS) && sb.u1) f('lz4 max distance', String(sb.u1), 'available_compr_algs');
    if (packedSize !== undefined) f('packed inode (fragments)', `nid ${sb.packedNid}, ${packedSize} bytes`, 'packed_nid');
    if (devices?.slots.length && !devices.slots.some((d) => d.mappedBlkaddr * blockSize < size && d.mappedBlkaddr)) {
      const opened = (options.devices ?? []).filter(Boolean).length;
      fields.push({ label: 'layout', value: `file data lives on ${devices.slots.length} extra device${devices.slots.length === 1 ? '' : 's'} (an index-only image such as mkfs.erofs --tar=i writes keeps it in the original tarball); ${opened} opened with the image` });
    }
    if (sb.xattrPrefixCount) f('long xattr prefixes', `${longPrefixes.length} of ${sb.xattrPrefixCount}`, 'xattr_prefix_count');
    const features = [
      ...COMPAT_FEATURE_NAMES.filter(([bit]) => sb.featureCompat & bit).map(([, n]) => n),
      ...INCOMPAT_FEATURE_NAMES.filter(([bit]) => sb.featureIncompat & bit).map(([, n]) => n),
    ];
    return { format: header ? 'composefs' : 'erofs', size, inodes: sb.inos, blockSize, fields, features };
  };

  // Opening proves the root is decodable (cheap: one inode) so a broken image fails early and clearly.
  await load(() => rawInodeSync(sb.rootNid));

  // Tables the kernel reads at mount. A damaged one is a finding: the rest stays inspectable.
  if (sb.extraDevices) {
    const t = deviceTableRange(sb);
    if (t.offset + t.length > size) {
      const [o, l] = sb.fieldRanges['devt_slotoff']!;
      findings.push({ code: 'erofs.superblock.device-table', severity: 'error', offset: o, length: l, message: `device table ${hex(t.offset)}+${t.length} (${sb.extraDevices} slots) runs past the image end (${size} bytes)` });
    } else {
      devices = decodeDeviceTable(await src.read(t.offset, t.length), sb);
    }
  }

  let comprCfgs: ComprCfg[] | undefined;
  if (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS) {
    const start = comprCfgsStart(sb);
    try {
      comprCfgs = decodeComprCfgs(await src.read(start, Math.min(blockSize, size - start)), sb);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      findings.push({ code: 'erofs.superblock.compr-cfgs', severity: 'error', offset: e.offset, length: e.length, message: `compression configurations: ${e.message}` });
    }
  }
  let packedSize: number | undefined;
  if (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS && sb.packedNid) {
    packedSize = await load(() => rawInodeSync(sb.packedNid).size).catch(() => undefined);
  }

  const reader: ErofsReader = {
    format: header ? 'composefs' : 'erofs',
    rootId: sb.rootNid,
    size,
    sb,
    ...(header ? { header } : {}),
    blockSize,
    source: src,
    info,
    node: (id) => load(() => nodeSync(id)),
    children: (id) => load(() => childrenSync(id)),
    tryNode: (id) => cachedOnly(nodeSync, id),
    tryChildren: (id) => cachedOnly(childrenSync, id),
    readData: async (id, offset, length) => readExtents(await load(() => rawInodeSync(id)), offset, length),
    dataMap: async (id) => dataMap(await load(() => rawInodeSync(id))),
    findings: () => findings.slice(),
    bytes: (offset, length) => {
      const len = Math.max(0, Math.min(length, size - offset));
      return src.read(offset, len);
    },
    close: async () => {
      await src.close?.();
    },
    rawInode: (nid) => load(() => rawInodeSync(nid)),
    xattrEntries: (ino) => load(() => xattrEntriesSync(ino)),
    extents: (ino) => load(() => extentsSync(ino)),
    chunks: (ino) => load(() => chunksSync(ino)),
    dirBlocks: (ino) => load(() => dirBlocksSync(ino)),
    inlineTail,
    async prefetchAll(limit = 256 << 20) {
      if (size > limit) return false;
      await src.prefetch(0, size);
      return true;
    },
    ...(devices ? { devices } : {}),
    ...(comprCfgs ? { comprCfgs } : {}),
    get longPrefixes() {
      return longPrefixes;
    },
  };
  if (sb.xattrPrefixCount) longPrefixes = await loadLongPrefixes(reader, findings);
  return reader;
}

/** The long prefix table lives in the packed inode's data when there is one, else in the image. */
async function loadLongPrefixes(r: ErofsReader, findings: Finding[]): Promise<LongPrefix[]> {
  const sb = r.sb;
  const start = longPrefixTableStart(sb.xattrPrefixStart);
  const [fo, fl] = sb.fieldRanges['xattr_prefix_start']!;
  try {
    const packed = sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS && sb.packedNid ? await r.rawInode(sb.packedNid) : undefined;
    const space = packed ? packed.size : r.size;
    const length = Math.min(longPrefixTableMaxBytes(sb.xattrPrefixCount), space - start);
    if (length <= 0) throw new DecodeError(`long xattr prefix table at ${hex(start)} lies beyond the end of the ${packed ? 'packed inode' : 'image'} (${space} bytes)`, fo, fl, 'erofs.xattr.long-prefix');
    const bytes = packed ? await r.readData(packed.nid, start, length) : await r.bytes(start, length);
    const { prefixes, error } = decodeLongPrefixes(bytes, start, sb.xattrPrefixCount);
    // Offsets inside the packed inode's data are not image offsets: point at the superblock field then.
    const [o, l] = packed ? [fo, fl] : [error?.offset ?? 0, error?.length ?? 0];
    if (error) findings.push({ code: 'erofs.xattr.long-prefix', severity: 'error', offset: o, length: l, message: error.message });
    return prefixes;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    findings.push({ code: 'erofs.xattr.long-prefix', severity: 'error', offset: e.offset, length: e.length, message: e.message });
    return [];
  }
}

export function formatUuid(u: Uint8Array): string {
  const h = toHex(u);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export { decodeDev };
