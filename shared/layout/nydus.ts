/**
 * The layout of a Nydus RAFS bootstrap.
 *
 * v5 (layout/v5.rs): the 8 KiB superblock, the inode table, the prefetch table, the blob table and
 * the extended blob table, then every inode record the inode table names with what follows it: its
 * name, symlink target, xattr table and chunk records, each padded to 8 bytes (the padding is
 * padding). Paths come from a walk of the tree from the root; an entry the walk does not reach is
 * still mapped, under its table index, so nothing it holds looks like hidden content.
 *
 * v6 is an EROFS image: the EROFS map, plus RafsV6SuperBlockExt and the blob, chunk and prefetch
 * tables. File data lives in the blobs (devices), outside the bootstrap.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { NydusV5Reader } from '../nydus/reader-v5.ts';
import type { NydusV6Reader } from '../nydus/reader-v6.ts';
import {
  EROFS_EXT_SUPER_BLOCK_OFFSET,
  EROFS_EXT_SUPER_BLOCK_SIZE,
  RAFS_CHUNK_INFO_SIZE,
  RAFS_V5_ROOT_INODE,
  RAFSV5_EXT_BLOB_ENTRY_SIZE,
  RAFSV5_INODE_SIZE,
  RAFSV5_SUPERBLOCK_SIZE,
  RAFSV6_BLOB_ENTRY_SIZE,
  rafsv5Align,
} from '../nydus/rafs_fs.ts';
import { INODE_FIELD, type RafsV5Inode } from '../nydus/v5-inode.ts';
import { displayBytes } from '../diff/text.ts';
import { buildErofsLayout } from './erofs.ts';
import { finishLayout, LayoutBuilder, pacer, type FieldRef, type LayoutMap } from './model.ts';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function buildNydusV5Layout(r: NydusV5Reader, signal?: AbortSignal): Promise<LayoutMap> {
  const b = new LayoutBuilder(r.format, r.size);
  const sb = r.sb;
  const sbField = (name: string): FieldRef => ({ name, offset: sb.fieldRanges[name]![0], length: sb.fieldRanges[name]![1] });
  b.add({ kind: 'nydus.v5.superblock', name: 'RAFS v5 superblock', offset: 0, length: RAFSV5_SUPERBLOCK_SIZE });
  const t = r.inodeTable;
  b.add({ kind: 'nydus.v5.inode-table', name: 'inode table', offset: t.offset, length: t.entries * 4, placedBy: sbField('s_inode_table_offset'), sizedBy: sbField('s_inode_table_entries') });
  if (r.prefetch) b.add({ kind: 'nydus.prefetch-table', name: 'prefetch table', offset: r.prefetch.offset, length: r.prefetch.inodes.length * 4, placedBy: sbField('s_prefetch_table_offset'), sizedBy: sbField('s_prefetch_table_entries') });
  if (r.blobs.length) b.add({ kind: 'nydus.v5.blob-table', name: 'blob table', offset: sb.blobTableOffset, length: sb.blobTableSize, placedBy: sbField('s_blob_table_offset'), sizedBy: sbField('s_blob_table_size') });
  if (r.blobs.some((x) => x.ext)) {
    b.add({ kind: 'nydus.v5.ext-blob-table', name: 'extended blob table', offset: sb.extendedBlobTableOffset, length: sb.extendedBlobTableEntries * RAFSV5_EXT_BLOB_ENTRY_SIZE, placedBy: sbField('s_extended_blob_table_offset'), sizedBy: sbField('s_extended_blob_table_entries') });
  }
  const paths = walkPaths(r);
  const pace = pacer();
  for (let index = 1; index <= t.entries; index++) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const paused = pace.tick();
    if (paused) await paused;
    const entry: FieldRef = { name: `inode table entry ${index}`, offset: t.offset + (index - 1) * 4, length: 4 };
    const path = paths.get(index) ?? `(inode table entry ${index})`;
    let ino: RafsV5Inode;
    try {
      ino = r.inode(index);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      b.problem(e.offset, e.length, `${path}: ${e.message}`);
      continue;
    }
    addV5Inode(b, ino, path, entry, r.inodeLayout === 'v5' ? 'nydus.v5.inode' : 'nydus.pre-v5.inode');
  }
  return finishLayout(b, (o, l) => r.bytes(o, l));
}

/**
 * The record and everything after it, each as its own structure. Records of the pre-v5 layout (see
 * v5-inode.ts) are their own kind: their fields sit elsewhere, so the v5 field table does not apply.
 */
function addV5Inode(b: LayoutBuilder, ino: RafsV5Inode, path: string, placedBy: FieldRef, kind: string): void {
  const at = ino.offset;
  const field = (name: keyof typeof INODE_FIELD): FieldRef => ({ name, offset: at + INODE_FIELD[name][0], length: INODE_FIELD[name][1] });
  const name = `inode ${ino.ino}`;
  b.add({ kind, name, offset: at, length: RAFSV5_INODE_SIZE, placedBy }, path);
  let pos = at + RAFSV5_INODE_SIZE;
  if (ino.nameSize) b.add({ kind: 'nydus.v5.name', name: `name of ${name}`, offset: pos, length: ino.nameSize, sizedBy: field('i_name_size') }, path);
  pos += rafsv5Align(ino.nameSize);
  if (ino.symlinkSize) {
    b.add({ kind: 'nydus.v5.symlink', name: `symlink target of ${name}`, offset: pos, length: ino.symlinkSize, sizedBy: field('i_symlink_size') }, path);
  }
  if (ino.xattrTable) b.add({ kind: 'nydus.v5.xattr-table', name: `xattr table of ${name}`, offset: ino.xattrTable.offset, length: 8 + ino.xattrTable.size }, path);
  if (ino.chunks.length) {
    const end = at + ino.length;
    const length = ino.chunks.length * RAFS_CHUNK_INFO_SIZE;
    b.add({ kind: 'nydus.chunk-infos', name: `chunk records of ${name}`, offset: end - length, length, sizedBy: field('i_child_count') }, path);
  }
}

/** Child index -> path, from a walk of directories' child ranges (first path wins for hard links). */
function walkPaths(r: NydusV5Reader): Map<number, string> {
  const paths = new Map<number, string>([[RAFS_V5_ROOT_INODE, '/']]);
  const todo = [RAFS_V5_ROOT_INODE];
  while (todo.length) {
    const index = todo.pop()!;
    let dir: RafsV5Inode;
    try {
      dir = r.inode(index);
    } catch {
      continue;
    }
    if ((dir.mode & S_IFMT) !== S_IFDIR) continue;
    const parent = paths.get(index) === '/' ? '' : paths.get(index)!;
    // Children sit after their parent in the table; a range that does not is the reader's finding.
    if (dir.childIndex <= index || dir.childIndex + dir.childCount - 1 > r.inodeTable.entries) continue;
    for (let k = dir.childIndex; k < dir.childIndex + dir.childCount; k++) {
      if (paths.has(k)) continue;
      try {
        paths.set(k, `${parent}/${displayBytes(r.inode(k).name)}`);
        todo.push(k);
      } catch (e) {
        paths.set(k, `${parent}/(inode table entry ${k}: ${message(e)})`);
      }
    }
  }
  return paths;
}

export async function buildNydusV6Layout(r: NydusV6Reader, signal?: AbortSignal): Promise<LayoutMap> {
  return buildErofsLayout(r, signal, (b) => addRafsV6Tables(b, r));
}

function addRafsV6Tables(b: LayoutBuilder, r: NydusV6Reader): void {
  const { ext, blobs, chunkTable, prefetch } = r.rafs;
  const extField = (name: string): FieldRef => ({ name, offset: ext.fieldRanges[name]![0], length: ext.fieldRanges[name]![1] });
  b.add({ kind: 'nydus.v6.superblock-ext', name: 'RAFS v6 superblock extension', offset: EROFS_EXT_SUPER_BLOCK_OFFSET, length: EROFS_EXT_SUPER_BLOCK_SIZE });
  blobs.forEach((x, i) => b.add({ kind: 'nydus.v6.blob', name: `blob table entry ${i}`, offset: x.offset, length: RAFSV6_BLOB_ENTRY_SIZE, placedBy: extField('s_blob_table_offset') }));
  chunkTable.forEach((c, i) => b.add({ kind: 'nydus.chunk-info', name: `chunk table entry ${i}`, offset: c.offset, length: RAFS_CHUNK_INFO_SIZE, placedBy: extField('s_chunk_table_offset') }));
  if (prefetch) b.add({ kind: 'nydus.prefetch-table', name: 'prefetch table', offset: prefetch.offset, length: prefetch.inodes.length * 4, placedBy: extField('s_prefetch_table_offset'), sizedBy: extField('s_prefetch_table_size') });
}
