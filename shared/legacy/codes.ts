/**
 * Every finding code the legacy reader and checker can report, with its default severity and the
 * rule it enforces (the same shape as the composefs checker's CHECK_CODES, so the two tables can be
 * shown and merged alike). Kernel rules cite the cfs-reader.c / cfs.c function that applied them;
 * "writer invariant" rules are what mkcomposefs 0.1.3 always produced but the kernel never checked.
 */
import { DecodeError } from '../bytes/cursor.ts';
import { BUDGET_CODES } from '../budgets.ts';
import { ruleError as e, ruleInfo as i, ruleWarning as w, type CodeInfo, type Finding, type Severity } from '../model.ts';


export const LEGACY_CODES = {
  // struct cfs_superblock (cfs_init_ctx)
  'legacy.image.too-small': e('the file must be larger than the superblock plus the root inode (224 bytes)'),
  'legacy.superblock.version': e('version must be CFS_VERSION (1)'),
  'legacy.superblock.magic': e('magic must be CFS_MAGIC (0xc078629a)'),
  'legacy.superblock.vdata-offset.out-of-bounds': e('vdata_offset must not lie past the end of the file'),
  'legacy.superblock.vdata-offset.too-small': e('vdata_offset must lie after the 128-byte superblock'),
  'legacy.superblock.vdata-offset.unaligned': e('vdata_offset must be 4-byte aligned'),
  'legacy.superblock.too-many-inodes': e('the inode table may hold at most 2^32 inodes'),
  'legacy.superblock.inode-table.partial': w('the inode table should hold whole 96-byte inodes (writer invariant)'),
  'legacy.superblock.unused-nonzero': w('reserved superblock bytes should be zero (writer invariant)'),

  // struct cfs_inode_data (cfs_init_inode, cfs_fill_super)
  'legacy.inode.out-of-bounds': e('an inode number must index the inode table'),
  'legacy.root.not-directory': e('inode 0, the root, should be a directory'),
  'legacy.inode.unreachable': i('every inode should be reachable from the root (writer invariant)'),
  'legacy.payload.too-long': e('a backing path or symlink target may be at most PATH_MAX (4096) bytes'),
  'legacy.payload.out-of-bounds': e('a backing path or symlink target must lie in the variable data section'),
  'legacy.payload.nul': w('a backing path or symlink target should not contain NUL (the kernel cuts the path there)'),
  'legacy.symlink.no-target': e('a symbolic link must have a non-empty target'),
  'legacy.symlink.nul-target': e('a symlink target must not start with NUL (cfs_init_inode refuses it with EFSCORRUPTED)'),
  'legacy.file.no-payload': e('a non-empty regular file must have a backing file'),
  'legacy.file.payload-on-empty': e('an empty regular file must not have a backing file'),
  'legacy.digest.size': e('a stored fs-verity digest must be 32 bytes (sha256)'),
  'legacy.digest.out-of-bounds': e('a stored digest must lie in the variable data section'),

  // struct cfs_xattr_header (cfs_init_inode, cfs_list_xattrs, cfs_get_xattr)
  'legacy.xattr.too-small': e('a non-empty xattr block must hold at least n_attr (2 bytes)'),
  'legacy.xattr.out-of-bounds': e('an xattr block must lie in the variable data section'),
  'legacy.xattr.too-large': e('an xattr block may span at most 512 pages (cfs_get_buf)'),
  'legacy.xattr.count-overflow': e('n_attr elements must fit in the xattr block'),
  'legacy.xattr.no-attrs': e('an xattr block must hold at least one xattr (n_attr 0 is refused by the kernel)'),
  'legacy.xattr.name-too-long': e('an xattr name may be at most XATTR_NAME_MAX (255) bytes'),
  'legacy.xattr.entry-out-of-bounds': e('each key and value must fit in the xattr block'),
  'legacy.xattr.trailing-bytes': w('an xattr block should end with its last value (writer invariant)'),

  // struct cfs_dir_header (cfs_dir_iterate, cfs_dir_lookup)
  'legacy.dirent.out-of-bounds': e('a dirent block must lie in the variable data section'),
  'legacy.dirent.too-large': e('a dirent block may span at most 512 pages (cfs_get_buf)'),
  'legacy.dirent.count-zero': e('a dirent block must hold at least one entry (an empty directory has no block)'),
  'legacy.dirent.count-overflow': e('n_dirents records must fit in the dirent block'),
  'legacy.dirent.name.out-of-bounds': e("each name must lie in the block's name table"),
  'legacy.dirent.name.invalid': e('each name must be one path component: non-empty, not "." or "..", no "/"'),
  'legacy.dirent.unsorted': e('names must be strictly increasing in memcmp order (lookups binary-search them)'),
  'legacy.dirent.type-mismatch': w("d_type should match the inode's file type (writer invariant)"),
  'legacy.dir.hardlink': e('a directory should be reachable through one name only (writer invariant)'),

  // ImageReader.readData rejections
  'legacy.data.external': e('a legacy image holds no regular file content; it lives in the backing file'),
  'legacy.data.out-of-range': e('a read must stay within the bytes the image holds for the node'),
  // the inspector's own limit (shared/budgets.ts) this reader can reach
  'budget.xattrs-per-inode': BUDGET_CODES['budget.xattrs-per-inode'],
} as const satisfies Record<string, CodeInfo>;

export type LegacyCode = keyof typeof LEGACY_CODES;

export function legacyFinding(
  code: LegacyCode,
  offset: number,
  length: number,
  message: string,
  extra: { severity?: Severity; nodeId?: number; expected?: string; actual?: string } = {},
): Finding {
  const { severity = LEGACY_CODES[code].severity, ...rest } = extra;
  return { code, severity, offset, length, message, ...rest };
}

/** The rejection a reader method gives for a problem it cannot decode past. */
export const findingError = (f: Finding): DecodeError => new DecodeError(f.message, f.offset, f.length, f.code);
