/**
 * Compressed-file block mapping (the kernel's fs/erofs/zmap.c): struct z_erofs_map_header, full
 * indexes (struct z_erofs_lcluster_index, COMPRESSED_FULL) and compact 2B/4B index packs
 * (COMPRESSED_COMPACT), turned into extents: "logical bytes [la, la+llen) decode from physical
 * bytes [pa, pa+plen) with algorithm A".
 *
 * Mapping is synchronous over a byte getter; every field read goes through a Cursor so errors
 * carry the byte range of the index that is wrong.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER, EROFS_FEATURE_INCOMPAT_COMPR_CFGS, EROFS_INODE_COMPRESSED_COMPACT, EROFS_INODE_COMPRESSED_FULL } from './erofs_fs.ts';
import type { RawInode } from './inode.ts';
import type { Superblock } from './superblock.ts';

/* h_algorithmtype values */
export const Z_EROFS_COMPRESSION_LZ4 = 0;
export const Z_EROFS_COMPRESSION_LZMA = 1;
export const Z_EROFS_COMPRESSION_DEFLATE = 2;
export const Z_EROFS_COMPRESSION_ZSTD = 3;
export const Z_EROFS_COMPRESSION_MAX = 4;
/* Pseudo algorithms of uncompressed (PLAIN) pclusters, as the kernel numbers them after the real ones. */
export const Z_EROFS_COMPRESSION_SHIFTED = Z_EROFS_COMPRESSION_MAX;
export const Z_EROFS_COMPRESSION_INTERLACED = Z_EROFS_COMPRESSION_MAX + 1;
export const Z_EROFS_ALGORITHM_NAMES = ['lz4', 'lzma', 'deflate', 'zstd', 'shifted', 'interlaced'];

/* h_advise */
export const Z_EROFS_ADVISE_COMPACTED_2B = 0x0001;
export const Z_EROFS_ADVISE_BIG_PCLUSTER_1 = 0x0002;
export const Z_EROFS_ADVISE_BIG_PCLUSTER_2 = 0x0004;
export const Z_EROFS_ADVISE_INLINE_PCLUSTER = 0x0008;
export const Z_EROFS_ADVISE_INTERLACED_PCLUSTER = 0x0010;
export const Z_EROFS_ADVISE_FRAGMENT_PCLUSTER = 0x0020;
export const Z_EROFS_FRAGMENT_INODE_BIT = 7;
/* COMPRESSED_FULL only (erofs-utils 1.8+, Linux 6.15): extent records instead of lcluster indexes. */
export const Z_EROFS_ADVISE_EXTENTS = 0x0001;
export const Z_EROFS_ADVISE_EXTRECSZ_BIT = 1;
export const Z_EROFS_ADVISE_EXTRECSZ_MASK = 0x3;
/* struct z_erofs_extent { __le32 plen, pstart_lo, pstart_hi, lstart_lo, lstart_hi; u8 reserved[12]; } */
export const Z_EROFS_EXTENT_PLEN_PARTIAL = 1 << 27;
export const Z_EROFS_EXTENT_PLEN_FMT_BIT = 28;
export const Z_EROFS_EXTENT_PLEN_MASK = (1024 * 1024 << 1) - 1;
/** Record size of extent metadata: 4, 8, 16 or 32 bytes (z_erofs_extent_recsize). */
export const zExtentRecSize = (advise: number): number => 4 << ((advise >> Z_EROFS_ADVISE_EXTRECSZ_BIT) & Z_EROFS_ADVISE_EXTRECSZ_MASK);

/* lcluster types */
export const Z_EROFS_LCLUSTER_TYPE_PLAIN = 0;
export const Z_EROFS_LCLUSTER_TYPE_HEAD1 = 1;
export const Z_EROFS_LCLUSTER_TYPE_NONHEAD = 2;
export const Z_EROFS_LCLUSTER_TYPE_HEAD2 = 3;
export const Z_EROFS_LI_LCLUSTER_TYPE_MASK = 3;
export const Z_EROFS_LI_PARTIAL_REF = 1 << 15;
export const Z_EROFS_LI_D0_CBLKCNT = 1 << 11;
/** ilog2(Z_EROFS_LI_D0_CBLKCNT) + 1: the fewest low bits of a compact index entry. */
const LI_D0_CBLKCNT_BITS = 12;

export const Z_EROFS_MAP_HEADER_SIZE = 8;
export const Z_EROFS_LCLUSTER_INDEX_SIZE = 8;
/** Largest encoded pcluster the kernel accepts. */
export const Z_EROFS_PCLUSTER_MAX_SIZE = 1024 * 1024;
/** Largest decoded extent the kernel accepts; also our per-extent memory bound. */
export const Z_EROFS_PCLUSTER_MAX_DSIZE = 12 * 1024 * 1024;

export const LCLUSTER_TYPE_NAMES = ['PLAIN', 'HEAD1', 'NONHEAD', 'HEAD2'];

/** Synchronous access to image bytes; throws when they cannot be had (caller's retry protocol). */
export type ByteGetter = (offset: number, length: number) => Uint8Array;

export interface ZMapHeader {
  /** Absolute offset of the 8-byte header. */
  offset: number;
  /** h_fragmentoff (the union's 32-bit view). */
  fragmentOff: number;
  /** h_idata_size: encoded size of the ztailpacking inline pcluster. */
  idataSize: number;
  advise: number;
  /** Algorithms of HEAD1 and HEAD2 lclusters. */
  algorithmType: [number, number];
  /** h_clusterbits as stored. */
  clusterBits: number;
  /** Bit 7 of h_clusterbits: the whole file lives in the packed inode at `fragmentOff64`. */
  wholeFileFragment: boolean;
  fragmentOff64: number;
  /** h_extents_lo | h_extents_hi << 32: extent record count (meaningful with Z_EROFS_ADVISE_EXTENTS). */
  extentCount: number;
}

export function decodeZMapHeader(c: Cursor): ZMapHeader {
  const offset = c.offset;
  const fragmentOff = c.u32('z_erofs_map_header.h_fragmentoff');
  const idataSize = fragmentOff >>> 16;
  const advise = c.u16('z_erofs_map_header.h_advise');
  const algorithmtype = c.u8('z_erofs_map_header.h_algorithmtype');
  const clusterBits = c.u8('z_erofs_map_header.h_clusterbits');
  const wholeFileFragment = clusterBits >> Z_EROFS_FRAGMENT_INODE_BIT === 1;
  // The whole header is then a 64-bit offset with its top bit as the marker.
  const fragmentOff64 = wholeFileFragment ? (advise | (algorithmtype << 16) | ((clusterBits & 0x7f) << 24)) * 2 ** 32 + fragmentOff : 0;
  return {
    offset, fragmentOff, idataSize, advise, algorithmType: [algorithmtype & 15, algorithmtype >> 4], clusterBits,
    wholeFileFragment, fragmentOff64, extentCount: (algorithmtype | (clusterBits << 8)) * 2 ** 32 + fragmentOff,
  };
}

/** Where a compressed inode's lcluster indexes lie, from its header alone. */
export interface ZIndexLayout {
  lclusterBits: number;
  compact: boolean;
  /** Absolute offset of lcluster index 0 (full) or of the first compact pack (ebase). */
  indexBase: number;
  /** Number of lcluster indexes the inode has (compact: erofs_iblks). */
  totalIdx: number;
  /** Layout of the compact index area: 4B entries before the 2B packs, 2B entries. */
  compacted4bInitial: number;
  compacted2b: number;
  /** Extent records (COMPRESSED_FULL with Z_EROFS_ADVISE_EXTENTS): record size, else 0. */
  extentRecSize: number;
  /** Byte length of the index area after the header, for the hex view. */
  indexBytes: number;
}

/**
 * "lz4", or "lzma+lz4" when HEAD2 lclusters use a second algorithm. A HEAD2 type of 0 is only
 * named when something else says HEAD2 is in use (its big-pcluster advise): single-algorithm
 * builders leave the field 0 whatever HEAD1 is.
 */
export function zAlgorithmName(h: ZMapHeader, layout?: ZIndexLayout): string {
  if (h.wholeFileFragment) return 'fragment';
  if (layout?.extentRecSize) return 'extent records';
  const name = (a: number) => Z_EROFS_ALGORITHM_NAMES[a] ?? `algorithm ${a}`;
  const [head1, head2] = h.algorithmType;
  const head2InUse = head2 !== 0 || (h.advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2) !== 0;
  return head2 === head1 || !head2InUse ? name(head1) : `${name(head1)}+${name(head2)}`;
}

/** Everything the mapping of one compressed inode needs, decoded once. */
export interface ZInode extends ZIndexLayout {
  ino: RawInode;
  header: ZMapHeader;
  blkszbits: number;
  /** Head lcn of the tail extent (ztailpacking or fragment); -1 when neither applies. */
  tailHeadLcn: number;
  /** Absolute offset of the ztailpacking inline pcluster. */
  idataOff: number;
  /** Offset of the tail fragment in the packed inode's data. */
  fragmentOff: number;
  /** available_compr_algs, or only lz4 without the compr_cfgs feature (as the kernel assumes). */
  availableAlgs: number;
  /** 4-byte extent records: where the last lookup started, so a sequential read stays linear. */
  recordMemo?: { lstart: number; pos: number; pa: number };
}

export interface ZExtent {
  /** Logical (decompressed) start and full length. */
  la: number;
  llen: number;
  /** Absolute physical start and encoded length (0 for a fragment). */
  pa: number;
  plen: number;
  headType: number;
  headLcn: number;
  /** Z_EROFS_COMPRESSION_* (SHIFTED / INTERLACED for PLAIN pclusters). */
  algorithm: number;
  /** ztailpacking: the pcluster lives inline after the indexes. */
  inline: boolean;
  /** The extent's bytes live in the packed inode at `ZInode.fragmentOff`. */
  fragment: boolean;
  /** Full indexes only: the pcluster decodes to more than this extent (deduplicated). */
  partialRef: boolean;
  /** Extent records only: no data (reads as zeros). */
  hole?: boolean;
  /** Absolute offset and size of the head lcluster's index entry, for error ranges. */
  indexOffset: number;
  indexSize: number;
}

interface Lcluster {
  lcn: number;
  type: number;
  clusterofs: number;
  pblk: number;
  delta0: number;
  delta1: number;
  compressedBlks: number;
  partialRef: boolean;
  /** Offset just past this index's pack (where a ztailpacking pcluster follows the last one). */
  nextPackOff: number;
  offset: number;
  size: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

const zerr = (z: ZInode | RawInode, what: string, offset: number, length: number, code = 'erofs.zmap.corrupt'): DecodeError => {
  const nid = 'header' in z ? z.ino.nid : z.nid;
  return new DecodeError(`inode ${nid}: ${what}`, offset, length, code);
};

/** Absolute offset of a compressed inode's map header: the first 8-byte boundary after its xattrs. */
export const zMapHeaderOffset = (ino: RawInode): number => align(ino.offset + ino.inodeSize + ino.xattrSize, 8);

export function zIndexLayout(ino: RawInode, blkszbits: number, header: ZMapHeader): ZIndexLayout {
  const hpos = header.offset;
  const compact = ino.datalayout === EROFS_INODE_COMPRESSED_COMPACT;
  const lclusterBits = blkszbits + (header.clusterBits & 15);
  const l: ZIndexLayout = {
    lclusterBits, compact,
    // Full indexes leave 8 reserved bytes after the header (Z_EROFS_FULL_INDEX_ALIGN).
    indexBase: compact ? hpos + Z_EROFS_MAP_HEADER_SIZE : hpos + Z_EROFS_MAP_HEADER_SIZE + 8,
    totalIdx: 0, compacted4bInitial: 0, compacted2b: 0, indexBytes: 0, extentRecSize: 0,
  };
  if (header.wholeFileFragment) return l;
  if (!compact && header.advise & Z_EROFS_ADVISE_EXTENTS) {
    const recsz = zExtentRecSize(header.advise);
    l.extentRecSize = recsz;
    l.indexBase = align(hpos + Z_EROFS_MAP_HEADER_SIZE, recsz);
    if (recsz <= 8) {
      // One record per lcluster; 4-byte records follow a __le64 start address.
      l.totalIdx = Math.ceil(ino.size / 2 ** lclusterBits);
      l.indexBytes = (recsz === 4 ? 8 : 0) + l.totalIdx * recsz;
    } else {
      l.totalIdx = header.extentCount;
      l.indexBytes = header.extentCount * recsz;
    }
    return l;
  }
  if (compact) {
    // erofs_iblks(): compact indexes count blocks, one per lcluster (lclusters are blocks here).
    l.totalIdx = Math.ceil(ino.size / 2 ** blkszbits);
    // 4-byte entries until the 2-byte packs can start on a 32-byte boundary.
    l.compacted4bInitial = (32 - (l.indexBase % 32)) / 4;
    if (l.compacted4bInitial === 8) l.compacted4bInitial = 0;
    l.compacted2b =
      header.advise & Z_EROFS_ADVISE_COMPACTED_2B && l.compacted4bInitial < l.totalIdx
        ? Math.floor((l.totalIdx - l.compacted4bInitial) / 16) * 16
        : 0;
    const trailing4b = Math.max(0, l.totalIdx - l.compacted4bInitial - l.compacted2b);
    l.indexBytes = Math.min(l.totalIdx, l.compacted4bInitial) * 4 + l.compacted2b * 2 + align(trailing4b, 2) * 4;
  } else {
    l.totalIdx = Math.ceil(ino.size / 2 ** lclusterBits);
    l.indexBytes = l.totalIdx * Z_EROFS_LCLUSTER_INDEX_SIZE;
  }
  return l;
}

/** Decodes and validates the map header of a compressed inode (z_erofs_fill_inode_lazy). */
export function zInode(ino: RawInode, sb: Superblock, get: ByteGetter): ZInode {
  if (ino.datalayout !== EROFS_INODE_COMPRESSED_FULL && ino.datalayout !== EROFS_INODE_COMPRESSED_COMPACT) {
    throw zerr(ino, 'is not a compressed inode', ino.offset, 2, 'erofs.zmap.layout');
  }
  const blkszbits = sb.blkszbits;
  const hpos = zMapHeaderOffset(ino);
  const header = decodeZMapHeader(new Cursor(get(hpos, Z_EROFS_MAP_HEADER_SIZE), hpos));
  const z: ZInode = { ino, header, blkszbits, ...zIndexLayout(ino, blkszbits, header), tailHeadLcn: -1, idataOff: 0, fragmentOff: 0,
    availableAlgs: sb.featureIncompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS ? sb.u1 : 1 << Z_EROFS_COMPRESSION_LZ4 };
  const compact = z.compact;
  if (header.wholeFileFragment) {
    z.tailHeadLcn = 0;
    z.fragmentOff = header.fragmentOff64;
    return z;
  }
  if (z.extentRecSize) {
    if (z.extentRecSize > 8 && !Number.isSafeInteger(z.indexBytes)) {
      throw zerr(ino, `extent count ${header.extentCount} is impossible`, hpos, Z_EROFS_MAP_HEADER_SIZE, 'erofs.zmap.extents');
    }
    return z;
  }
  const algoAt = hpos + 6;
  for (const [n, alg] of header.algorithmType.entries()) {
    if (alg >= Z_EROFS_COMPRESSION_MAX) {
      throw zerr(ino, `unknown HEAD${n + 1} compression algorithm ${alg}`, algoAt, 1, 'erofs.zmap.algorithm');
    }
  }
  const big = header.advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 | Z_EROFS_ADVISE_BIG_PCLUSTER_2);
  if (big && !(sb.featureIncompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER)) {
    throw zerr(ino, 'big pclusters advised without the superblock big_pcluster feature', hpos + 4, 2, 'erofs.zmap.advise');
  }
  if (compact && !(header.advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1) !== !(header.advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2)) {
    throw zerr(ino, 'compact indexes must advise big pclusters for HEAD1 and HEAD2 alike', hpos + 4, 2, 'erofs.zmap.advise');
  }
  if (header.advise & (Z_EROFS_ADVISE_INLINE_PCLUSTER | Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) && ino.size > 0) {
    // The tail extent is the one holding the last byte; remember where it starts.
    const tail = findTail(z, get);
    z.tailHeadLcn = tail.headLcn;
    if (header.advise & Z_EROFS_ADVISE_INLINE_PCLUSTER) {
      z.idataOff = tail.nextPackOff;
      const blockSize = 2 ** blkszbits;
      if (header.idataSize === 0 || (z.idataOff % blockSize) + header.idataSize > blockSize) {
        throw zerr(z, `ztailpacking inline pcluster ${hex(z.idataOff)}+${header.idataSize} must be non-empty and stay within one block`, hpos + 2, 2, 'erofs.zmap.idata');
      }
    } else {
      z.fragmentOff = header.fragmentOff;
      // Full indexes keep the fragment offset's high 32 bits in the tail head's blkaddr.
      if (!compact) z.fragmentOff += tail.pblk * 2 ** 32;
    }
  }
  return z;
}

function findTail(z: ZInode, get: ByteGetter): { headLcn: number; nextPackOff: number; pblk: number } {
  const ofs = z.ino.size - 1;
  const first = loadLcluster(z, get, Math.floor(ofs / 2 ** z.lclusterBits), false);
  const endoff = ofs % 2 ** z.lclusterBits;
  let head = first;
  if (first.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) head = lookback(z, get, first, first.delta0);
  else if (endoff < first.clusterofs) head = lookback(z, get, first, 1);
  return { headLcn: head.lcn, nextPackOff: first.nextPackOff, pblk: head.pblk };
}

/* ---- index decoding ---- */

function loadLcluster(z: ZInode, get: ByteGetter, lcn: number, lookahead: boolean): Lcluster {
  return z.compact ? loadCompacted(z, get, lcn, lookahead) : loadFull(z, get, lcn);
}

/** One struct z_erofs_lcluster_index (legacy_load_cluster_from_disk). */
function loadFull(z: ZInode, get: ByteGetter, lcn: number): Lcluster {
  const offset = z.indexBase + lcn * Z_EROFS_LCLUSTER_INDEX_SIZE;
  const c = new Cursor(get(offset, Z_EROFS_LCLUSTER_INDEX_SIZE), offset);
  const advise = c.u16('z_erofs_lcluster_index.di_advise');
  const clusterofs = c.u16('z_erofs_lcluster_index.di_clusterofs');
  const u = c.u32('z_erofs_lcluster_index.di_u');
  const type = advise & Z_EROFS_LI_LCLUSTER_TYPE_MASK;
  const lc: Lcluster = {
    lcn, type, clusterofs, pblk: 0, delta0: 0, delta1: 0, compressedBlks: 0, partialRef: false,
    nextPackOff: offset + Z_EROFS_LCLUSTER_INDEX_SIZE, offset, size: Z_EROFS_LCLUSTER_INDEX_SIZE,
  };
  const lclusterSize = 2 ** z.lclusterBits;
  if (type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
    lc.clusterofs = lclusterSize;
    lc.delta0 = u & 0xffff;
    lc.delta1 = u >>> 16;
    if (lc.delta0 & Z_EROFS_LI_D0_CBLKCNT) {
      if (!(z.header.advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 | Z_EROFS_ADVISE_BIG_PCLUSTER_2))) {
        throw zerr(z, `lcluster ${lcn} carries a CBLKCNT without big pclusters`, offset + 4, 2, 'erofs.zmap.cblkcnt');
      }
      lc.compressedBlks = lc.delta0 & ~Z_EROFS_LI_D0_CBLKCNT;
      lc.delta0 = 1;
    }
    return lc;
  }
  lc.partialRef = (advise & Z_EROFS_LI_PARTIAL_REF) !== 0;
  if (clusterofs >= lclusterSize) {
    throw zerr(z, `lcluster ${lcn}: di_clusterofs ${clusterofs} is not inside its ${lclusterSize}-byte lcluster`, offset + 2, 2, 'erofs.zmap.clusterofs');
  }
  lc.pblk = u;
  return lc;
}

/** A compact index pack holds `vcnt` entries of `encodebits` bits followed by a __le32 base blkaddr. */
function compactedBits(pack: Uint8Array, bitpos: number, lobits: number): { lo: number; type: number } {
  const p = bitpos >>> 3;
  const v = ((pack[p]! | (pack[p + 1]! << 8) | ((pack[p + 2] ?? 0) << 16) | ((pack[p + 3] ?? 0) << 24)) >>> (bitpos & 7)) >>> 0;
  return { lo: v & ((1 << lobits) - 1), type: (v >>> lobits) & 3 };
}

/** compacted_load_cluster_from_disk + unpack_compacted_index. */
function loadCompacted(z: ZInode, get: ByteGetter, lcn: number, lookahead: boolean): Lcluster {
  if (lcn < 0 || lcn >= z.totalIdx) {
    throw zerr(z, `lcluster ${lcn} is outside the ${z.totalIdx} compact indexes`, z.indexBase, z.indexBytes, 'erofs.zmap.lcn');
  }
  let pos = z.indexBase;
  let rel = lcn;
  let amortizedshift: number;
  if (rel < z.compacted4bInitial) {
    amortizedshift = 2;
  } else {
    pos += z.compacted4bInitial * 4;
    rel -= z.compacted4bInitial;
    if (rel < z.compacted2b) {
      amortizedshift = 1;
    } else {
      pos += z.compacted2b * 2;
      rel -= z.compacted2b;
      amortizedshift = 2;
    }
  }
  pos += rel << amortizedshift;
  const lclusterBits = z.lclusterBits;
  let vcnt: number;
  if (amortizedshift === 2 && lclusterBits <= 14) vcnt = 2;
  else if (amortizedshift === 1 && lclusterBits <= 12) vcnt = 16;
  else throw zerr(z, `compact ${1 << amortizedshift}B indexes cannot describe ${2 ** lclusterBits}-byte lclusters`, z.header.offset + 7, 1, 'erofs.zmap.clusterbits');

  const packSize = vcnt << amortizedshift;
  const base = Math.floor(pos / packSize) * packSize;
  const pack = get(base, packSize);
  const encodebits = ((packSize - 4) * 8) / vcnt;
  const bigPcluster = (z.header.advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1) !== 0;
  let i = (pos - base) >> amortizedshift;
  const lc: Lcluster = {
    lcn, type: 0, clusterofs: 0, pblk: 0, delta0: 0, delta1: 0, compressedBlks: 0, partialRef: false,
    nextPackOff: base + packSize, offset: base, size: packSize,
  };
  // Entries hold at least 12 low bits (room for Z_EROFS_LI_D0_CBLKCNT) even for smaller lclusters.
  const lobits = Math.max(lclusterBits, LI_D0_CBLKCNT_BITS);
  let { lo, type } = compactedBits(pack, encodebits * i, lobits);
  lc.type = type;
  if (type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
    lc.clusterofs = 2 ** lclusterBits;
    if (lookahead) lc.delta1 = compactedLookaheadDistance(pack, lobits, encodebits, vcnt, i);
    if (lo & Z_EROFS_LI_D0_CBLKCNT) {
      if (!bigPcluster) throw zerr(z, `lcluster ${lcn} carries a CBLKCNT without big pclusters`, base, packSize, 'erofs.zmap.cblkcnt');
      lc.compressedBlks = lo & ~Z_EROFS_LI_D0_CBLKCNT;
      lc.delta0 = 1;
      return lc;
    }
    if (i + 1 !== vcnt) {
      lc.delta0 = lo;
      return lc;
    }
    // The last entry of a pack stores delta[1]; delta[0] follows from the entry before it.
    const prev = compactedBits(pack, encodebits * (i - 1), lobits);
    let d = prev.lo;
    if (prev.type !== Z_EROFS_LCLUSTER_TYPE_NONHEAD) d = 0;
    else if (d & Z_EROFS_LI_D0_CBLKCNT) d = 1;
    lc.delta0 = d + 1;
    return lc;
  }
  lc.clusterofs = lo;
  // A head's block address is the pack's base plus the blocks of the pclusters before it in the pack.
  let nblk: number;
  if (!bigPcluster) {
    nblk = 1;
    while (i > 0) {
      --i;
      const e = compactedBits(pack, encodebits * i, lobits);
      if (e.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) i -= e.lo;
      if (i >= 0) ++nblk;
    }
  } else {
    nblk = 0;
    while (i > 0) {
      --i;
      const e = compactedBits(pack, encodebits * i, lobits);
      if (e.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
        if (e.lo & Z_EROFS_LI_D0_CBLKCNT) {
          --i;
          nblk += e.lo & ~Z_EROFS_LI_D0_CBLKCNT;
          continue;
        }
        if (e.lo <= 1) throw zerr(z, `lcluster ${lcn - ((pos - base) >> amortizedshift) + i}: a big-pcluster NONHEAD entry needs delta[0] > 1`, base, packSize, 'erofs.zmap.delta');
        i -= e.lo - 2;
        continue;
      }
      ++nblk;
    }
  }
  const tail = packSize - 4;
  lc.pblk = (pack[tail]! | (pack[tail + 1]! << 8) | (pack[tail + 2]! << 16)) + pack[tail + 3]! * 0x1000000 + nblk;
  return lc;
}

function compactedLookaheadDistance(pack: Uint8Array, lobits: number, encodebits: number, vcnt: number, i: number): number {
  let d1 = 0;
  let lo = 0;
  do {
    const e = compactedBits(pack, encodebits * i, lobits);
    lo = e.lo;
    if (e.type !== Z_EROFS_LCLUSTER_TYPE_NONHEAD) return d1;
    ++d1;
  } while (++i < vcnt);
  // The pack's last NONHEAD entry holds the remaining distance to the next head.
  if (!(lo & Z_EROFS_LI_D0_CBLKCNT)) d1 += lo - 1;
  return d1;
}

/* ---- extent mapping (z_erofs_do_map_blocks with the full decompressed length) ---- */

function lookback(z: ZInode, get: ByteGetter, from: Lcluster, distance: number): Lcluster {
  let m = from;
  while (m.lcn >= distance) {
    m = loadLcluster(z, get, m.lcn - distance, false);
    if (m.type !== Z_EROFS_LCLUSTER_TYPE_NONHEAD) return m;
    if (!m.delta0) throw zerr(z, `lookback distance 0 at lcluster ${m.lcn}`, m.offset, m.size, 'erofs.zmap.delta');
    distance = m.delta0;
  }
  throw zerr(z, `lookback from lcluster ${m.lcn} by ${distance} runs before the first lcluster`, m.offset, m.size, 'erofs.zmap.delta');
}

function compressedLength(z: ZInode, get: ByteGetter, head: Lcluster): number {
  const adv = z.header.advise;
  const blockSize = 2 ** z.blkszbits;
  // z_erofs_get_extent_compressedlen: one block unless big pclusters apply to this head type (PLAIN
  // counts with HEAD2) and a next lcluster exists to carry the block count.
  if (
    (head.type === Z_EROFS_LCLUSTER_TYPE_HEAD1 && !(adv & Z_EROFS_ADVISE_BIG_PCLUSTER_1)) ||
    ((head.type === Z_EROFS_LCLUSTER_TYPE_PLAIN || head.type === Z_EROFS_LCLUSTER_TYPE_HEAD2) && !(adv & Z_EROFS_ADVISE_BIG_PCLUSTER_2)) ||
    (head.lcn + 1) * 2 ** z.lclusterBits >= z.ino.size
  ) {
    return blockSize;
  }
  // Big pcluster: the first NONHEAD lcluster after the head stores its block count (CBLKCNT).
  const next = loadLcluster(z, get, head.lcn + 1, false);
  if (next.type !== Z_EROFS_LCLUSTER_TYPE_NONHEAD || !next.compressedBlks) {
    if (next.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD && next.delta0 !== 1) {
      throw zerr(z, `big pcluster at lcluster ${head.lcn} has no valid CBLKCNT in lcluster ${head.lcn + 1}`, next.offset, next.size, 'erofs.zmap.cblkcnt');
    }
    return blockSize;
  }
  return next.compressedBlks * blockSize;
}

/** Distance from `la` to the next head lcluster or the end of file (z_erofs_get_extent_decompressedlen). */
function decompressedLength(z: ZInode, get: ByteGetter, head: Lcluster, la: number): number {
  const size = z.ino.size;
  const lclusterSize = 2 ** z.lclusterBits;
  let lcn = head.lcn;
  let m: Lcluster = head;
  let delta1: number;
  do {
    if (lcn * lclusterSize >= size) return size - la;
    if (lcn * lclusterSize - la > Z_EROFS_PCLUSTER_MAX_DSIZE) {
      throw zerr(z, `extent at ${la} decodes to more than ${Z_EROFS_PCLUSTER_MAX_DSIZE} bytes`, head.offset, head.size, 'erofs.zmap.extent-size');
    }
    m = loadLcluster(z, get, lcn, true);
    if (m.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
      delta1 = m.delta1;
    } else {
      if (lcn !== head.lcn) break;
      delta1 = 1;
    }
    lcn += delta1;
  } while (delta1);
  return lcn * lclusterSize + m.clusterofs - la;
}

/** Maps the extent holding logical byte `ofs` (0 <= ofs < i_size). */
export function mapExtent(z: ZInode, get: ByteGetter, ofs: number): ZExtent {
  const size = z.ino.size;
  if (!(ofs >= 0 && ofs < size)) throw zerr(z, `offset ${ofs} is outside the file (${size} bytes)`, z.ino.offset, z.ino.inodeSize, 'erofs.zmap.offset');
  if (z.extentRecSize && !z.header.wholeFileFragment) return mapExtentRecord(z, get, ofs);
  if (z.header.wholeFileFragment) {
    return {
      la: 0, llen: size, pa: 0, plen: 0, headType: Z_EROFS_LCLUSTER_TYPE_PLAIN, headLcn: 0, algorithm: Z_EROFS_COMPRESSION_SHIFTED,
      inline: false, fragment: true, partialRef: false, indexOffset: z.header.offset, indexSize: Z_EROFS_MAP_HEADER_SIZE,
    };
  }
  const lclusterSize = 2 ** z.lclusterBits;
  const initialLcn = Math.floor(ofs / lclusterSize);
  const endoff = ofs % lclusterSize;
  const first = loadLcluster(z, get, initialLcn, false);
  let head: Lcluster;
  if (first.type === Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
    head = lookback(z, get, first, first.delta0);
  } else if (endoff >= first.clusterofs) {
    head = first;
  } else {
    if (first.lcn === 0) throw zerr(z, `lcluster 0 starts at ${first.clusterofs}, leaving bytes before it unmapped`, first.offset, first.size, 'erofs.zmap.clusterofs');
    head = lookback(z, get, first, 1);
  }
  const la = head.lcn * lclusterSize + head.clusterofs;
  const llen = decompressedLength(z, get, head, la);
  if (!(la <= ofs && ofs < la + llen)) {
    throw zerr(z, `extent ${la}+${llen} found for offset ${ofs} does not contain it`, head.offset, head.size, 'erofs.zmap.extent');
  }
  const adv = z.header.advise;
  const isTail = head.lcn === z.tailHeadLcn;
  const ext: ZExtent = {
    la, llen, pa: 0, plen: 0, headType: head.type, headLcn: head.lcn, algorithm: 0,
    inline: false, fragment: false, partialRef: head.partialRef, indexOffset: head.offset, indexSize: head.size,
  };
  if (isTail && adv & Z_EROFS_ADVISE_INLINE_PCLUSTER) {
    ext.inline = true;
    ext.pa = z.idataOff;
    ext.plen = z.header.idataSize;
  } else if (isTail && adv & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) {
    ext.fragment = true;
  } else {
    ext.pa = head.pblk * 2 ** z.blkszbits;
    ext.plen = compressedLength(z, get, head);
  }
  if (head.type === Z_EROFS_LCLUSTER_TYPE_PLAIN) {
    if (!ext.fragment && llen > ext.plen) {
      throw zerr(z, `uncompressed extent ${la}+${llen} is longer than its ${ext.plen}-byte pcluster`, head.offset, head.size, 'erofs.zmap.plain-size');
    }
    ext.algorithm = adv & Z_EROFS_ADVISE_INTERLACED_PCLUSTER ? Z_EROFS_COMPRESSION_INTERLACED : Z_EROFS_COMPRESSION_SHIFTED;
  } else {
    ext.algorithm = z.header.algorithmType[head.type === Z_EROFS_LCLUSTER_TYPE_HEAD2 ? 1 : 0];
    if (!(z.availableAlgs & (1 << ext.algorithm))) {
      throw zerr(z, `HEAD${head.type === Z_EROFS_LCLUSTER_TYPE_HEAD2 ? 2 : 1} algorithm ${Z_EROFS_ALGORITHM_NAMES[ext.algorithm]} is not among the superblock's available algorithms`, z.header.offset + 6, 1, 'erofs.zmap.algorithm');
    }
  }
  if (ext.plen > Z_EROFS_PCLUSTER_MAX_SIZE) {
    throw zerr(z, `pcluster of ${ext.plen} bytes exceeds the ${Z_EROFS_PCLUSTER_MAX_SIZE}-byte maximum`, head.offset, head.size, 'erofs.zmap.pcluster-size');
  }
  return ext;
}

/* ---- extent records (z_erofs_map_blocks_ext) ---- */

const u32at = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;

/** Maps the extent holding `ofs` for COMPRESSED_FULL inodes with Z_EROFS_ADVISE_EXTENTS. */
function mapExtentRecord(z: ZInode, get: ByteGetter, ofs: number): ZExtent {
  const recsz = z.extentRecSize;
  const lsize = 2 ** z.lclusterBits;
  let lend = z.ino.size;
  let pos = z.indexBase;
  let lstart: number;
  let plen = 0;
  let pa = 0;
  let last: boolean;
  let recOff = pos;
  if (recsz <= 8) {
    let running: number | null = null;
    if (recsz === 4) {
      const b = get(pos, 8);
      running = u32at(b, 0) + u32at(b, 4) * 2 ** 32;
      pos += 8;
      lstart = 0;
    } else {
      lstart = Math.floor(ofs / lsize) * lsize;
      pos += (lstart / lsize) * recsz;
    }
    // 4-byte records carry lengths only: the start is the sum of all lengths before.
    if (recsz === 4 && z.recordMemo && z.recordMemo.lstart <= ofs) ({ lstart, pos, pa: running } = { lstart: z.recordMemo.lstart, pos: z.recordMemo.pos, pa: z.recordMemo.pa });
    for (; lstart <= ofs; lstart += lsize) {
      const b = get(pos, recsz);
      recOff = pos;
      if (recsz === 4) z.recordMemo = { lstart, pos, pa: running! };
      plen = u32at(b, 0);
      if (running !== null) {
        pa = running;
        running += plen & Z_EROFS_EXTENT_PLEN_MASK;
      } else {
        pa = u32at(b, 4);
      }
      pos += recsz;
    }
    last = lstart >= Math.ceil(z.ino.size / lsize) * lsize;
    lend = Math.min(lstart, lend);
    lstart -= lsize;
  } else {
    lstart = lend;
    let l = 0;
    let r = z.header.extentCount;
    while (l < r) {
      const mid = l + Math.floor((r - l) / 2);
      const at = pos + mid * recsz;
      const b = get(at, recsz);
      let la = u32at(b, 12);
      const ra = u32at(b, 4) + u32at(b, 8) * 2 ** 32;
      if (recsz > 16) la += u32at(b, 16) * 2 ** 32;
      if (la > ofs) {
        r = mid;
        if (la > lend) throw zerr(z, `extent record ${mid} starts at ${la}, past the next one`, at, recsz, 'erofs.zmap.extents');
        lend = la;
      } else {
        l = mid + 1;
        if (la === ofs) r = Math.min(l + 1, r);
        lstart = la;
        plen = u32at(b, 0);
        pa = ra;
        recOff = at;
      }
    }
    last = l >= z.header.extentCount;
  }
  const ext: ZExtent = {
    la: lstart, llen: lend - lstart, pa: 0, plen: 0, headType: Z_EROFS_LCLUSTER_TYPE_HEAD1, headLcn: Math.floor(lstart / lsize),
    algorithm: Z_EROFS_COMPRESSION_SHIFTED, inline: false, fragment: false, partialRef: false, indexOffset: recOff, indexSize: recsz,
  };
  if (!(lstart <= ofs && ofs < lend)) throw zerr(z, `no extent record covers offset ${ofs}`, recOff, recsz, 'erofs.zmap.extents');
  if (last && z.header.advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) {
    ext.fragment = true;
    // The tail record's length field is the fragment offset (and its start the high word).
    z.fragmentOff = plen + (recsz > 4 ? pa * 2 ** 32 : 0);
    return ext;
  }
  if (!plen) {
    ext.hole = true;
    return ext;
  }
  const fmt = plen >>> Z_EROFS_EXTENT_PLEN_FMT_BIT;
  ext.partialRef = (plen & Z_EROFS_EXTENT_PLEN_PARTIAL) !== 0;
  ext.plen = plen & Z_EROFS_EXTENT_PLEN_MASK;
  ext.pa = pa;
  if (fmt) {
    ext.algorithm = fmt - 1;
    if (ext.algorithm >= Z_EROFS_COMPRESSION_MAX || !(z.availableAlgs & (1 << ext.algorithm))) throw zerr(z, `extent record names unknown algorithm ${ext.algorithm}`, recOff, 4, 'erofs.zmap.algorithm');
  } else {
    ext.headType = Z_EROFS_LCLUSTER_TYPE_PLAIN;
    ext.algorithm = z.header.advise & Z_EROFS_ADVISE_INTERLACED_PCLUSTER && pa % 2 ** z.blkszbits === 0 ? Z_EROFS_COMPRESSION_INTERLACED : Z_EROFS_COMPRESSION_SHIFTED;
    if (ext.llen > ext.plen) throw zerr(z, `uncompressed extent ${ext.la}+${ext.llen} is longer than its ${ext.plen}-byte pcluster`, recOff, recsz, 'erofs.zmap.plain-size');
  }
  if (ext.plen > Z_EROFS_PCLUSTER_MAX_SIZE) throw zerr(z, `pcluster of ${ext.plen} bytes exceeds the ${Z_EROFS_PCLUSTER_MAX_SIZE}-byte maximum`, recOff, recsz, 'erofs.zmap.pcluster-size');
  if (ext.llen > Z_EROFS_PCLUSTER_MAX_DSIZE) throw zerr(z, `extent at ${ext.la} decodes to more than ${Z_EROFS_PCLUSTER_MAX_DSIZE} bytes`, recOff, recsz, 'erofs.zmap.extent-size');
  return ext;
}
