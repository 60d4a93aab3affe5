/**
 * Rules for the composefs header and struct erofs_super_block, after the kernel's
 * erofs_read_superblock() and fsck.erofs's erofs_check_sb_chksum() (the crc32c itself is the
 * reader's). What makes an image unopenable (magic, block size, meta_blkaddr) is raised by the
 * reader and reported by checkSource.
 */
import { hex } from '../bytes/cursor.ts';
import { LCFS_EROFS_FLAGS_HAS_ACL, LCFS_EROFS_VERSION } from '../composefs/header.ts';
import { truncationText } from '../erofs/reader.ts';
import { verifySuperblockChecksum } from '../erofs/crc32c.ts';
import {
  EROFS_FEATURE_COMPAT_MTIME,
  EROFS_FEATURE_COMPAT_SB_CHKSUM,
  EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX,
  EROFS_FEATURE_COMPAT_XATTR_FILTER,
  EROFS_SB_SIZE,
  EROFS_SUPER_OFFSET,
} from '../erofs/erofs_fs.ts';
import { finding } from './codes.ts';
import type { CheckContext } from './context.ts';

/** lcfs_erofs_header_s field ranges (bytes 0..31 of a composefs image). */
export const LCFS_HEADER_FIELD = { magic: [0, 4], version: [4, 4], flags: [8, 4], composefs_version: [12, 4] } as const;
/** The highest composefs format version libcomposefs 1.0 writes (LCFS_VERSION_MAX). */
export const LCFS_VERSION_MAX = 1;
/**
 * The highest this checker knows: 2, as composefs-rs writes it (extended inodes, depth-first inode
 * order, no whiteout table at the root, no header flags). Inode size and order are free in EROFS;
 * what differs for the rules is the header's ACL flag (checkAclFlag), and for listings the whiteout
 * table, which only formats 0 and 1 hide (isBookkeepingWhiteout).
 */
export const COMPOSEFS_VERSION_KNOWN_MAX = 2;
/** Each superblock extension slot is 16 bytes (EROFS_SB_EXTSLOT_SIZE). */
export const EROFS_SB_EXTSLOT_SIZE = 16;
/** The kernel reads the superblock from one page. */
const PAGE_SIZE = 4096;
/** composefs mounts assume 4 KiB blocks (LCFS_BUILD_BLKSIZE). */
export const LCFS_BLOCK_SIZE = 4096;

export const KNOWN_COMPAT =
  EROFS_FEATURE_COMPAT_SB_CHKSUM | EROFS_FEATURE_COMPAT_MTIME | EROFS_FEATURE_COMPAT_XATTR_FILTER | EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX;

/** Offset of the first byte after the superblock and its extension slots. */
export const superblockEnd = (sbExtslots: number): number => EROFS_SUPER_OFFSET + EROFS_SB_SIZE + sbExtslots * EROFS_SB_EXTSLOT_SIZE;

export async function checkSuperblock(ctx: CheckContext): Promise<void> {
  const { reader } = ctx;
  const sb = reader.sb;
  const at = (name: string): [number, number] => sb.fieldRanges[name]!;
  for (const f of reader.findings()) ctx.add(f);

  const header = reader.header;
  if (header) {
    if (header.version !== LCFS_EROFS_VERSION) {
      ctx.add(finding('composefs.header.version', ...LCFS_HEADER_FIELD.version, `composefs header version is ${header.version}; mounts refuse anything but ${LCFS_EROFS_VERSION}`, {
        expected: String(LCFS_EROFS_VERSION),
        actual: String(header.version),
      }));
    }
    if (header.composefsVersion > COMPOSEFS_VERSION_KNOWN_MAX) {
      ctx.add(finding('composefs.header.format-version', ...LCFS_HEADER_FIELD.composefs_version, `composefs format version ${header.composefsVersion} is newer than any this checker knows`, {
        expected: `0..${COMPOSEFS_VERSION_KNOWN_MAX}`,
        actual: String(header.composefsVersion),
      }));
    }
    if (header.flags & ~LCFS_EROFS_FLAGS_HAS_ACL) {
      ctx.add(finding('composefs.header.flags', ...LCFS_HEADER_FIELD.flags, `unknown composefs header flags ${hex(header.flags & ~LCFS_EROFS_FLAGS_HAS_ACL)}`, {
        expected: `bits within ${hex(LCFS_EROFS_FLAGS_HAS_ACL)}`,
        actual: hex(header.flags),
      }));
    }
    if (ctx.blockSize !== LCFS_BLOCK_SIZE) {
      ctx.add(finding('composefs.blocksize', ...at('blkszbits'), `composefs image with ${ctx.blockSize}-byte blocks`, {
        expected: String(LCFS_BLOCK_SIZE),
        actual: String(ctx.blockSize),
      }));
    }
    if (sb.extraDevices !== 0) {
      ctx.add(finding('composefs.extra-devices', ...at('extra_devices'), `composefs image declares ${sb.extraDevices} extra devices`, {
        expected: '0',
        actual: String(sb.extraDevices),
      }));
    }
  }

  if (sb.featureCompat & ~KNOWN_COMPAT) {
    ctx.add(finding('erofs.superblock.unknown-compat', ...at('feature_compat'), `unknown compatible features ${hex(sb.featureCompat & ~KNOWN_COMPAT)}`, {
      expected: `bits within ${hex(KNOWN_COMPAT)}`,
      actual: hex(sb.featureCompat),
    }));
  }

  const sbEnd = superblockEnd(sb.sbExtslots);
  if (sbEnd > PAGE_SIZE) {
    ctx.add(finding('erofs.superblock.extslots', ...at('sb_extslots'), `sb_extslots ${sb.sbExtslots} makes the superblock end at ${hex(sbEnd)}, past its page`, {
      expected: `at most ${(PAGE_SIZE - EROFS_SUPER_OFFSET - EROFS_SB_SIZE) / EROFS_SB_EXTSLOT_SIZE}`,
      actual: String(sb.sbExtslots),
    }));
  }

  const checksum = await verifySuperblockChecksum(reader);
  if (checksum) ctx.add(checksum);

  const claimed = sb.blocks * ctx.blockSize;
  if (claimed > ctx.size) {
    ctx.add(finding('erofs.superblock.blocks', ...at('blocks'), truncationText(ctx.size, sb.blocks, ctx.blockSize), {
      expected: `at most ${Math.floor(ctx.size / ctx.blockSize)}`,
      actual: String(sb.blocks),
    }));
  }
  if (sb.buildTimeNsec >= 1e9) {
    ctx.add(finding('erofs.superblock.build-time-nsec', ...at('build_time_nsec'), `build_time_nsec ${sb.buildTimeNsec} is not below 10^9`, {
      expected: '< 1000000000',
      actual: String(sb.buildTimeNsec),
    }));
  }
  const xattrStart = sb.xattrBlkaddr * ctx.blockSize;
  if (xattrStart > ctx.size) {
    ctx.add(finding('erofs.superblock.xattr_blkaddr', ...at('xattr_blkaddr'), `xattr_blkaddr ${sb.xattrBlkaddr} (${hex(xattrStart)}) lies beyond the image end (${ctx.size} bytes)`, {
      expected: `at most ${Math.floor(ctx.size / ctx.blockSize)}`,
      actual: String(sb.xattrBlkaddr),
    }));
  }
}

/**
 * libcomposefs mounts enable ACLs only when the header says the image has some
 * (LCFS_EROFS_FLAGS_HAS_ACL). Format 2 is composefs-rs's: its writer never sets the flag and its
 * mount never reads it, so the rule holds for formats 0 and 1 only.
 */
export function checkAclFlag(ctx: CheckContext, hasAcl: boolean): void {
  const header = ctx.reader.header;
  if (!header || !hasAcl || header.flags & LCFS_EROFS_FLAGS_HAS_ACL) return;
  if (header.composefsVersion > LCFS_VERSION_MAX) return;
  ctx.add(finding('composefs.header.acl-flag', ...LCFS_HEADER_FIELD.flags, 'the image holds POSIX ACL xattrs but the header does not set LCFS_EROFS_FLAGS_HAS_ACL', {
    expected: hex(header.flags | LCFS_EROFS_FLAGS_HAS_ACL),
    actual: hex(header.flags),
  }));
}
