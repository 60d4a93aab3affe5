/**
 * The layout of a legacy composefs descriptor: the 128-byte superblock, the inode table (every
 * record, reachable or not), and the variable data each inode references (dirents, backing path or
 * symlink target, xattrs, digest). mkcomposefs 0.1.3 deduplicates variable data, so one element may
 * belong to several paths.
 */
import { displayBytes } from '../diff/text.ts';
import type { LegacyEntry, LegacyReader } from '../legacy/reader.ts';
import { CFS_INODE_FIELD, CFS_INODE_SIZE, CFS_ROOT_INO } from '../legacy/inode.ts';
import { CFS_INODE_TABLE_OFFSET, CFS_SUPERBLOCK_SIZE } from '../legacy/superblock.ts';
import { finishLayout, LayoutBuilder, type FieldRef, type LayoutMap } from './model.ts';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

const vdataRef = (e: LegacyEntry, field: keyof typeof CFS_INODE_FIELD): FieldRef => ({
  name: field,
  offset: e.inode.offset + CFS_INODE_FIELD[field],
  length: 12,
});

export async function buildLegacyLayout(r: LegacyReader, signal?: AbortSignal): Promise<LayoutMap> {
  const b = new LayoutBuilder('legacy-cfs', r.size);
  b.add({ kind: 'cfs.superblock', name: 'superblock', offset: 0, length: CFS_SUPERBLOCK_SIZE });
  const paths = await legacyPaths(r, b, signal);
  for (let i = 0; i < r.layout.numInodes; i++) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const e = await r.entry(i);
    const owners = paths.get(i) ?? [];
    const add = (s: Parameters<LayoutBuilder['add']>[0]) => {
      if (owners.length === 0) b.add(s);
      for (const p of owners) b.add(s, p);
    };
    add({ kind: 'cfs.inode', name: `inode ${i}`, offset: CFS_INODE_TABLE_OFFSET + i * CFS_INODE_SIZE, length: CFS_INODE_SIZE });
    if (e.direntsRange) add({ kind: 'cfs.dirents', name: `dirents of inode ${i}`, ...span(e.direntsRange), placedBy: vdataRef(e, 'variable_data') });
    if (e.payloadRange) add({ kind: 'cfs.payload', name: `${(e.inode.mode & S_IFMT) === 0o120000 ? 'symlink target' : 'backing path'} of inode ${i}`, ...span(e.payloadRange), placedBy: vdataRef(e, 'variable_data') });
    if (e.xattrRange) add({ kind: 'cfs.xattrs', name: `xattrs of inode ${i}`, ...span(e.xattrRange), placedBy: vdataRef(e, 'xattrs') });
    if (e.digestRange) add({ kind: 'cfs.digest', name: `digest of inode ${i}`, ...span(e.digestRange), placedBy: vdataRef(e, 'digest') });
    for (const f of e.findings) b.problem(f.offset, f.length, f.message);
  }
  return finishLayout(b, (o, l) => r.bytes(o, l));
}

const span = (r: { offset: number; length: number }) => ({ offset: r.offset, length: r.length });

/** Every path of every inode index reachable from the root (directories followed once). */
async function legacyPaths(r: LegacyReader, b: LayoutBuilder, signal?: AbortSignal): Promise<Map<number, string[]>> {
  const paths = new Map<number, string[]>([[CFS_ROOT_INO, ['/']]]);
  const stack: [number, string][] = [[CFS_ROOT_INO, '']];
  const listed = new Set<number>([CFS_ROOT_INO]);
  while (stack.length) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const [index, path] = stack.pop()!;
    const e = await r.entry(index);
    if ((e.inode.mode & S_IFMT) !== S_IFDIR) continue;
    const list = await r.directory(index);
    if (list.fatal) b.problem(list.fatal.offset, list.fatal.length, list.fatal.message);
    for (const d of list.dirents) {
      const p = `${path}/${displayBytes(d.name)}`;
      const known = paths.get(d.inodeNum);
      if (known) known.push(p);
      else paths.set(d.inodeNum, [p]);
      if (!listed.has(d.inodeNum) && d.inodeNum < r.layout.numInodes) {
        listed.add(d.inodeNum);
        stack.push([d.inodeNum, p]);
      }
    }
  }
  return paths;
}
