/**
 * The fields of a structure in the layout map, decoded from its bytes by kind: name, offset relative
 * to the structure, size and value. Fixed structures are described by a table of C fields (names as
 * in the upstream headers); variable ones (dirent blocks, xattr entries, chunk maps) by a function.
 * Content (file data, compressed clusters) is one field carrying its SHA-256, so two images with
 * different bytes never describe the same way.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { displayBytes } from '../diff/text.ts';
import { toHex } from '../model.ts';
import type { LayoutStructure } from './model.ts';

export interface LayoutField {
  name: string;
  /** Offset relative to the structure's start. */
  offset: number;
  size: number;
  value: string;
}

/** 'reserved': expected zero; said so in a few words when it is, shown in hex when it is not. */
type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'hex' | 'text' | 'mode16' | 'mode32' | 'magic' | 'reserved';
type Schema = readonly (readonly [name: string, size: number, type: FieldType])[];

const le = (b: Uint8Array, p: number, n: number): bigint => {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i] ?? 0);
  return v;
};

function value(b: Uint8Array, p: number, size: number, type: FieldType): string {
  const raw = b.subarray(p, p + size);
  switch (type) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
      return raw.length < size ? `(cut short) ${toHex(raw)}` : le(b, p, size).toString();
    case 'hex':
      return toHex(raw);
    case 'reserved':
      return raw.every((x) => x === 0) ? `${raw.length} zero bytes` : toHex(raw);
    case 'mode16':
    case 'mode32':
      return raw.length < size ? `(cut short) ${toHex(raw)}` : '0o' + le(b, p, size).toString(8);
    case 'magic':
      return raw.length < size ? `(cut short) ${toHex(raw)}` : '0x' + le(b, p, size).toString(16);
    case 'text': {
      const nul = raw.indexOf(0);
      return JSON.stringify(displayBytes(nul < 0 ? raw : raw.subarray(0, nul))) + (nul >= 0 && raw.subarray(nul).some((x) => x !== 0) ? ` +${toHex(raw.subarray(nul))}` : '');
    }
  }
}

function bySchema(schema: Schema, b: Uint8Array, prefix = '', base = 0): LayoutField[] {
  const out: LayoutField[] = [];
  let p = base;
  for (const [name, size, type] of schema) {
    if (p >= b.length) break;
    out.push({ name: prefix + name, offset: p, size: Math.min(size, b.length - p), value: value(b, p, size, type) });
    p += size;
  }
  return out;
}

const LCFS_HEADER: Schema = [['magic', 4, 'magic'], ['version', 4, 'u32'], ['flags', 4, 'magic'], ['composefs_version', 4, 'u32'], ['unused', 16, 'hex']];

const EROFS_SUPER: Schema = [
  ['magic', 4, 'magic'], ['checksum', 4, 'magic'], ['feature_compat', 4, 'magic'], ['blkszbits', 1, 'u8'], ['sb_extslots', 1, 'u8'],
  ['root_nid', 2, 'u16'], ['inos', 8, 'u64'], ['build_time', 8, 'u64'], ['build_time_nsec', 4, 'u32'], ['blocks', 4, 'u32'],
  ['meta_blkaddr', 4, 'u32'], ['xattr_blkaddr', 4, 'u32'], ['uuid', 16, 'hex'], ['volume_name', 16, 'text'],
  ['feature_incompat', 4, 'magic'], ['available_compr_algs', 2, 'u16'], ['extra_devices', 2, 'u16'], ['devt_slotoff', 2, 'u16'],
  ['dirblkbits', 1, 'u8'], ['xattr_prefix_count', 1, 'u8'], ['xattr_prefix_start', 4, 'u32'], ['packed_nid', 8, 'u64'],
  ['xattr_filter_reserved', 1, 'u8'], ['reserved2', 23, 'hex'], ['extslots', 4096, 'hex'],
];

export const EROFS_INODE_COMPACT: Schema = [
  ['i_format', 2, 'u16'], ['i_xattr_icount', 2, 'u16'], ['i_mode', 2, 'mode16'], ['i_nlink', 2, 'u16'], ['i_size', 4, 'u32'],
  ['i_mtime', 4, 'u32'], ['i_u', 4, 'u32'], ['i_ino', 4, 'u32'], ['i_uid', 2, 'u16'], ['i_gid', 2, 'u16'], ['i_reserved', 4, 'hex'],
];
export const EROFS_INODE_EXTENDED: Schema = [
  ['i_format', 2, 'u16'], ['i_xattr_icount', 2, 'u16'], ['i_mode', 2, 'mode16'], ['i_reserved', 2, 'hex'], ['i_size', 8, 'u64'],
  ['i_u', 4, 'u32'], ['i_ino', 4, 'u32'], ['i_uid', 4, 'u32'], ['i_gid', 4, 'u32'], ['i_mtime', 8, 'u64'], ['i_mtime_nsec', 4, 'u32'],
  ['i_nlink', 4, 'u32'], ['i_reserved2', 16, 'hex'],
];

const DEVICE_SLOT: Schema = [['tag', 64, 'text'], ['blocks', 4, 'u32'], ['mapped_blkaddr', 4, 'u32'], ['reserved', 56, 'hex']];
const ZMAP_HEADER: Schema = [['h_fragmentoff_or_reserved', 4, 'u32'], ['h_advise', 2, 'u16'], ['h_algorithmtype', 1, 'u8'], ['h_clusterbits', 1, 'u8']];

/** RafsV5ChunkInfo / RafsV6 chunk table records (80 bytes, layout/v5.rs). */
const RAFS_CHUNK_INFO: Schema = [
  ['block_id', 32, 'hex'], ['blob_index', 4, 'u32'], ['flags', 4, 'magic'], ['compressed_size', 4, 'u32'], ['uncompressed_size', 4, 'u32'],
  ['compressed_offset', 8, 'u64'], ['uncompressed_offset', 8, 'u64'], ['file_offset', 8, 'u64'], ['index', 4, 'u32'], ['reserved', 4, 'hex'],
];
const RAFS_V5_SUPER: Schema = [
  ['s_magic', 4, 'magic'], ['s_fs_version', 4, 'magic'], ['s_sb_size', 4, 'u32'], ['s_block_size', 4, 'u32'], ['s_flags', 8, 'magic'],
  ['s_inodes_count', 8, 'u64'], ['s_inode_table_offset', 8, 'u64'], ['s_prefetch_table_offset', 8, 'u64'], ['s_blob_table_offset', 8, 'u64'],
  ['s_inode_table_entries', 4, 'u32'], ['s_prefetch_table_entries', 4, 'u32'], ['s_blob_table_size', 4, 'u32'],
  ['s_extended_blob_table_entries', 4, 'u32'], ['s_extended_blob_table_offset', 8, 'u64'], ['s_reserved', 8112, 'reserved'],
];
const RAFS_V5_INODE: Schema = [
  ['i_digest', 32, 'hex'], ['i_parent', 8, 'u64'], ['i_ino', 8, 'u64'], ['i_uid', 4, 'u32'], ['i_gid', 4, 'u32'], ['i_projid', 4, 'u32'],
  ['i_mode', 4, 'mode32'], ['i_size', 8, 'u64'], ['i_blocks', 8, 'u64'], ['i_flags', 8, 'magic'], ['i_nlink', 4, 'u32'],
  ['i_child_index', 4, 'u32'], ['i_child_count', 4, 'u32'], ['i_name_size', 2, 'u16'], ['i_symlink_size', 2, 'u16'], ['i_rdev', 4, 'u32'],
  ['i_mtime_nsec', 4, 'u32'], ['i_mtime', 8, 'u64'], ['i_reserved', 8, 'hex'],
];
const RAFS_V6_SB_EXT: Schema = [
  ['s_flags', 8, 'magic'], ['s_blob_table_offset', 8, 'u64'], ['s_blob_table_size', 4, 'u32'], ['s_chunk_size', 4, 'u32'],
  ['s_chunk_table_offset', 8, 'u64'], ['s_chunk_table_size', 8, 'u64'], ['s_prefetch_table_offset', 8, 'u64'], ['s_prefetch_table_size', 4, 'u32'],
  ['s_padding', 4, 'u32'], ['s_reserved', 200, 'reserved'],
];
const RAFS_V6_BLOB: Schema = [
  ['blob_id', 64, 'text'], ['blob_index', 4, 'u32'], ['chunk_size', 4, 'u32'], ['chunk_count', 4, 'u32'], ['compression_algo', 4, 'u32'],
  ['digest_algo', 4, 'u32'], ['features', 4, 'magic'], ['compressed_size', 8, 'u64'], ['uncompressed_size', 8, 'u64'], ['blob_toc_size', 4, 'u32'],
  ['ci_compressor', 4, 'u32'], ['ci_offset', 8, 'u64'], ['ci_compressed_size', 8, 'u64'], ['ci_uncompressed_size', 8, 'u64'],
  ['blob_toc_digest', 32, 'hex'], ['blob_meta_digest', 32, 'hex'], ['blob_meta_size', 8, 'u64'], ['cipher_iv', 8, 'hex'], ['cipher_algo', 4, 'u32'],
  ['reserved2', 36, 'reserved'],
];
/** casync (caformat.h): every record starts with struct CaFormatHeader. */
const CA_HEADER: Schema = [['size', 8, 'u64'], ['type', 8, 'magic']];
const CA_ENTRY: Schema = [...CA_HEADER, ['feature_flags', 8, 'magic'], ['mode', 8, 'mode32'], ['flags', 8, 'magic'], ['uid', 8, 'u64'], ['gid', 8, 'u64'], ['mtime', 8, 'u64']];

/** Records of one fixed size, end to end: name[i].field. */
const records = (schema: Schema, size: number, name: string) => (b: Uint8Array): LayoutField[] => {
  const out: LayoutField[] = [];
  for (let p = 0, i = 0; p < b.length; p += size, i++) out.push(...bySchema(schema, b, `${name}[${i}].`, p));
  return out;
};
/** A casync record: its header, then the rest as text (names, targets) or raw bytes. */
const caRecord = (rest: 'text' | 'hex') => (b: Uint8Array): LayoutField[] => [
  ...bySchema(CA_HEADER, b),
  ...(b.length > 16 ? [{ name: rest === 'text' ? 'name' : 'data', offset: 16, size: b.length - 16, value: value(b, 16, b.length - 16, rest) }] : []),
];

const CFS_SUPER: Schema = [['version', 4, 'u32'], ['magic', 4, 'magic'], ['vdata_offset', 8, 'u64'], ['unused', 112, 'hex']];
const CFS_INODE: Schema = [
  ['st_mode', 4, 'mode32'], ['st_nlink', 4, 'u32'], ['st_uid', 4, 'u32'], ['st_gid', 4, 'u32'], ['st_rdev', 4, 'u32'], ['st_size', 8, 'u64'],
  ['st_mtim_sec', 8, 'u64'], ['st_mtim_nsec', 4, 'u32'], ['st_ctim_sec', 8, 'u64'], ['st_ctim_nsec', 4, 'u32'],
  ['variable_data.off', 8, 'u64'], ['variable_data.len', 4, 'u32'], ['xattrs.off', 8, 'u64'], ['xattrs.len', 4, 'u32'],
  ['digest.off', 8, 'u64'], ['digest.len', 4, 'u32'], ['unused', 8, 'hex'],
];

const TAR_HEADER: Schema = [
  ['name', 100, 'text'], ['mode', 8, 'text'], ['uid', 8, 'text'], ['gid', 8, 'text'], ['size', 12, 'text'], ['mtime', 12, 'text'],
  ['chksum', 8, 'text'], ['typeflag', 1, 'text'], ['linkname', 100, 'text'], ['magic', 6, 'text'], ['version', 2, 'text'],
  ['uname', 32, 'text'], ['gname', 32, 'text'], ['devmajor', 8, 'text'], ['devminor', 8, 'text'], ['prefix', 155, 'text'], ['pad', 12, 'hex'],
];

const u16 = (b: Uint8Array, p: number) => (b[p] ?? 0) | ((b[p + 1] ?? 0) << 8);

/** The ibody header: filter, shared count, reserved, then one u32 per shared id. */
function xattrIbodyHeader(b: Uint8Array): LayoutField[] {
  const out = bySchema([['h_name_filter', 4, 'u32'], ['h_shared_count', 1, 'u8'], ['h_reserved2', 7, 'hex']], b);
  for (let p = 12, i = 0; p + 4 <= b.length; p += 4, i++) out.push({ name: `h_shared_xattrs[${i}]`, offset: p, size: 4, value: value(b, p, 4, 'u32') });
  return out;
}

function xattrEntry(b: Uint8Array): LayoutField[] {
  const out = bySchema([['e_name_len', 1, 'u8'], ['e_name_index', 1, 'u8'], ['e_value_size', 2, 'u16']], b);
  const nameLen = b[0] ?? 0;
  const valueSize = u16(b, 2);
  const at = (name: string, offset: number, size: number, v: (r: Uint8Array) => string) => {
    const n = Math.min(size, b.length - offset);
    if (n > 0) out.push({ name, offset, size: n, value: v(b.subarray(offset, offset + n)) });
  };
  at('e_name', 4, nameLen, (r) => JSON.stringify(displayBytes(r)));
  at('e_value', 4 + nameLen, valueSize, (r) => JSON.stringify(displayBytes(r)));
  at('padding', 4 + nameLen + valueSize, b.length, toHex);
  return out;
}

function direntBlock(b: Uint8Array): LayoutField[] {
  const out: LayoutField[] = [];
  const count = Math.floor(u16(b, 8) / 12);
  const recs: { nameoff: number }[] = [];
  for (let i = 0; i < count && (i + 1) * 12 <= b.length; i++) {
    const p = i * 12;
    out.push(...bySchema([['nid', 8, 'u64'], ['nameoff', 2, 'u16'], ['file_type', 1, 'u8'], ['reserved', 1, 'hex']], b, `dirent[${i}].`, p));
    recs.push({ nameoff: u16(b, p + 8) });
  }
  for (let i = 0; i < recs.length; i++) {
    const from = recs[i]!.nameoff;
    let to = i + 1 < recs.length ? recs[i + 1]!.nameoff : b.length;
    if (i + 1 === recs.length) {
      const nul = b.subarray(from).indexOf(0);
      if (nul >= 0) to = from + nul;
    }
    if (from < to && to <= b.length) out.push({ name: `name[${i}]`, offset: from, size: to - from, value: JSON.stringify(displayBytes(b.subarray(from, to))) });
  }
  return out;
}

function entries(b: Uint8Array, size: number, name: string, decode: (p: number) => string): LayoutField[] {
  const out: LayoutField[] = [];
  for (let p = 0, i = 0; p + size <= b.length; p += size, i++) out.push({ name: `${name}[${i}]`, offset: p, size, value: decode(p) });
  return out;
}

const chunkIndex = (b: Uint8Array) =>
  entries(b, 8, 'chunk_index', (p) => `startblk_hi=${u16(b, p)} device_id=${u16(b, p + 2)} startblk_lo=${value(b, p + 4, 4, 'u32')}`);
const blockMap = (b: Uint8Array) => entries(b, 4, 'block_map', (p) => value(b, p, 4, 'u32'));
const rawWords = (b: Uint8Array) => entries(b, 4, 'index', (p) => toHex(b.subarray(p, p + 4)));

function content(b: Uint8Array): LayoutField[] {
  return [{ name: 'content', offset: 0, size: b.length, value: `sha256:${toHex(sha256(b))}` }];
}

/** Legacy vdata strings and the digest: shown whole when short, by digest when long. */
function bytesField(name: string) {
  return (b: Uint8Array): LayoutField[] =>
    b.length <= 256 ? [{ name, offset: 0, size: b.length, value: JSON.stringify(displayBytes(b)) }] : [{ name, offset: 0, size: b.length, value: `sha256:${toHex(sha256(b))}` }];
}

function cfsXattrs(b: Uint8Array): LayoutField[] {
  const n = u16(b, 0);
  const out: LayoutField[] = [{ name: 'n_attr', offset: 0, size: Math.min(2, b.length), value: String(n) }];
  let data = 2 + n * 4;
  for (let i = 0; i < n && 2 + i * 4 + 4 <= b.length; i++) {
    const p = 2 + i * 4;
    const kl = u16(b, p);
    const vl = u16(b, p + 2);
    out.push({ name: `attr[${i}]`, offset: p, size: 4, value: `key_length=${kl} value_length=${vl}` });
    if (data + kl + vl <= b.length) {
      out.push({ name: `key[${i}]`, offset: data, size: kl, value: JSON.stringify(displayBytes(b.subarray(data, data + kl))) });
      out.push({ name: `value[${i}]`, offset: data + kl, size: vl, value: JSON.stringify(displayBytes(b.subarray(data + kl, data + kl + vl))) });
    }
    data += kl + vl;
  }
  return out;
}

function cfsDirents(b: Uint8Array): LayoutField[] {
  const n = (b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) * 0x1000000);
  const out: LayoutField[] = [{ name: 'n_dirents', offset: 0, size: Math.min(4, b.length), value: String(n) }];
  const namesAt = 4 + n * 12;
  for (let i = 0; i < n && 4 + i * 12 + 12 <= b.length; i++) {
    const p = 4 + i * 12;
    out.push(...bySchema([['inode_num', 4, 'u32'], ['name_offset', 4, 'u32'], ['name_len', 1, 'u8'], ['d_type', 1, 'u8'], ['_padding', 2, 'hex']], b, `dirent[${i}].`, p));
    const off = namesAt + Number(le(b, p + 4, 4));
    const len = b[p + 8] ?? 0;
    if (off + len <= b.length) out.push({ name: `name[${i}]`, offset: off, size: len, value: JSON.stringify(displayBytes(b.subarray(off, off + len))) });
  }
  return out.sort((x, y) => x.offset - y.offset);
}

const DESCRIBE: Record<string, (b: Uint8Array) => LayoutField[]> = {
  'composefs.header': (b) => bySchema(LCFS_HEADER, b),
  'erofs.superblock': (b) => bySchema(EROFS_SUPER, b),
  'erofs.inode.compact': (b) => bySchema(EROFS_INODE_COMPACT, b),
  'erofs.inode.extended': (b) => bySchema(EROFS_INODE_EXTENDED, b),
  'erofs.xattr.ibody-header': xattrIbodyHeader,
  'erofs.xattr.entry': xattrEntry,
  'erofs.xattr.shared': xattrEntry,
  'erofs.xattr.area': content,
  'erofs.xattr.long-prefix': (b) => [
    { name: 'length', offset: 0, size: Math.min(2, b.length), value: String(u16(b, 0)) },
    { name: 'base_index', offset: 2, size: 1, value: String(b[2] ?? 0) },
    { name: 'infix', offset: 3, size: Math.max(0, b.length - 3), value: JSON.stringify(displayBytes(b.subarray(3))) },
  ],
  'erofs.device-slot': (b) => bySchema(DEVICE_SLOT, b),
  'erofs.dirent-block': direntBlock,
  'erofs.chunk-indexes': chunkIndex,
  'erofs.chunk-block-map': blockMap,
  'erofs.zmap.header': (b) => bySchema(ZMAP_HEADER, b),
  'erofs.zmap.indexes': rawWords,
  'erofs.zmap.compact-indexes': rawWords,
  'erofs.inline-data': content,
  'erofs.data': content,
  'erofs.chunk-data': content,
  'composefs.detached-chunk-map': blockMap,
  'erofs.slot-slack': content,
  'erofs.pcluster': content,
  'erofs.pcluster.inline': content,
  'cfs.superblock': (b) => bySchema(CFS_SUPER, b),
  'cfs.inode': (b) => bySchema(CFS_INODE, b),
  'cfs.dirents': cfsDirents,
  'cfs.payload': bytesField('path'),
  'cfs.xattrs': cfsXattrs,
  'cfs.digest': (b) => [{ name: 'digest', offset: 0, size: b.length, value: toHex(b) }],
  'tar.header': (b) => bySchema(TAR_HEADER, b),
  'tar.extended-header': (b) => bySchema(TAR_HEADER, b),
  'tar.extended-data': bytesField('records'),
  'tar.data': content,
  'tar.end-marker': content,
  'nydus.v5.superblock': (b) => bySchema(RAFS_V5_SUPER, b),
  'nydus.v5.inode': (b) => bySchema(RAFS_V5_INODE, b),
  'nydus.v5.name': bytesField('name'),
  'nydus.v5.symlink': bytesField('target'),
  'nydus.chunk-infos': records(RAFS_CHUNK_INFO, 80, 'chunk'),
  'nydus.chunk-info': (b) => bySchema(RAFS_CHUNK_INFO, b),
  'nydus.v6.superblock-ext': (b) => bySchema(RAFS_V6_SB_EXT, b),
  'nydus.v6.blob': (b) => bySchema(RAFS_V6_BLOB, b),
  'nydus.prefetch-table': records([['ino', 4, 'u32']], 4, 'prefetch'),
  'catar.entry': (b) => bySchema(CA_ENTRY, b),
  'catar.filename': caRecord('text'),
  'catar.symlink': caRecord('text'),
  'catar.user': caRecord('text'),
  'catar.group': caRecord('text'),
  'catar.selinux': caRecord('text'),
  'catar.payload-header': (b) => bySchema(CA_HEADER, b),
  'catar.xattr': caRecord('hex'),
  'catar.goodbye': caRecord('hex'),
};

/** The structure's fields from its bytes (`bytes.length` = its length); content for unknown kinds. */
export function describeFields(s: Pick<LayoutStructure, 'kind'>, bytes: Uint8Array): LayoutField[] {
  return (DESCRIBE[s.kind] ?? content)(bytes);
}

/** The field at a relative offset of a structure, if any. */
export function fieldAt(fields: LayoutField[], rel: number): LayoutField | undefined {
  return fields.find((f) => rel >= f.offset && rel < f.offset + f.size);
}
