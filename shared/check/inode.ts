/**
 * Rules for one inode, after the kernel's erofs_read_inode(), erofs_map_blocks() and
 * erofs_fill_symlink(): the slot must lie inside the image and clear of the superblock, the mode
 * must name a file type, and every byte of data the layout points at must lie inside the image
 * (an inline tail within one block, chunks on known devices).
 */
import { hex } from '../bytes/cursor.ts';
import { LCFS_EROFS_HEADER_SIZE } from '../composefs/header.ts';
import type { Chunk, ChunkLayout } from '../erofs/chunk.ts';
import {
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_COMPRESSED_COMPACT,
  EROFS_INODE_COMPRESSED_FULL,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_SUPER_OFFSET,
} from '../erofs/erofs_fs.ts';
import type { RawInode } from '../erofs/inode.ts';
import { OVERLAY_XATTR_METACOPY } from '../composefs/overlay.ts';
import { kindOfMode, type NodeKind } from '../model.ts';
import { finding } from './codes.ts';
import { subjectExtra, type CheckContext, type Subject } from './context.ts';
import { superblockEnd } from './superblock.ts';
import { checkXattrs, storedAs, xattrIs, type CheckedXattr, type SharedXattrCache } from './xattr.ts';

/** Byte ranges of inode fields, [offset within the inode, length], for compact and extended inodes. */
export const INODE_FIELD = {
  compact: { i_format: [0, 2], i_xattr_icount: [2, 2], i_mode: [4, 2], i_nlink: [6, 2], i_size: [8, 4], i_mtime: [12, 4], i_u: [16, 4] },
  extended: { i_format: [0, 2], i_xattr_icount: [2, 2], i_mode: [4, 2], i_size: [8, 8], i_u: [16, 4], i_mtime: [32, 8], i_mtime_nsec: [40, 4], i_nlink: [44, 4] },
} as const;

type FieldName = keyof typeof INODE_FIELD.compact & keyof typeof INODE_FIELD.extended;

/** Absolute [offset, length] of a field of this inode. */
export function fieldRange(ino: RawInode, field: FieldName | 'i_mtime_nsec'): [number, number] {
  const table: Record<string, readonly [number, number]> = ino.extended ? INODE_FIELD.extended : INODE_FIELD.compact;
  const [rel, len] = table[field] ?? table['i_mtime']!;
  return [ino.offset + rel, len];
}

const METACOPY = storedAs(OVERLAY_XATTR_METACOPY);

/** PATH_MAX - 1: the longest symlink target the VFS hands out whole. */
export const SYMLINK_MAX = 4095;

/** What the walk keeps about a decoded inode. */
export interface InodeInfo {
  nid: number;
  raw: RawInode;
  kind: NodeKind;
  xattrs: CheckedXattr[];
  /** Chunks of a CHUNK_BASED file (undefined for other layouts or when the map is unreadable). */
  chunks?: { layout: ChunkLayout; chunks: Chunk[] };
  /** The bytes the inode occupies in the metadata area: inode, xattrs, inline tail or chunk map. */
  extent: { offset: number; end: number };
}

/** What the whole-tree rules need of an inode after its own rules ran. */
export type InodeSummary = Pick<InodeInfo, 'nid' | 'kind' | 'raw' | 'extent'>;

const hasData = (kind: NodeKind) => kind === 'file' || kind === 'dir' || kind === 'symlink';

/** Decodes and judges one inode; undefined (with a finding) when it cannot be decoded at all. */
export async function inspectInode(ctx: CheckContext, nid: number, subject: Subject, shared: SharedXattrCache): Promise<InodeInfo | undefined> {
  let raw: RawInode;
  try {
    raw = await ctx.reader.rawInode(nid);
  } catch (error) {
    ctx.addError(error, subject);
    return undefined;
  }
  const kind = kindOfMode(raw.mode);
  const info: InodeInfo = { nid, raw, kind, xattrs: [], extent: { offset: raw.offset, end: raw.offset + raw.inodeSize + raw.xattrSize } };

  const sbEnd = superblockEnd(ctx.reader.sb.sbExtslots);
  const headerEnd = ctx.composefs ? LCFS_EROFS_HEADER_SIZE : 0;
  const inodeEnd = raw.offset + raw.inodeSize;
  const overHeader = raw.offset < headerEnd;
  const overSuper = raw.offset < sbEnd && inodeEnd > EROFS_SUPER_OFFSET;
  if (overHeader || overSuper) {
    ctx.add(finding('erofs.inode.overlaps-superblock', raw.offset, raw.inodeSize, `inode ${nid} at ${hex(raw.offset)} lies over the ${overHeader ? `composefs header (0..${hex(headerEnd)})` : `superblock (${hex(EROFS_SUPER_OFFSET)}..${hex(sbEnd)})`}`, subjectExtra(subject)));
  }
  if (kind === 'unknown') {
    ctx.add(finding('erofs.inode.mode', ...fieldRange(raw, 'i_mode'), `i_mode ${raw.mode.toString(8)} names no file type`, {
      ...subjectExtra(subject),
      actual: raw.mode.toString(8),
    }));
  }
  if (raw.extended && raw.mtimeNsec >= 1e9) {
    ctx.add(finding('erofs.inode.mtime-nsec', ...fieldRange(raw, 'i_mtime_nsec'), `i_mtime_nsec ${raw.mtimeNsec} is not below 10^9`, {
      ...subjectExtra(subject),
      expected: '< 1000000000',
      actual: String(raw.mtimeNsec),
    }));
  }

  info.xattrs = await checkXattrs(ctx, raw, subject, shared);

  if (hasData(kind)) await checkData(ctx, info, subject);
  if (kind === 'symlink') {
    if (raw.size === 0) {
      ctx.add(finding('composefs.symlink.empty', ...fieldRange(raw, 'i_size'), `symlink has an empty target`, { ...subjectExtra(subject), expected: '> 0', actual: '0' }));
    } else if (raw.size > SYMLINK_MAX) {
      ctx.add(finding('erofs.symlink.too-long', ...fieldRange(raw, 'i_size'), `symlink target is ${raw.size} bytes; the kernel returns at most ${SYMLINK_MAX}`, {
        ...subjectExtra(subject),
        expected: `<= ${SYMLINK_MAX}`,
        actual: String(raw.size),
      }));
    }
  }
  if (kind === 'dir' && raw.size === 0) {
    ctx.add(finding('erofs.dir.empty', ...fieldRange(raw, 'i_size'), `directory has size 0, so not even "." and ".."`, { ...subjectExtra(subject), actual: '0' }));
  }
  return info;
}

const outOfImage = (ctx: CheckContext, offset: number, length: number) => !Number.isSafeInteger(offset + length) || offset + length > ctx.size;

/** Checks that the data the layout describes lies inside the image; records the inode's extent. */
async function checkData(ctx: CheckContext, info: InodeInfo, subject: Subject): Promise<void> {
  const { raw } = info;
  const bs = ctx.blockSize;
  if (raw.size === 0) return;

  if (raw.datalayout === EROFS_INODE_FLAT_PLAIN || raw.datalayout === EROFS_INODE_FLAT_INLINE) {
    const tail = raw.datalayout === EROFS_INODE_FLAT_INLINE ? ctx.reader.inlineTail(raw) : undefined;
    const headLength = raw.size - (tail?.length ?? 0);
    const start = (raw.startBlk ?? 0) * bs;
    if (headLength > 0 && raw.startBlk !== null && outOfImage(ctx, start, headLength)) {
      ctx.add(finding('erofs.data.out-of-bounds', ...fieldRange(raw, 'i_u'), `data blocks ${hex(start)}+${headLength} run past the image end (${ctx.size} bytes)`, {
        ...subjectExtra(subject),
        expected: headLength <= ctx.size ? `raw_blkaddr at most ${Math.floor((ctx.size - headLength) / bs)}` : `${headLength} bytes of data inside the image`,
        actual: String(raw.iu),
      }));
    }
    if (tail) {
      info.extent.end = tail.offset + tail.length;
      if (outOfImage(ctx, tail.offset, tail.length)) {
        ctx.add(finding('erofs.data.out-of-bounds', tail.offset, Math.max(0, ctx.size - tail.offset), `inline data ${hex(tail.offset)}+${tail.length} runs past the image end (${ctx.size} bytes)`, subjectExtra(subject)));
      } else if ((tail.offset % bs) + tail.length > bs) {
        ctx.add(finding('erofs.inline.crosses-block', tail.offset, tail.length, `inline tail ${hex(tail.offset)}+${tail.length} crosses the block boundary at ${hex(tail.offset - (tail.offset % bs) + bs)}`, {
          ...subjectExtra(subject),
          expected: `at most ${bs - (tail.offset % bs)} bytes`,
          actual: String(tail.length),
        }));
      }
    }
    return;
  }
  if (raw.datalayout === EROFS_INODE_COMPRESSED_FULL || raw.datalayout === EROFS_INODE_COMPRESSED_COMPACT) {
    await checkCompressed(ctx, info, subject);
    return;
  }
  if (raw.datalayout !== EROFS_INODE_CHUNK_BASED) return;

  let chunked: { layout: ChunkLayout; chunks: Chunk[] };
  try {
    chunked = await ctx.reader.chunks(raw);
  } catch (error) {
    ctx.addError(error, subject, { offset: raw.offset, length: raw.inodeSize });
    return;
  }
  info.chunks = chunked;
  // A composefs file with a metacopy xattr takes its data from the backing object: overlayfs never
  // reads its chunks. (mkcomposefs 1.0.8 even places such maps away from the inode when inode,
  // xattrs and map exceed a block, e.g. upstream's bigfile-xattr, so their bytes are not judged.)
  if (ctx.composefs && info.xattrs.some((x) => xattrIs(x, METACOPY.index, METACOPY.suffix))) return;
  const { layout, chunks } = chunked;
  info.extent.end = Math.max(info.extent.end, layout.offset + layout.count * layout.entrySize);
  const devices = ctx.reader.sb.extraDevices;
  // The kernel keeps only the device_id bits that can name a device (sbi->device_id_mask).
  const mask = 2 ** Math.ceil(Math.log2(devices + 1)) - 1;
  for (let k = 0; k < chunks.length; k++) {
    const ch = chunks[k]!;
    if (ch.blkaddr === null) continue;
    const device = ch.deviceId & mask;
    if (device > devices) {
      ctx.add(finding('erofs.chunk.device', ch.offset, layout.entrySize, `chunk ${k} names device ${device}; the image has ${devices} extra devices`, {
        ...subjectExtra(subject),
        expected: `at most ${devices}`,
        actual: String(device),
      }));
      continue;
    }
    if (device > 0) continue;
    const length = Math.min(layout.chunkSize, raw.size - k * layout.chunkSize);
    const start = ch.blkaddr * bs;
    if (outOfImage(ctx, start, length)) {
      ctx.add(finding('erofs.chunk.addr-out-of-bounds', ch.offset, layout.entrySize, `chunk ${k} at block ${ch.blkaddr} (${hex(start)}+${length}) lies past the image end (${ctx.size} bytes)`, {
        ...subjectExtra(subject),
        actual: String(ch.blkaddr),
      }));
    }
  }
}

/** Compressed data is decoded in windows of this size, so a file never needs its size in memory. */
const DECOMPRESS_WINDOW = 1 << 20;
/** LZ4 cannot expand data more than ~255 times: a larger claimed size is not decoded to the end. */
const MAX_EXPANSION = 256;

/**
 * Compressed data is judged as fsck.erofs judges it: by decompressing all of it. Any map or
 * stream the decoder rejects becomes a finding with the decoder's code and range.
 */
async function checkCompressed(ctx: CheckContext, info: InodeInfo, subject: Subject): Promise<void> {
  const { raw } = info;
  const end = Math.min(raw.size, MAX_EXPANSION * ctx.size);
  for (let at = 0; at < end; at += DECOMPRESS_WINDOW) {
    ctx.throwIfAborted();
    try {
      await ctx.reader.readData(info.nid, at, Math.min(DECOMPRESS_WINDOW, end - at));
    } catch (error) {
      ctx.addError(error, subject, { offset: raw.offset, length: raw.inodeSize });
      return;
    }
  }
}
