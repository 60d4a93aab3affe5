/**
 * The root-cause precision measure: corrupt one structural field at a time (superblock fields,
 * inode fields, dirent fields, xattr headers, chunk entries) with a wild value (every byte 0xff),
 * check the copy, and count the mutations for which some root finding (one without a cause) has a
 * range of at most 64 bytes containing the mutated offset. Fields are found through the reader,
 * never by hand-typed offsets. A chunk address gets 0xfffffffe: all-ones is EROFS_NULL_ADDR, a
 * legitimate hole. Used by test/shared/check/root-cause.test.ts and `npm run bench`.
 */
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkSource } from '../../../shared/check/index.ts';
import { EROFS_INODE_CHUNK_BASED, EROFS_INODE_FLAT_INLINE, EROFS_INODE_FLAT_PLAIN } from '../../../shared/erofs/erofs_fs.ts';
import type { RawInode } from '../../../shared/erofs/inode.ts';
import { openErofs, type ErofsReader } from '../../../shared/erofs/reader.ts';
import type { Finding } from '../../../shared/model.ts';

export interface Mutation {
  what: string;
  offset: number;
  length: number;
}

export interface MutationOutcome extends Mutation {
  hit: boolean;
  roots: string[];
}

/** Findings this long or shorter name a field; longer ones name a region. */
export const FIELD_MAX = 64;
/** Inodes, dirents and xattr headers sampled per image, spread over the image. */
const PER_IMAGE = 12;

const SUPERBLOCK_FIELDS = ['magic', 'blkszbits', 'sb_extslots', 'root_nid', 'inos', 'blocks', 'meta_blkaddr', 'xattr_blkaddr', 'feature_incompat', 'build_time_nsec'];

const spread = <T>(xs: T[], n: number): T[] => (xs.length <= n ? xs : Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]!));

/** Every inode reachable from the root, with the dirents naming them. */
async function walkInodes(r: ErofsReader): Promise<{ inodes: RawInode[]; dirents: { offset: number }[] }> {
  const inodes: RawInode[] = [];
  const dirents: { offset: number }[] = [];
  const seen = new Set<number>();
  const stack = [r.rootId];
  while (stack.length) {
    const nid = stack.pop()!;
    if (seen.has(nid)) continue;
    seen.add(nid);
    const ino = await r.rawInode(nid);
    inodes.push(ino);
    if ((ino.mode & 0o170000) !== 0o040000) continue;
    for (const b of await r.dirBlocks(ino)) {
      for (const d of b.dirents) {
        const dot = d.name[0] === 0x2e && (d.name.length === 1 || (d.name.length === 2 && d.name[1] === 0x2e));
        if (dot) continue;
        dirents.push({ offset: d.offset });
        stack.push(d.nid);
      }
    }
  }
  return { inodes, dirents };
}

const hasBlockData = (ino: RawInode, bs: number) =>
  ino.datalayout === EROFS_INODE_CHUNK_BASED || (ino.datalayout === EROFS_INODE_FLAT_PLAIN && ino.size > 0) || (ino.datalayout === EROFS_INODE_FLAT_INLINE && ino.size > bs);

/** The fields to corrupt in one image. */
export async function mutationSites(r: ErofsReader): Promise<Mutation[]> {
  const out: Mutation[] = [];
  for (const name of SUPERBLOCK_FIELDS) {
    const [offset, length] = r.sb.fieldRanges[name]!;
    out.push({ what: `superblock ${name}`, offset, length });
  }
  const { inodes, dirents } = await walkInodes(r);
  const isDir = (i: RawInode) => (i.mode & 0o170000) === 0o040000;
  for (const ino of spread(inodes, PER_IMAGE)) {
    const sizeLen = ino.extended ? 8 : 4;
    out.push({ what: `inode ${ino.nid} i_format`, offset: ino.offset, length: 2 });
    out.push({ what: `inode ${ino.nid} i_xattr_icount`, offset: ino.offset + 2, length: 2 });
    out.push({ what: `inode ${ino.nid} i_mode`, offset: ino.offset + 4, length: 2 });
    if (ino.size > 0 && (isDir(ino) || ino.datalayout !== EROFS_INODE_FLAT_PLAIN)) out.push({ what: `inode ${ino.nid} i_size`, offset: ino.offset + 8, length: sizeLen });
    if (hasBlockData(ino, r.blockSize)) out.push({ what: `inode ${ino.nid} i_u`, offset: ino.offset + 16, length: 4 });
    if (isDir(ino)) out.push({ what: `inode ${ino.nid} i_nlink`, offset: ino.offset + (ino.extended ? 44 : 6), length: ino.extended ? 4 : 2 });
  }
  for (const d of spread(dirents, PER_IMAGE)) {
    out.push({ what: `dirent ${d.offset} nid`, offset: d.offset, length: 8 });
    out.push({ what: `dirent ${d.offset} nameoff`, offset: d.offset + 8, length: 2 });
    out.push({ what: `dirent ${d.offset} file_type`, offset: d.offset + 10, length: 1 });
  }
  const withXattrs = inodes.filter((i) => i.xattrSize > 0);
  for (const ino of spread(withXattrs, PER_IMAGE)) {
    const x = await r.xattrEntries(ino);
    const at = ino.offset + ino.inodeSize;
    out.push({ what: `inode ${ino.nid} h_shared_count`, offset: at + 4, length: 1 });
    if (x.shared.length) out.push({ what: `inode ${ino.nid} h_shared_xattrs[0]`, offset: at + 12, length: 4 });
    const e = x.inline[0];
    if (e) {
      out.push({ what: `inode ${ino.nid} e_name_len`, offset: e.offset, length: 1 });
      out.push({ what: `inode ${ino.nid} e_name_index`, offset: e.offset + 1, length: 1 });
      out.push({ what: `inode ${ino.nid} e_value_size`, offset: e.offset + 2, length: 2 });
    }
  }
  const chunked = inodes.filter((i) => i.datalayout === EROFS_INODE_CHUNK_BASED && i.size > 0);
  for (const ino of spread(chunked, PER_IMAGE)) {
    const { chunks, layout } = await r.chunks(ino);
    const c = chunks.find((x) => x.blkaddr !== null);
    if (c) out.push({ what: `inode ${ino.nid} chunk entry`, offset: c.offset + (layout.indexes ? 4 : 0), length: 4 });
  }
  return out;
}

const isRootHit = (f: Finding, offset: number) => !f.cause && f.length <= FIELD_MAX && f.offset <= offset && offset < f.offset + Math.max(1, f.length);

/** Applies each mutation to a copy of `bytes`, checks it and judges the root findings. */
export async function measureRootCause(bytes: Uint8Array): Promise<MutationOutcome[]> {
  const r = await openErofs(memorySource(bytes));
  const out: MutationOutcome[] = [];
  for (const m of await mutationSites(r)) {
    const copy = bytes.slice();
    copy.fill(0xff, m.offset, m.offset + m.length);
    if (m.what.endsWith('chunk entry')) copy[m.offset] = 0xfe;
    const { findings } = await checkSource(memorySource(copy), { maxFindings: 2000 });
    const roots = findings.filter((f) => !f.cause);
    out.push({ ...m, hit: roots.some((f) => isRootHit(f, m.offset)), roots: roots.slice(0, 4).map((f) => `${f.code}@${f.offset}+${f.length}`) });
  }
  return out;
}

/** Small corpus images covering composefs (0 and 1), plain, chunked and compressed EROFS. */
export const PRECISION_IMAGES = [
  ['01-readme', 'image.cfs'],
  ['02-fs-tree', 'image.cfs'],
  ['04-dump-tree', 'image.cfs'],
  ['05-upstream', 'special_v1', 'image.cfs'],
  ['07-quirks', 'image.cfs'],
  ['08-mkfs-erofs', 'plain', 'image.erofs'],
  ['08-mkfs-erofs', 'chunked-4k', 'image.erofs'],
  ['08-mkfs-erofs', 'extended', 'image.erofs'],
  ['08-mkfs-erofs', 'lz4', 'image.erofs'],
];

/** The test's share (`npm run bench` measures all of PRECISION_IMAGES): the big trees take the longest. */
export const QUICK_PRECISION_IMAGES = PRECISION_IMAGES.filter((p) => p[0] !== '02-fs-tree' && p[0] !== '04-dump-tree');
