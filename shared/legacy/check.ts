/**
 * checkLegacy: every validation the 2023 kernel parser (cfs-reader.c, cfs.c) applied to a
 * descriptor, run over the whole image, plus the structural rules the format documents but the
 * kernel left to the writer (sorted dirents, d_type matching the inode, a tree without directory
 * hardlinks, every inode reachable). Each finding names the exact bytes that break the rule.
 *
 * LEGACY_RULES lists every code with the rule it enforces. The superblock rules that make an image
 * unreadable surface as openLegacy's rejection (same code and range); checkLegacySource turns that
 * rejection into a finding too.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { bytesToString, type Finding } from '../model.ts';
import { CFS_DIRENT_FIELD, DT_UNKNOWN, dtypeOfMode } from './dirent.ts';
import { legacyFinding } from './finding.ts';
import { CFS_INODE_SIZE, inodeOffset } from './inode.ts';
import { openLegacy, type LegacyReader } from './reader.ts';
import { CFS_INODE_TABLE_OFFSET } from './superblock.ts';
import { itemPath, legacyTree } from './tree.ts';

const pathString = (path: Uint8Array[]): string => '/' + path.map(bytesToString).join('/');

/** Every finding code this module (and the legacy reader) can produce, with the rule it enforces. */
export const LEGACY_RULES: Readonly<Record<string, string>> = {
  'legacy.image.too-small': 'the file must be larger than the superblock plus the root inode (cfs_init_ctx)',
  'legacy.superblock.version': 'version must be CFS_VERSION (1)',
  'legacy.superblock.magic': 'magic must be CFS_MAGIC (0xc078629a)',
  'legacy.superblock.vdata-offset.out-of-bounds': 'vdata_offset must not lie past the end of the file',
  'legacy.superblock.vdata-offset.too-small': 'vdata_offset must lie after the superblock',
  'legacy.superblock.vdata-offset.unaligned': 'vdata_offset must be 4-byte aligned',
  'legacy.superblock.too-many-inodes': 'the inode table may hold at most 2^32 inodes',
  'legacy.superblock.inode-table.partial': 'the inode table should hold whole 96-byte inodes (writer invariant)',
  'legacy.superblock.unused-nonzero': 'reserved superblock bytes should be zero (writer invariant)',
  'legacy.inode.out-of-bounds': 'an inode number must index the inode table (cfs_init_inode)',
  'legacy.root.not-directory': 'inode 0, the root, should be a directory',
  'legacy.inode.unreachable': 'every inode should be reachable from the root (writer invariant)',
  'legacy.payload.too-long': 'a backing path or symlink target may be at most PATH_MAX (4096) bytes',
  'legacy.payload.out-of-bounds': 'a backing path or symlink target must lie in the variable data section',
  'legacy.payload.nul': 'a backing path or symlink target should not contain NUL (the kernel cuts it there)',
  'legacy.symlink.no-target': 'a symbolic link must have a non-empty target',
  'legacy.file.no-payload': 'a non-empty regular file must have a backing file',
  'legacy.file.payload-on-empty': 'an empty regular file must not have a backing file',
  'legacy.digest.size': 'a stored digest must be 32 bytes (sha256)',
  'legacy.digest.out-of-bounds': 'a stored digest must lie in the variable data section',
  'legacy.xattr.too-small': 'a non-empty xattr block must hold at least n_attr (2 bytes)',
  'legacy.xattr.out-of-bounds': 'an xattr block must lie in the variable data section',
  'legacy.xattr.too-large': 'an xattr block may span at most 512 pages (cfs_get_buf)',
  'legacy.xattr.count-overflow': 'n_attr elements must fit in the xattr block',
  'legacy.xattr.name-too-long': 'an xattr name may be at most XATTR_NAME_MAX (255) bytes',
  'legacy.xattr.entry-out-of-bounds': 'each key and value must fit in the xattr block',
  'legacy.xattr.trailing-bytes': 'an xattr block should end with its last value (writer invariant)',
  'legacy.dirent.out-of-bounds': 'a dirent block must lie in the variable data section',
  'legacy.dirent.too-large': 'a dirent block may span at most 512 pages (cfs_get_buf)',
  'legacy.dirent.count-zero': 'a dirent block must hold at least one entry (empty directories have none)',
  'legacy.dirent.count-overflow': 'n_dirents records must fit in the dirent block',
  'legacy.dirent.name.out-of-bounds': 'each name must lie in the block\'s name table',
  'legacy.dirent.name.invalid': 'each name must be a path component: non-empty, not "." or "..", no "/"',
  'legacy.dirent.unsorted': 'names must be strictly increasing (lookups binary-search them)',
  'legacy.dirent.type-mismatch': 'd_type should match the inode\'s file type',
  'legacy.dir.hardlink': 'a directory should be reachable through one name only',
};

export async function checkLegacy(reader: LegacyReader): Promise<Finding[]> {
  const out: Finding[] = [];
  const seen = new Set<string>();
  /** `path` is computed only for findings kept, so clean deep trees cost no path strings. */
  const add = (f: Finding, path?: () => string) => {
    const key = `${f.code}@${f.offset}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(path && f.path === undefined ? { ...f, path: path() } : f);
  };
  reader.superblockFindings.forEach((f) => add(f));
  // The root check is made when opening.
  reader.findings().filter((f) => f.code === 'legacy.root.not-directory').forEach((f) => add(f, () => '/'));

  const reached = new Set<number>();
  for await (const item of legacyTree(reader)) {
    const path = () => pathString(itemPath(item));
    const { entry, dirent } = item;
    const index = entry.inode.index;
    if (dirent && item.revisit) {
      add(
        legacyFinding('legacy.dir.hardlink', dirent.at + CFS_DIRENT_FIELD.inode_num, 4, `directory inode ${index} is reached through more than one name (hardlinked directory or cycle)`, {
          nodeId: index,
        }),
        path,
      );
    }
    if (dirent && dirent.dType !== DT_UNKNOWN && dirent.dType !== dtypeOfMode(entry.inode.mode)) {
      add(
        legacyFinding('legacy.dirent.type-mismatch', dirent.at + CFS_DIRENT_FIELD.d_type, 1, `d_type ${dirent.dType} disagrees with the inode's mode ${entry.inode.mode.toString(8)}`, {
          nodeId: index,
          severity: 'warning',
          expected: String(dtypeOfMode(entry.inode.mode)),
          actual: String(dirent.dType),
        }),
        path,
      );
    }
    if (reached.has(index)) continue;
    reached.add(index);
    entry.findings.forEach((f) => add(f, path));
    item.dir?.findings.forEach((f) => add(f, path));
  }

  const { numInodes } = reader.layout;
  for (let i = 0; i < numInodes; i++) {
    if (reached.has(i)) continue;
    add(
      legacyFinding('legacy.inode.unreachable', inodeOffset(CFS_INODE_TABLE_OFFSET, i), CFS_INODE_SIZE, `inode ${i} is not reachable from the root`, {
        nodeId: i,
        severity: 'info',
      }),
    );
  }
  return out;
}

/** Opens and checks; an image too broken to open yields the finding that stopped it. */
export async function checkLegacySource(source: ByteSource): Promise<Finding[]> {
  let reader: LegacyReader;
  try {
    reader = await openLegacy(source);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return [{ code: e.code, severity: 'error', offset: e.offset, length: e.length, message: e.message }];
  }
  return checkLegacy(reader);
}
