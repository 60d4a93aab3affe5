/**
 * Root causes: every finding that follows from another gets `cause`, the id of the finding it
 * follows from, so a report can list each root with its consequences under it. Three links:
 * - a finding whose range is the region a wild length spoils (an xattr area, a chunk map or an inline
 *   tail past the image end) is re-aimed at the inode field that holds the length, the region kept
 *   as `region`;
 * - a bad pointer (a dirent nid no inode answers to, a nid placing an inode over other structures)
 *   explains every other finding about the path it names;
 * - a root with a region explains the findings lying wholly inside that region.
 */
import type { ErofsReader } from '../erofs/reader.ts';
import { inodeOffset } from '../erofs/inode.ts';
import type { Finding, ImageReader } from '../model.ts';
import { idOf } from './layout.ts';

/** Findings about a region a length field spoils, and the inode field (offset, length) that holds the length. */
const SIZED_BY: Record<string, { field: string; at: number; length: (extended: boolean) => number }> = {
  'erofs.xattr.out-of-bounds': { field: 'i_xattr_icount', at: 2, length: () => 2 },
  'erofs.chunk.out-of-bounds': { field: 'i_size', at: 8, length: (x) => (x ? 8 : 4) },
  'erofs.inline.crosses-block': { field: 'i_size', at: 8, length: (x) => (x ? 8 : 4) },
  'erofs.data.out-of-bounds': { field: 'i_size', at: 8, length: (x) => (x ? 8 : 4) },
  'erofs.dir.out-of-bounds': { field: 'i_size', at: 8, length: (x) => (x ? 8 : 4) },
  'erofs.metadata.too-large': { field: 'i_size', at: 8, length: (x) => (x ? 8 : 4) },
};
/** Ranges up to this long already name a field (the longest fixed field we report is a uuid or tag). */
const FIELD_MAX = 64;
/** Codes whose finding is a bad pointer or length: everything else about the same path follows from it. */
const POINTER_ROOTS = new Set(['erofs.dirent.nid', 'erofs.superblock.root-nid', 'layout.wild-pointer', 'layout.wild-size']);
/** Pointers reported because the inode they point at did not decode: when that inode's own fields say why, those are the root. */
const NID_POINTERS = new Set(['erofs.dirent.nid', 'erofs.superblock.root-nid']);
const OWN_FAULT = (f: Finding) => f.code.startsWith('erofs.inode.') || f.code === 'erofs.metadata.too-large';
/** Roots whose region holds only their consequences (a block count's region is just where reading stops). */
const REGION_ROOTS = (f: Finding) => f.code.startsWith('layout.wild-') || f.code in SIZED_BY;
/**
 * Roots that hide part of the tree: content left unaccounted is most likely what the lost entries
 * pointed at. A heuristic (the bytes no longer say whose they were), so only when such a root exists.
 */
const HIDES_TREE = (f: Finding) => POINTER_ROOTS.has(f.code) || f.code.startsWith('erofs.dir.') || f.code.startsWith('erofs.dirent.') || f.code.startsWith('legacy.dirent.');

export async function linkCauses(reader: ImageReader, findings: Finding[]): Promise<void> {
  if (reader.format === 'composefs' || reader.format === 'erofs') await aimAtSizeFields(reader as ErofsReader, findings);
  const seen = new Map<string, number>();
  for (const f of findings) {
    const id = idOf(f);
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    if (k) f.id = `${id}#${k}`;
  }
  // Two roots on the same bytes are one cause: the first explains the others.
  const onBytes = new Map<string, Finding>();
  for (const f of findings) {
    if (f.cause || f.length === 0) continue;
    const key = `${f.offset}+${f.length}`;
    const first = onBytes.get(key);
    if (first) f.cause = idOf(first);
    else onBytes.set(key, f);
  }
  // A runaway inode explains the other findings about that inode (its chunk map past the end...).
  const runaway = new Map<number, Finding>();
  for (const f of findings) if (f.code === 'layout.wild-size' && !f.cause && f.nodeId !== undefined && !runaway.has(f.nodeId)) runaway.set(f.nodeId, f);
  for (const f of findings) {
    const root = f.nodeId === undefined || f.cause ? undefined : runaway.get(f.nodeId);
    if (root && root !== f && !NID_POINTERS.has(f.code)) f.cause = idOf(root);
  }
  const byPath = new Map<string, Finding>();
  for (const f of findings) if (POINTER_ROOTS.has(f.code) && f.path !== undefined && !byPath.has(f.path)) byPath.set(f.path, f);
  // A sound nid at an inode whose i_format (or other field) is bad: the inode is the root, the dirent follows.
  for (const [path, p] of byPath) {
    if (!NID_POINTERS.has(p.code)) continue;
    const own = findings.find((f) => f.path === path && f !== p && OWN_FAULT(f));
    if (!own) continue;
    p.cause = idOf(own);
    byPath.set(path, own);
  }
  for (const f of findings) {
    if (f.cause || f.path === undefined) continue;
    const root = byPath.get(f.path);
    if (root && root !== f && !POINTER_ROOTS.has(f.code)) f.cause = idOf(root);
  }
  const regional = findings.filter((f) => f.region && !f.cause && REGION_ROOTS(f));
  for (const f of findings) {
    if (f.cause || f.region || POINTER_ROOTS.has(f.code)) continue;
    const root = regional.find((r) => r !== f && f.offset >= r.region!.offset && f.offset + f.length <= r.region!.offset + r.region!.length);
    if (root) f.cause = root.id!;
  }
  const hider = findings.find((f) => !f.cause && HIDES_TREE(f));
  const lostWith = (f: Finding) => f.code === 'layout.unaccounted' || (f.code === 'erofs.superblock.blocks' && f.severity === 'warning');
  if (hider) for (const f of findings) if (lostWith(f) && !f.cause && f !== hider) f.cause = idOf(hider);
}

/** Re-aims findings about a spoiled region at the inode field whose value spoiled it. */
async function aimAtSizeFields(r: ErofsReader, findings: Finding[]): Promise<void> {
  for (const f of findings) {
    const rule = SIZED_BY[f.code];
    if (!rule || f.region || f.nodeId === undefined) continue;
    let extended: boolean;
    try {
      extended = (await r.rawInode(f.nodeId)).extended;
    } catch {
      continue;
    }
    const start = inodeOffset(r.sb, f.nodeId);
    // Already on a field of the inode itself (raw_blkaddr of a plain file's blocks).
    if (f.offset >= start && f.offset + f.length <= start + (extended ? 64 : 32) && f.length <= FIELD_MAX) continue;
    const at = start + rule.at;
    const length = rule.length(extended);
    if (f.offset === at && f.length === length) continue;
    f.region = { offset: f.offset, length: f.length };
    f.offset = at;
    f.length = length;
    f.message += ` (the inode's ${rule.field} gives that length)`;
  }
}
