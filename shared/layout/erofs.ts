/**
 * The layout of a composefs or plain EROFS image: the composefs header, the superblock and its
 * tables, then every inode reachable from the root (and the packed inode) with its xattrs, its
 * inline tail, its dirent blocks, chunk map, compression map and the data blocks or pclusters it
 * points at. Decoding goes through the reader, so the map sees exactly what the reader sees; a
 * structure the reader rejects becomes a problem and, where its extent is known, one opaque block.
 */
import { Cursor, DecodeError, hex, le16 } from '../bytes/cursor.ts';
import { LCFS_EROFS_HEADER_SIZE } from '../composefs/header.ts';
import { displayBytes } from '../diff/text.ts';
import { deviceTableRange, EROFS_DEVT_SLOT_SIZE } from '../erofs/devices.ts';
import {
  EROFS_FEATURE_INCOMPAT_COMPR_CFGS,
  EROFS_FEATURE_INCOMPAT_FRAGMENTS,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_COMPRESSED_COMPACT,
  EROFS_INODE_COMPRESSED_FULL,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_ISLOTBITS,
  EROFS_SB_SIZE,
  EROFS_SUPER_OFFSET,
  EROFS_XATTR_IBODY_HEADER_SIZE,
} from '../erofs/erofs_fs.ts';
import type { RawInode } from '../erofs/inode.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import { decodeLongPrefixes, longPrefixTableMaxBytes, longPrefixTableStart } from '../erofs/xattr-prefixes.ts';
import { decodeZMapHeader, zIndexLayout, zMapHeaderOffset, Z_EROFS_ALGORITHM_NAMES, Z_EROFS_MAP_HEADER_SIZE, type ZIndexLayout } from '../erofs/zmap.ts';
import { bytesEqual } from '../model.ts';
import { finishLayout, LayoutBuilder, pacer, type FieldRef, type LayoutMap, type LayoutStructure } from './model.ts';

/** Each superblock extension slot is 16 bytes (EROFS_SB_EXTSLOT_SIZE). */
const EROFS_SB_EXTSLOT_SIZE = 16;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** Inode field offsets that place or size other structures (same in compact and extended inodes). */
const I_XATTR_ICOUNT: readonly [number, number] = [2, 2];
const I_U: readonly [number, number] = [16, 4];
const iSize = (ino: RawInode): [number, number] => (ino.extended ? [8, 8] : [8, 4]);
const ref = (ino: RawInode, name: string, [rel, len]: readonly [number, number]): FieldRef => ({ name, offset: ino.offset + rel, length: len });

interface Visit {
  nid: number;
  path: string;
  placedBy: FieldRef;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** `extra` adds what a format built on EROFS keeps beside it (RAFS v6's tables). */
export async function buildErofsLayout(r: ErofsReader, signal?: AbortSignal, extra?: (b: LayoutBuilder) => void): Promise<LayoutMap> {
  const b = new LayoutBuilder(r.format, r.size);
  await r.prefetchAll();
  extra?.(b);
  const sb = r.sb;
  const bs = r.blockSize;
  if (r.header) b.add({ kind: 'composefs.header', name: 'composefs header', offset: 0, length: LCFS_EROFS_HEADER_SIZE });
  b.add({ kind: 'erofs.superblock', name: 'superblock', offset: EROFS_SUPER_OFFSET, length: EROFS_SB_SIZE + sb.sbExtslots * EROFS_SB_EXTSLOT_SIZE });
  const sbField = (name: string): FieldRef => ({ name, offset: sb.fieldRanges[name]![0], length: sb.fieldRanges[name]![1] });
  if (sb.extraDevices && r.devices) {
    const t = deviceTableRange(sb);
    for (let i = 0; i < sb.extraDevices; i++) {
      b.add({ kind: 'erofs.device-slot', name: `device slot ${i + 1}`, offset: t.offset + i * EROFS_DEVT_SLOT_SIZE, length: EROFS_DEVT_SLOT_SIZE, placedBy: sbField('devt_slotoff') });
    }
  }
  await addLongPrefixes(b, r, sbField('xattr_prefix_start'));
  await addComprCfgs(b, r, sbField('available_compr_algs'));

  const visits: Visit[] = [{ nid: sb.rootNid, path: '/', placedBy: sbField('root_nid') }];
  if (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS && sb.packedNid) visits.push({ nid: sb.packedNid, path: '(packed inode)', placedBy: sbField('packed_nid') });
  const listed = new Set<number>();
  const detached: string[] = [];
  // Yield now and then, so a service building a map still answers other requests.
  const pace = pacer();
  while (visits.length) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const paused = pace.tick();
    if (paused) await paused;
    const v = visits.pop()!;
    let ino: RawInode;
    try {
      ino = await r.rawInode(v.nid);
    } catch (e) {
      b.problem(v.placedBy.offset, v.placedBy.length, `${v.path}: ${message(e)}`);
      continue;
    }
    b.add({ kind: ino.extended ? 'erofs.inode.extended' : 'erofs.inode.compact', name: `inode ${v.nid}`, offset: ino.offset, length: ino.inodeSize, placedBy: v.placedBy }, v.path);
    const metacopy = await addXattrs(b, r, ino, v.path);
    const isDir = (ino.mode & S_IFMT) === S_IFDIR;
    if (isDir && listed.has(v.nid)) continue;
    if (isDir) listed.add(v.nid);
    const children = await addData(b, r, ino, v.path, { isDir, metacopy, bs, detached });
    // Pushed in reverse so the walk meets names in on-disk order.
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      const parent = v.path === '/' ? '' : v.path;
      visits.push({ nid: c.nid, path: `${parent}/${displayBytes(c.name)}`, placedBy: { name: 'dirent nid', offset: c.offset, length: 8 } });
    }
  }
  const bytesAt = (o: number, l: number) => r.bytes(o, l);
  const map = await finishLayout(b, bytesAt);
  const claimed = claimSlotSlack(b, map) + (detached.length ? await claimDetachedMaps(b, map, detached, bytesAt, bs) : 0);
  return claimed ? finishLayout(b, bytesAt) : map;
}

/** Structures that live in an inode's run of 32-byte metadata slots, right after its core. */
const SLOT_KINDS = new Set([
  'erofs.inode.compact', 'erofs.inode.extended', 'erofs.xattr.ibody-header', 'erofs.xattr.entry',
  'erofs.inline-data', 'erofs.zmap.header', 'erofs.zmap.indexes', 'erofs.zmap.compact-indexes', 'erofs.pcluster.inline',
  'erofs.chunk-indexes', 'erofs.chunk-block-map',
]);
const EROFS_SLOT_SIZE = 1 << EROFS_ISLOTBITS;

/**
 * An inode's metadata ends where its last structure ends, but the next inode can only start at a
 * 32-byte slot (nids count slots), and extent records start at their record-size alignment after
 * the z-map header. No reader looks at the bytes in between. mkfs.erofs 1.9 does not zero them: it
 * leaves whatever its buffer held (ends of earlier files, heap addresses). So non-zero bytes there
 * belong to the inode as slack, not to "hidden content"; anything reaching past the slot boundary
 * still does. Returns how many slack structures it added.
 */
function claimSlotSlack(b: LayoutBuilder, map: LayoutMap): number {
  let added = 0;
  let i = 0;
  let reach: LayoutStructure | undefined; // the structure reaching furthest before the gap
  for (const g of map.gaps) {
    if (g.kind !== 'unaccounted') continue;
    for (; i < map.structures.length && map.structures[i]!.offset < g.offset; i++) {
      const s = map.structures[i]!;
      if (!reach || s.offset + s.length > reach.offset + reach.length) reach = s;
    }
    if (!reach) continue;
    const end = reach.offset + reach.length;
    const inlineDirents = reach.kind === 'erofs.dirent-block' && !reach.placedBy;
    if (!SLOT_KINDS.has(reach.kind) && !inlineDirents) continue;
    if (g.offset + g.length > Math.ceil(end / EROFS_SLOT_SIZE) * EROFS_SLOT_SIZE) continue;
    const owner = reach.name.match(/inode \d+/)?.[0] ?? 'an inode';
    b.add({ kind: 'erofs.slot-slack', name: `unused end of ${owner}'s last slot (not zeroed by the writer)`, offset: g.offset, length: g.length }, reach.paths[0]);
    added++;
  }
  return added;
}

/**
 * mkcomposefs 1.0.8 writes the null chunk map of a metacopy file whose inode, xattrs and map do not
 * fit one block as a block of its own in the data area, and then overwrites the low 16 bits of the
 * i_u that pointed at it with the chunk format: nothing points at it any more, and the kernel's
 * reader (which never reads a metacopy file's chunks) would look right after the inode. The map
 * is still the writer's: a whole block of EROFS_NULL_ADDR entries, one per such file.
 */
function detachedChunkMap(ino: RawInode, bs: number): boolean {
  const chunkBits = (ino.iu & 0x1f) + Math.log2(bs);
  const count = Math.ceil(ino.size / 2 ** chunkBits);
  const used = (ino.offset + ino.inodeSize + ino.xattrSize) % bs;
  return used + count * 4 > bs;
}

async function claimDetachedMaps(b: LayoutBuilder, map: LayoutMap, owners: string[], bytesAt: (o: number, l: number) => Promise<Uint8Array>, bs: number): Promise<number> {
  let k = 0;
  for (const g of map.gaps) {
    if (g.kind !== 'unaccounted') continue;
    for (let at = Math.ceil(g.offset / bs) * bs; at + bs <= g.offset + g.length && k < owners.length; at += bs) {
      const block = await bytesAt(at, bs);
      if (block.every((x) => x === 0xff)) b.add({ kind: 'composefs.detached-chunk-map', name: 'null chunk map (mkcomposefs, unreferenced)', offset: at, length: bs }, owners[k++]);
    }
  }
  return k;
}

async function addLongPrefixes(b: LayoutBuilder, r: ErofsReader, placedBy: FieldRef): Promise<void> {
  const sb = r.sb;
  // A table in the packed inode's data is part of that inode's data, mapped with it.
  if (!sb.xattrPrefixCount || (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS && sb.packedNid)) return;
  const start = longPrefixTableStart(sb.xattrPrefixStart);
  const length = Math.min(longPrefixTableMaxBytes(sb.xattrPrefixCount), r.size - start);
  if (length <= 0) return;
  const { prefixes } = decodeLongPrefixes(await r.bytes(start, length), start, sb.xattrPrefixCount);
  prefixes.forEach((p, i) => b.add({ kind: 'erofs.xattr.long-prefix', name: `long xattr prefix ${i}`, offset: p.offset, length: p.length, placedBy }));
}

/**
 * With COMPR_CFGS, one record per algorithm in available_compr_algs follows the superblock (as
 * erofs_read_metadata reads them: 4-byte aligned, a __le16 length, then the algorithm's config).
 */
async function addComprCfgs(b: LayoutBuilder, r: ErofsReader, placedBy: FieldRef): Promise<void> {
  const sb = r.sb;
  if (!(sb.featureIncompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS)) return;
  let pos = EROFS_SUPER_OFFSET + EROFS_SB_SIZE + sb.sbExtslots * EROFS_SB_EXTSLOT_SIZE;
  for (let alg = 0; alg < 16; alg++) {
    if (!(sb.u1 & (1 << alg))) continue;
    pos = Math.ceil(pos / 4) * 4;
    if (pos + 2 > r.size) return;
    const len = le16(await r.bytes(pos, 2), 0);
    b.add({ kind: 'erofs.compr-cfg', name: `compression config of ${Z_EROFS_ALGORITHM_NAMES[alg] ?? `algorithm ${alg}`}`, offset: pos, length: 2 + len, placedBy });
    pos += 2 + len;
  }
}

/** Composefs' metacopy xattr: overlayfs then reads the backing object, never the file's chunks. */
const METACOPY_SUFFIX = new TextEncoder().encode('overlay.metacopy');
const EROFS_XATTR_INDEX_TRUSTED = 4;

/** Adds the xattr structures; true when the inode carries trusted.overlay.metacopy. */
async function addXattrs(b: LayoutBuilder, r: ErofsReader, ino: RawInode, path: string): Promise<boolean> {
  if (!ino.xattrSize) return false;
  const at = ino.offset + ino.inodeSize;
  const sizedBy = ref(ino, 'i_xattr_icount', I_XATTR_ICOUNT);
  try {
    const x = await r.xattrEntries(ino);
    const shared = x.header?.sharedCount ?? 0;
    b.add({ kind: 'erofs.xattr.ibody-header', name: `xattr header of inode ${ino.nid}`, offset: at, length: EROFS_XATTR_IBODY_HEADER_SIZE + shared * 4, sizedBy }, path);
    for (const e of x.inline) b.add({ kind: 'erofs.xattr.entry', name: `xattr of inode ${ino.nid}`, offset: e.offset, length: e.size, sizedBy }, path);
    x.shared.forEach((s, i) => {
      const placedBy = { name: 'h_shared_xattrs', offset: at + EROFS_XATTR_IBODY_HEADER_SIZE + i * 4, length: 4 };
      b.add({ kind: 'erofs.xattr.shared', name: `shared xattr ${s.id}`, offset: s.entry.offset, length: s.entry.size, placedBy }, path);
    });
    const all = [...x.inline, ...x.shared.map((s) => s.entry)];
    return r.header !== undefined && all.some((e) => e.nameIndex === EROFS_XATTR_INDEX_TRUSTED && bytesEqual(e.suffix, METACOPY_SUFFIX));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    b.problem(e.offset, e.length, `${path}: ${e.message}`);
    b.add({ kind: 'erofs.xattr.area', name: `xattr area of inode ${ino.nid} (undecodable)`, offset: at, length: ino.xattrSize, sizedBy }, path);
    return false;
  }
}

interface Child {
  nid: number;
  name: Uint8Array;
  offset: number;
}

/** Adds the inode's data structures; returns a directory's children (without "." and ".."). */
async function addData(b: LayoutBuilder, r: ErofsReader, ino: RawInode, path: string, how: { isDir: boolean; metacopy: boolean; bs: number; detached: string[] }): Promise<Child[]> {
  const { isDir, bs } = how;
  if (ino.size === 0 && ino.datalayout !== EROFS_INODE_COMPRESSED_FULL && ino.datalayout !== EROFS_INODE_COMPRESSED_COMPACT) return [];
  const kind = ino.mode & S_IFMT;
  // Device nodes, fifos and sockets keep rdev in i_u and have no data; an inode of no known type
  // still owns the data its layout describes.
  if (kind === 0o020000 || kind === 0o060000 || kind === 0o010000 || kind === 0o140000) return [];
  const sizedBy = ref(ino, 'i_size', iSize(ino));
  const placedBy = ref(ino, 'i_u', I_U);
  try {
    if (ino.datalayout === EROFS_INODE_COMPRESSED_FULL || ino.datalayout === EROFS_INODE_COMPRESSED_COMPACT) {
      await addCompressed(b, r, ino, path, sizedBy);
      return [];
    }
    if (ino.datalayout === EROFS_INODE_CHUNK_BASED) {
      if (how.metacopy && detachedChunkMap(ino, bs)) {
        how.detached.push(path);
        return [];
      }
      const { layout, chunks } = await r.chunks(ino);
      b.add({ kind: layout.indexes ? 'erofs.chunk-indexes' : 'erofs.chunk-block-map', name: `chunk map of inode ${ino.nid}`, offset: layout.offset, length: layout.count * layout.entrySize, sizedBy }, path);
      const mask = r.devices?.idMask ?? 0;
      // overlayfs reads a metacopy file's backing object, never its chunks: they are all null.
      if (how.metacopy) return [];
      chunks.forEach((c, i) => {
        if (c.blkaddr === null || c.deviceId & mask) return;
        const length = Math.min(layout.chunkSize, ino.size - i * layout.chunkSize);
        b.add({ kind: isDir ? 'erofs.dirent-block' : 'erofs.chunk-data', name: `chunk ${i} of inode ${ino.nid}`, offset: c.blkaddr * bs, length, placedBy: { name: 'chunk entry', offset: c.offset, length: layout.entrySize }, sizedBy }, path);
      });
      if (!isDir) return [];
    }
    if (isDir) return await addDirents(b, r, ino, path, placedBy, sizedBy);
    if (ino.datalayout === EROFS_INODE_FLAT_PLAIN || ino.datalayout === EROFS_INODE_FLAT_INLINE) {
      for (const ex of await r.extents(ino)) {
        if (ex.offset === null || ex.deviceId) continue;
        const inline = ino.datalayout === EROFS_INODE_FLAT_INLINE && ex.offset === r.inlineTail(ino)?.offset;
        b.add({ kind: inline ? 'erofs.inline-data' : 'erofs.data', name: `${inline ? 'inline data' : 'data'} of inode ${ino.nid}`, offset: ex.offset, length: ex.length, ...(inline ? {} : { placedBy }), sizedBy }, path);
      }
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    b.problem(e.offset, e.length, `${path}: ${e.message}`);
  }
  return [];
}

async function addDirents(b: LayoutBuilder, r: ErofsReader, ino: RawInode, path: string, placedBy: FieldRef, sizedBy: FieldRef): Promise<Child[]> {
  const children: Child[] = [];
  const tail = r.inlineTail(ino);
  for (const block of await r.dirBlocks(ino)) {
    // The block ends with its last name; what follows up to the block end is padding.
    let end = block.offset;
    for (const d of block.dirents) end = Math.max(end, d.nameOffset + d.name.length, d.offset + 12);
    const inline = tail !== undefined && block.offset === tail.offset;
    b.add({ kind: 'erofs.dirent-block', name: `dirent block of inode ${ino.nid}`, offset: block.offset, length: end - block.offset, ...(inline ? {} : { placedBy }), sizedBy }, path);
    for (const d of block.dirents) {
      const n = d.name;
      if (n[0] === 0x2e && (n.length === 1 || (n.length === 2 && n[1] === 0x2e))) continue;
      children.push({ nid: d.nid, name: n, offset: d.offset });
    }
  }
  return children;
}

async function addCompressed(b: LayoutBuilder, r: ErofsReader, ino: RawInode, path: string, sizedBy: FieldRef): Promise<void> {
  const hpos = zMapHeaderOffset(ino);
  const header = decodeZMapHeader(new Cursor(await r.bytes(hpos, Z_EROFS_MAP_HEADER_SIZE), hpos));
  const zl = zIndexLayout(ino, r.sb.blkszbits, header);
  b.add({ kind: 'erofs.zmap.header', name: `compression map header of inode ${ino.nid}`, offset: hpos, length: Z_EROFS_MAP_HEADER_SIZE }, path);
  const indexBytes = zl.compact ? compactIndexBytes(zl) : zl.indexBytes;
  if (indexBytes) b.add({ kind: zl.compact ? 'erofs.zmap.compact-indexes' : 'erofs.zmap.indexes', name: `lcluster indexes of inode ${ino.nid}`, offset: zl.indexBase, length: indexBytes, sizedBy }, path);
  const { compressedExtents } = await import('../erofs/zdata.ts');
  const { extents } = await compressedExtents(r, ino);
  for (const ext of extents) {
    if (ext.fragment || ext.plen === 0) continue;
    const placedBy = { name: 'lcluster index', offset: ext.indexOffset, length: ext.indexSize };
    b.add({ kind: ext.inline ? 'erofs.pcluster.inline' : 'erofs.pcluster', name: `pcluster of inode ${ino.nid}`, offset: ext.pa, length: ext.plen, placedBy }, path);
  }
}

/**
 * Compact indexes come in packs: 4-byte entries two lclusters to an 8-byte pack, 2-byte entries
 * sixteen to a 32-byte pack, so a pack is whole even when its last lclusters do not exist.
 */
function compactIndexBytes(zl: ZIndexLayout): number {
  const initial = Math.min(zl.totalIdx, zl.compacted4bInitial);
  const trailing = Math.max(0, zl.totalIdx - initial - zl.compacted2b);
  return Math.ceil(initial / 2) * 8 + zl.compacted2b * 2 + Math.ceil(trailing / 2) * 8;
}
