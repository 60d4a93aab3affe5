/**
 * Compression configurations (EROFS_FEATURE_INCOMPAT_COMPR_CFGS): after the superblock
 * (EROFS_SUPER_OFFSET + 128 + sb_extslots * 16) one record per bit set in available_compr_algs, in
 * algorithm order, each a __le16 length and that many bytes, each record 4-byte aligned (the
 * kernel's z_erofs_parse_cfgs over erofs_read_metadata):
 *   lz4:     struct z_erofs_lz4_cfgs     { __le16 max_distance; __le16 max_pclusterblks; u8 reserved[10]; }
 *   lzma:    struct z_erofs_lzma_cfgs    { __le32 dict_size; __le16 format; u8 reserved[8]; }
 *   deflate: struct z_erofs_deflate_cfgs { u8 windowbits; u8 reserved[5]; }
 *   zstd:    struct z_erofs_zstd_cfgs    { u8 format; u8 windowlog; u8 reserved[4]; }
 * Levels are not recorded on disk; dictionary / window sizes are.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { EROFS_SUPER_OFFSET } from './erofs_fs.ts';
import type { Superblock } from './superblock.ts';

export const EROFS_SB_EXTSLOT_SIZE = 16;
export const Z_EROFS_LZMA_MAX_DICT_SIZE = 8 * 1024 * 1024;
/** ZSTD_WINDOWLOG_ABSOLUTEMIN: z_erofs_zstd_cfgs.windowlog counts from here. */
export const ZSTD_WINDOWLOG_ABSOLUTEMIN = 10;
const ALGORITHM_NAMES = ['lz4', 'lzma', 'deflate', 'zstd'];

export interface ComprCfg {
  algorithm: number;
  name: string;
  /** Absolute offset and length of the record (length field included). */
  offset: number;
  length: number;
  /** lz4: max_distance; lzma: dict_size; deflate: 2^windowbits; zstd: 2^(windowlog+10). */
  windowSize: number;
  /** lz4 only: largest pcluster in blocks. */
  maxPclusterBlocks?: number;
  /** lzma/zstd format field (0 is the only one defined). */
  format?: number;
}

/** Absolute offset of the first record. */
export const comprCfgsStart = (sb: Superblock): number => EROFS_SUPER_OFFSET + 128 + sb.sbExtslots * EROFS_SB_EXTSLOT_SIZE;

/** Decodes every record; `bytes` holds the image from `comprCfgsStart(sb)` on (at least a block). */
export function decodeComprCfgs(bytes: Uint8Array, sb: Superblock): ComprCfg[] {
  const start = comprCfgsStart(sb);
  const c = new Cursor(bytes, start);
  const out: ComprCfg[] = [];
  const algs = sb.u1;
  for (let alg = 0; alg < 16; alg++) {
    if (!(algs & (1 << alg))) continue;
    c.pos = Math.ceil(c.offset / 4) * 4 - start;
    const offset = c.offset;
    const size = c.u16('compr_cfgs.length');
    const body = new Cursor(c.take(size, 'compr_cfgs.record'), offset + 2);
    const name = ALGORITHM_NAMES[alg] ?? `algorithm ${alg}`;
    const cfg: ComprCfg = { algorithm: alg, name, offset, length: size + 2, windowSize: 0 };
    const small = (need: number) => {
      if (size < need) throw new DecodeError(`${name} compression configuration at ${hex(offset)} is ${size} bytes, needs ${need}`, offset, size + 2, 'erofs.superblock.compr-cfgs');
    };
    switch (alg) {
      case 0:
        small(4);
        cfg.windowSize = body.u16('z_erofs_lz4_cfgs.max_distance');
        cfg.maxPclusterBlocks = body.u16('z_erofs_lz4_cfgs.max_pclusterblks');
        break;
      case 1:
        small(6);
        cfg.windowSize = body.u32('z_erofs_lzma_cfgs.dict_size');
        cfg.format = body.u16('z_erofs_lzma_cfgs.format');
        break;
      case 2:
        small(1);
        cfg.windowSize = 2 ** body.u8('z_erofs_deflate_cfgs.windowbits');
        break;
      case 3:
        small(2);
        cfg.format = body.u8('z_erofs_zstd_cfgs.format');
        cfg.windowSize = 2 ** (body.u8('z_erofs_zstd_cfgs.windowlog') + ZSTD_WINDOWLOG_ABSOLUTEMIN);
        break;
    }
    out.push(cfg);
  }
  return out;
}

/** "zstd (window 64 KiB)" etc. for info. */
export function describeComprCfg(cfg: ComprCfg): string {
  const kib = (n: number) => (n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
  switch (cfg.algorithm) {
    case 0:
      return `lz4 (max distance ${kib(cfg.windowSize || 65536)}, max pcluster ${cfg.maxPclusterBlocks ?? 0} blocks)`;
    case 1:
      return `lzma (dictionary ${kib(cfg.windowSize)})`;
    case 2:
      return `deflate (window ${kib(cfg.windowSize)})`;
    case 3:
      return `zstd (window ${kib(cfg.windowSize)})`;
    default:
      return cfg.name;
  }
}
