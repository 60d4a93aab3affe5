/** struct erofs_super_block: 128 bytes at EROFS_SUPER_OFFSET. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  EROFS_ALL_FEATURE_INCOMPAT,
  EROFS_FEATURE_INCOMPAT_48BIT,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
} from './erofs_fs.ts';
import type { Finding } from '../model.ts';

export interface Superblock {
  offset: number;
  magic: number;
  checksum: number;
  featureCompat: number;
  blkszbits: number;
  sbExtslots: number;
  rootNid: number;
  inos: number;
  buildTime: number;
  buildTimeNsec: number;
  blocks: number;
  metaBlkaddr: number;
  xattrBlkaddr: number;
  uuid: Uint8Array;
  volumeName: Uint8Array;
  featureIncompat: number;
  /** available_compr_algs when COMPR_CFGS is set, else lz4_max_distance. */
  u1: number;
  extraDevices: number;
  devtSlotoff: number;
  dirblkbits: number;
  xattrPrefixCount: number;
  xattrPrefixStart: number;
  packedNid: number;
  xattrFilterReserved: number;
  /** 48BIT: rootnid_8b (the root nid when non-zero) and blocks_hi (sharing rootnid_2b's bytes). */
  rootNid8b: number;
  /** Field offsets for the hex view and findings. */
  fieldRanges: Record<string, [number, number]>;
}

export function decodeSuperblock(c: Cursor): { sb: Superblock; findings: Finding[] } {
  const findings: Finding[] = [];
  const ranges: Record<string, [number, number]> = {};
  const field = <T>(name: string, size: number, read: () => T): T => {
    ranges[name] = [c.offset, size];
    return read();
  };
  const offset = c.offset;
  const magic = field('magic', 4, () => c.u32('superblock.magic'));
  if (magic !== EROFS_SUPER_MAGIC_V1) {
    throw new DecodeError(
      `not an EROFS image: superblock magic at ${hex(offset)} is ${hex(magic)}, expected ${hex(EROFS_SUPER_MAGIC_V1)}`,
      offset,
      4,
      'erofs.superblock.magic',
    );
  }
  const sb: Superblock = {
    offset,
    magic,
    checksum: field('checksum', 4, () => c.u32('superblock.checksum')),
    featureCompat: field('feature_compat', 4, () => c.u32('superblock.feature_compat')),
    blkszbits: field('blkszbits', 1, () => c.u8('superblock.blkszbits')),
    sbExtslots: field('sb_extslots', 1, () => c.u8('superblock.sb_extslots')),
    rootNid: field('root_nid', 2, () => c.u16('superblock.root_nid')),
    inos: field('inos', 8, () => c.u64('superblock.inos')),
    buildTime: field('build_time', 8, () => c.u64('superblock.build_time')),
    buildTimeNsec: field('build_time_nsec', 4, () => c.u32('superblock.build_time_nsec')),
    blocks: field('blocks', 4, () => c.u32('superblock.blocks')),
    metaBlkaddr: field('meta_blkaddr', 4, () => c.u32('superblock.meta_blkaddr')),
    xattrBlkaddr: field('xattr_blkaddr', 4, () => c.u32('superblock.xattr_blkaddr')),
    uuid: field('uuid', 16, () => c.take(16, 'superblock.uuid')),
    volumeName: field('volume_name', 16, () => c.take(16, 'superblock.volume_name')),
    featureIncompat: field('feature_incompat', 4, () => c.u32('superblock.feature_incompat')),
    u1: field('available_compr_algs', 2, () => c.u16('superblock.u1')),
    extraDevices: field('extra_devices', 2, () => c.u16('superblock.extra_devices')),
    devtSlotoff: field('devt_slotoff', 2, () => c.u16('superblock.devt_slotoff')),
    dirblkbits: field('dirblkbits', 1, () => c.u8('superblock.dirblkbits')),
    xattrPrefixCount: field('xattr_prefix_count', 1, () => c.u8('superblock.xattr_prefix_count')),
    xattrPrefixStart: field('xattr_prefix_start', 4, () => c.u32('superblock.xattr_prefix_start')),
    packedNid: field('packed_nid', 8, () => c.u64('superblock.packed_nid')),
    xattrFilterReserved: field('xattr_filter_reserved', 1, () => c.u8('superblock.xattr_filter_reserved')),
    rootNid8b: 0,
    fieldRanges: ranges,
  };
  // ishare_xattr_prefix_id, reserved[2], build_time (seconds after epoch), then rootnid_8b.
  c.skip(8, 'superblock.reserved');
  const rootNid8b = field('rootnid_8b', 8, () => c.u64('superblock.rootnid_8b'));
  if (sb.featureIncompat & EROFS_FEATURE_INCOMPAT_48BIT && rootNid8b) {
    // The kernel's erofs_read_superblock: with 48-bit layout the 2-byte root nid field holds the
    // block count's other bits; combined exactly as upstream does ((blocks_lo << 32) | blocks_hi).
    sb.rootNid8b = rootNid8b;
    sb.blocks = sb.blocks * 2 ** 32 + sb.rootNid;
    sb.rootNid = rootNid8b;
    ranges['root_nid'] = ranges['rootnid_8b']!;
  }

  const at = (name: string) => ranges[name]!;
  // The kernel only mounts block sizes from 512 bytes up to the page size; we accept up to 64 KiB.
  if (sb.blkszbits < 9 || sb.blkszbits > 16) {
    const [o, l] = at('blkszbits');
    throw new DecodeError(
      `superblock blkszbits ${sb.blkszbits} is out of range (9..16, i.e. 512 B..64 KiB blocks)`,
      o,
      l,
      'erofs.superblock.blksize',
    );
  }
  if (sb.featureIncompat & ~EROFS_ALL_FEATURE_INCOMPAT) {
    const [o, l] = at('feature_incompat');
    findings.push({
      code: 'erofs.superblock.unknown-incompat',
      severity: 'error',
      offset: o,
      length: l,
      expected: `bits within ${hex(EROFS_ALL_FEATURE_INCOMPAT)}`,
      actual: hex(sb.featureIncompat),
      message: `unknown incompatible features ${hex(sb.featureIncompat & ~EROFS_ALL_FEATURE_INCOMPAT)}: the kernel refuses to mount this image`,
    });
  }
  if (sb.dirblkbits !== 0) {
    const [o, l] = at('dirblkbits');
    findings.push({
      code: 'erofs.superblock.dirblkbits',
      severity: 'warning',
      offset: o,
      length: l,
      expected: '0',
      actual: String(sb.dirblkbits),
      message: 'directory blocks larger than the block size are not supported by this reader',
    });
  }
  return { sb, findings };
}

export const blockSize = (sb: Superblock): number => 2 ** sb.blkszbits;
export const SUPERBLOCK_OFFSET = EROFS_SUPER_OFFSET;
