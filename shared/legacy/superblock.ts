/**
 * struct cfs_superblock: 128 bytes at the start of the descriptor, followed by the inode table; the
 * variable data section starts at vdata_offset and runs to the end of the file.
 */
import { Cursor } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import { legacyFinding } from './codes.ts';
import { CFS_INODE_SIZE } from './inode.ts';

export const CFS_VERSION = 1;
export const CFS_MAGIC = 0xc078629a;
export const CFS_SUPERBLOCK_OFFSET = 0;
export const CFS_SUPERBLOCK_SIZE = 128;
export const CFS_INODE_TABLE_OFFSET = CFS_SUPERBLOCK_SIZE;
/** Fits at least the root inode. */
export const CFS_DESCRIPTOR_MIN_SIZE = CFS_SUPERBLOCK_SIZE + CFS_INODE_SIZE;

const U32_MAX = 0xffffffff;

export const CFS_SUPERBLOCK_FIELD = { version: 0, magic: 4, vdata_offset: 8, unused: 16 } as const;

export interface LegacySuperblock {
  version: number;
  magic: number;
  vdataOffset: number;
  /** The 112 reserved bytes are not all zero (the writer always zeroes them). */
  unusedNonZero: boolean;
}

/** Does this look like a legacy descriptor? (format detection by magic at offset 4) */
export function hasLegacyMagic(head: Uint8Array): boolean {
  return head.length >= 8 && new Cursor(head, 0, CFS_SUPERBLOCK_FIELD.magic).u32('magic') === CFS_MAGIC;
}

export function decodeSuperblock(bytes: Uint8Array): LegacySuperblock {
  const c = new Cursor(bytes, CFS_SUPERBLOCK_OFFSET);
  const version = c.u32('version');
  const magic = c.u32('magic');
  const vdataOffset = c.u64('vdata_offset');
  const unused = c.take(CFS_SUPERBLOCK_SIZE - CFS_SUPERBLOCK_FIELD.unused, 'unused');
  return { version, magic, vdataOffset, unusedNonZero: unused.some((b) => b !== 0) };
}

/** Number of whole inode records between the superblock and the variable data section. */
export const inodeCount = (sb: LegacySuperblock): number =>
  Math.max(0, Math.floor((sb.vdataOffset - CFS_INODE_TABLE_OFFSET) / CFS_INODE_SIZE));

/**
 * The checks of cfs_init_ctx(), in its order, plus two the kernel did not need (reserved bytes,
 * a partial record at the end of the inode table). `fatal` is the first finding that makes the
 * image unreadable.
 */
export function checkSuperblock(sb: LegacySuperblock, fileSize: number): { findings: Finding[]; fatal?: Finding } {
  const findings: Finding[] = [];
  let fatal: Finding | undefined;
  const add = (f: Finding, isFatal: boolean) => {
    findings.push(f);
    if (isFatal) fatal ??= f;
  };
  const F = CFS_SUPERBLOCK_FIELD;
  if (fileSize <= CFS_DESCRIPTOR_MIN_SIZE) {
    add(
      legacyFinding('legacy.image.too-small', 0, fileSize, `a descriptor of ${fileSize} bytes cannot hold the superblock and the root inode`, {
        expected: `> ${CFS_DESCRIPTOR_MIN_SIZE} bytes`,
        actual: `${fileSize} bytes`,
      }),
      true,
    );
  }
  if (sb.version !== CFS_VERSION) {
    add(
      legacyFinding('legacy.superblock.version', F.version, 4, `superblock version is ${sb.version}, the kernel only mounts version ${CFS_VERSION}`, {
        expected: String(CFS_VERSION),
        actual: String(sb.version),
      }),
      false,
    );
  }
  if (sb.magic !== CFS_MAGIC) {
    add(
      legacyFinding('legacy.superblock.magic', F.magic, 4, `bad magic 0x${sb.magic.toString(16)}, not a composefs descriptor`, {
        expected: '0x' + CFS_MAGIC.toString(16),
        actual: '0x' + sb.magic.toString(16),
      }),
      true,
    );
  }
  if (sb.vdataOffset > fileSize) {
    add(
      legacyFinding('legacy.superblock.vdata-offset.out-of-bounds', F.vdata_offset, 8, `vdata_offset ${sb.vdataOffset} lies past the end of the file (${fileSize} bytes)`, {
        expected: `<= ${fileSize}`,
        actual: String(sb.vdataOffset),
      }),
      true,
    );
  } else if (sb.vdataOffset <= CFS_INODE_TABLE_OFFSET) {
    add(
      legacyFinding('legacy.superblock.vdata-offset.too-small', F.vdata_offset, 8, `vdata_offset ${sb.vdataOffset} leaves no room for an inode table after the superblock`, {
        expected: `> ${CFS_INODE_TABLE_OFFSET}`,
        actual: String(sb.vdataOffset),
      }),
      true,
    );
  }
  if (sb.vdataOffset % 4 !== 0) {
    add(
      legacyFinding('legacy.superblock.vdata-offset.unaligned', F.vdata_offset, 8, `vdata_offset ${sb.vdataOffset} is not 4-byte aligned`, {
        expected: 'multiple of 4',
        actual: String(sb.vdataOffset),
      }),
      false,
    );
  }
  if (!fatal && inodeCount(sb) > U32_MAX) {
    add(legacyFinding('legacy.superblock.too-many-inodes', F.vdata_offset, 8, `the inode table holds more than 2^32 inodes`), true);
  }
  if (!fatal && (sb.vdataOffset - CFS_INODE_TABLE_OFFSET) % CFS_INODE_SIZE !== 0) {
    const tail = (sb.vdataOffset - CFS_INODE_TABLE_OFFSET) % CFS_INODE_SIZE;
    add(
      legacyFinding(
        'legacy.superblock.inode-table.partial',
        sb.vdataOffset - tail,
        tail,
        `the inode table ends with ${tail} bytes that are not a whole ${CFS_INODE_SIZE}-byte inode (the writer never leaves any)`,
      ),
      false,
    );
  }
  if (sb.unusedNonZero) {
    add(
      legacyFinding('legacy.superblock.unused-nonzero', F.unused, CFS_SUPERBLOCK_SIZE - F.unused, 'reserved superblock bytes are not zero'),
      false,
    );
  }
  return { findings, fatal };
}
