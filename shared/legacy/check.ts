/**
 * checkLegacy: every validation the 2023 kernel parser (cfs-reader.c, cfs.c) applied to a
 * descriptor, run over the whole image, plus the structural rules the format documents but the
 * kernel left to the writer (sorted dirents, d_type matching the inode, a tree without directory
 * hardlinks, every inode reachable). Each finding names the exact bytes that break the rule.
 *
 * LEGACY_CODES (codes.ts) lists every code with its severity and the rule it enforces. The
 * superblock rules that make an image unreadable surface as openLegacy's rejection (same code and
 * range); checkLegacySource turns that rejection into a finding too.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { bytesToString, type Finding } from '../model.ts';
import { CFS_DIRENT_FIELD, DT_UNKNOWN, dtypeOfMode } from './dirent.ts';
import { legacyFinding } from './codes.ts';
import { CFS_INODE_SIZE, inodeOffset } from './inode.ts';
import { openLegacy, type LegacyReader } from './reader.ts';
import { CFS_INODE_TABLE_OFFSET } from './superblock.ts';
import { itemPath, legacyTree } from './tree.ts';

const pathString = (path: Uint8Array[]): string => '/' + path.map(bytesToString).join('/');

export { LEGACY_CODES } from './codes.ts';

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
