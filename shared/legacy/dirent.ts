/**
 * struct cfs_dir_header + struct cfs_dirent: a directory's entries, one 4-byte-aligned vdata chunk
 * holding n_dirents fixed 12-byte records followed by a string table the records point into.
 * Entries are sorted by name (memcmp order) because lookups binary-search them.
 */
import { Cursor } from '../bytes/cursor.ts';
import { compareBytes, type Finding, type NodeKind } from '../model.ts';
import { legacyFinding } from './codes.ts';

export const CFS_DIR_HEADER_SIZE = 4;
export const CFS_DIRENT_SIZE = 12;
/** More than this would overflow the header size computation. */
export const CFS_MAX_DIRENTS = Math.floor(0xffffffff / CFS_DIRENT_SIZE) - 1;

export const cfsDirHeaderSize = (nDirents: number): number => CFS_DIR_HEADER_SIZE + nDirents * CFS_DIRENT_SIZE;

export const CFS_DIRENT_FIELD = { inode_num: 0, name_offset: 4, name_len: 8, d_type: 9, _padding: 10 } as const;

// d_type values (include/linux/fs_types.h)
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;
export const DT_WHT = 14;

const DT_KIND: Record<number, NodeKind> = {
  [DT_FIFO]: 'fifo',
  [DT_CHR]: 'chardev',
  [DT_DIR]: 'dir',
  [DT_BLK]: 'blockdev',
  [DT_REG]: 'file',
  [DT_LNK]: 'symlink',
  [DT_SOCK]: 'socket',
};
export const kindOfDtype = (dType: number): NodeKind => DT_KIND[dType] ?? 'unknown';

/** The d_type a writer gives an inode of this st_mode (IFTODT). */
export const dtypeOfMode = (mode: number): number => (mode >>> 12) & 0xf;

export interface LegacyDirent {
  /** Absolute offset of the 12-byte record. */
  at: number;
  inodeNum: number;
  dType: number;
  name: Uint8Array;
  /** Absolute offset of the name bytes. */
  nameAt: number;
}

export interface LegacyDirList {
  dirents: LegacyDirent[];
  findings: Finding[];
  /** Set when the whole block is unusable (the kernel fails every readdir and lookup). */
  fatal?: Finding;
}

/** cfs_validate_filename(): a single non-empty path component other than "." and "..". */
export function validateFilename(name: Uint8Array): boolean {
  if (name.length === 0) return false;
  if (name.length === 1 && name[0] === 0x2e) return false;
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) return false;
  return !name.includes(0x2f);
}

/**
 * Decodes a dirent block (`bytes` = the whole vdata chunk, located at absolute `base`). Applies the
 * checks of cfs_dir_iterate()/cfs_dir_lookup(); a bad record is reported and skipped, the rest kept.
 */
export function decodeDirents(bytes: Uint8Array, base: number, numInodes: number, nodeId: number): LegacyDirList {
  const findings: Finding[] = [];
  const c = new Cursor(bytes, base);
  const nDirents = c.u32('n_dirents');
  if (nDirents === 0) {
    const fatal = legacyFinding('legacy.dirent.count-zero', base, 4, 'n_dirents is 0; an empty directory must have no dirent block at all', {
      nodeId,
    });
    return { dirents: [], findings: [fatal], fatal };
  }
  // The kernel trusts n_dirents here and would read records past the block; we refuse instead.
  if (nDirents > CFS_MAX_DIRENTS || cfsDirHeaderSize(nDirents) > bytes.length) {
    const fatal = legacyFinding(
      'legacy.dirent.count-overflow',
      base,
      4,
      `n_dirents ${nDirents} needs ${cfsDirHeaderSize(nDirents)} bytes of records, the block has ${bytes.length}`,
      { nodeId, expected: `<= ${Math.floor((bytes.length - CFS_DIR_HEADER_SIZE) / CFS_DIRENT_SIZE)}`, actual: String(nDirents) },
    );
    return { dirents: [], findings: [fatal], fatal };
  }
  const namesStart = cfsDirHeaderSize(nDirents);
  const dirents: LegacyDirent[] = [];
  let previous: Uint8Array | undefined;
  for (let i = 0; i < nDirents; i++) {
    const at = c.offset;
    const inodeNum = c.u32('inode_num');
    const nameOffset = c.u32('name_offset');
    const nameLen = c.u8('name_len');
    const dType = c.u8('d_type');
    c.skip(2, '_padding');
    const nameStart = namesStart + nameOffset;
    if (nameStart >= bytes.length || bytes.length - nameStart < nameLen) {
      findings.push(
        legacyFinding(
          'legacy.dirent.name.out-of-bounds',
          at + CFS_DIRENT_FIELD.name_offset,
          5,
          `dirent ${i}: name ${nameOffset}+${nameLen} lies outside the name table (${bytes.length - namesStart} bytes)`,
          { nodeId },
        ),
      );
      continue;
    }
    const name = bytes.subarray(nameStart, nameStart + nameLen);
    const nameAt = base + nameStart;
    if (!validateFilename(name)) {
      findings.push(
        legacyFinding(
          'legacy.dirent.name.invalid',
          nameLen === 0 ? at + CFS_DIRENT_FIELD.name_len : nameAt,
          nameLen === 0 ? 1 : nameLen,
          `dirent ${i}: name is empty, ".", ".." or contains "/"`,
          { nodeId },
        ),
      );
      continue;
    }
    if (previous && compareBytes(previous, name) >= 0) {
      findings.push(
        legacyFinding(
          'legacy.dirent.unsorted',
          at,
          CFS_DIRENT_SIZE,
          `dirent ${i}: names are not strictly increasing, so lookups (binary search) can miss entries`,
          { nodeId },
        ),
      );
    }
    previous = name;
    if (inodeNum >= numInodes) {
      findings.push(
        legacyFinding(
          'legacy.inode.out-of-bounds',
          at + CFS_DIRENT_FIELD.inode_num,
          4,
          `dirent ${i}: inode ${inodeNum} is past the end of the inode table (${numInodes} inodes)`,
          { nodeId, expected: `< ${numInodes}`, actual: String(inodeNum) },
        ),
      );
    }
    dirents.push({ at, inodeNum, dType, name, nameAt });
  }
  return { dirents, findings };
}
