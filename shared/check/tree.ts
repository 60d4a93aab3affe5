/**
 * The walk that drives the check, and the rules only the whole tree can judge: every dirent must
 * reach a decodable inode whose type it names, no directory may contain an ancestor or be reached
 * twice, i_nlink must count the names (2 + subdirectories for a directory), and the superblock's
 * inode count must match what is reachable. Each directory is listed once and each inode decoded
 * once, so the work is bounded by the size of the image however the dirents point.
 */
import { hex } from '../bytes/cursor.ts';
import { EROFS_FEATURE_INCOMPAT_FRAGMENTS, EROFS_FT_MAX } from '../erofs/erofs_fs.ts';
import { FT_OF_KIND } from '../erofs/reader.ts';
import { finding } from './codes.ts';
import { idOf } from './layout.ts';
import type { Finding } from '../model.ts';
import { checkOverlay } from './composefs.ts';
import { subjectPath, type CheckContext, type Subject } from './context.ts';
import { checkDirectory, DIRENT_FIELD, type CheckedDirent, type DirectoryListing } from './dirent.ts';
import { fieldRange, inspectInode, type InodeInfo, type InodeSummary } from './inode.ts';
import { isAclIndex, type SharedXattrCache } from './xattr.ts';

/** Deeper trees are reported, not followed (Linux paths stop at 4096 bytes long before this). */
export const MAX_DEPTH = 4096;

export interface TreeResult {
  /** Every inode decoded, by nid (null: undecodable). */
  inodes: Map<number, InodeSummary | null>;
  /** False when some directory could not be listed in full or the walk stopped early. */
  complete: boolean;
  /** Some inode carries a POSIX ACL xattr. */
  hasAcl: boolean;
}

interface Frame {
  info: InodeInfo;
  subject: Subject;
  entries: CheckedDirent[];
  next: number;
  depth: number;
}

export async function checkTree(ctx: CheckContext): Promise<TreeResult> {
  const { reader } = ctx;
  const shared: SharedXattrCache = new Map();
  // Only what the whole-tree rules need is kept of a non-directory; its xattrs and chunk list are
  // dropped once its own rules ran (a 200k-inode image would otherwise hold them all).
  const inodes = new Map<number, InodeSummary | null>();
  let hasAcl = false;
  /** Names (dirents other than . and ..) pointing at each nid. */
  const names = new Map<number, number>();
  /** Subdirectory entries of each directory whose listing was complete. */
  const subdirs = new Map<number, number>();
  const visited = new Set<number>();
  const onPath = new Set<number>();
  let complete = true;

  /** Decodes and judges an inode the first time it is met; later names get the summary. */
  const inspect = async (nid: number, subject: Subject, parent: InodeInfo | undefined): Promise<InodeInfo | InodeSummary | null> => {
    const known = inodes.get(nid);
    if (known !== undefined) return known;
    let info: InodeInfo | null = null;
    try {
      info = (await inspectInode(ctx, nid, subject, shared)) ?? null;
      ctx.inodeChecked();
      if (info) {
        // The overlay xattrs mean something only where overlayfs reads them: in a composefs mount. In a
        // plain EROFS image they are the packed layer's own data, which fsck.erofs rightly calls clean.
        if (ctx.composefs) checkOverlay(ctx, info, parent, subject);
        if (!hasAcl && info.xattrs.some((x) => isAclIndex(x.nameIndex))) hasAcl = true;
      }
    } catch (error) {
      // Decoders' rejections are findings already; this net catches the checker's own bugs.
      ctx.addError(error, subject);
    }
    // Directories stay whole: their xattrs judge their children's whiteouts.
    inodes.set(nid, info && info.kind !== 'dir' ? { nid: info.nid, kind: info.kind, raw: info.raw, extent: info.extent } : info);
    return info;
  };

  const rootNid = reader.rootId;
  const rootSubject: Subject = { nid: rootNid };
  const root = await inspect(rootNid, rootSubject, undefined);
  if (!root) {
    ctx.add(finding('erofs.superblock.root-nid', ...reader.sb.fieldRanges['root_nid']!, `root_nid ${rootNid} does not point at a decodable inode`, { nodeId: rootNid, path: '/', actual: String(rootNid) }));
  }
  if (!root || !('xattrs' in root)) return { inodes, complete: false, hasAcl };
  if (root.kind !== 'dir') {
    ctx.add(finding('erofs.root.not-dir', ...reader.sb.fieldRanges['root_nid']!, `root nid ${rootNid} is a ${root.kind}, not a directory`, {
      nodeId: rootNid,
      path: '/',
      actual: root.kind,
    }));
    return { inodes, complete: false, hasAcl };
  }

  const stack: Frame[] = [];
  const enter = async (info: InodeInfo, parentNid: number, subject: Subject, depth: number) => {
    let listing: DirectoryListing = { entries: [], complete: false };
    try {
      listing = await checkDirectory(ctx, info.raw, parentNid, subject);
    } catch (error) {
      ctx.addError(error, subject, { offset: info.raw.offset, length: info.raw.inodeSize });
    }
    if (listing.complete) subdirs.set(info.nid, 0);
    else complete = false;
    visited.add(info.nid);
    onPath.add(info.nid);
    stack.push({ info, subject, entries: listing.entries, next: 0, depth });
  };
  await enter(root, rootNid, rootSubject, 0);

  while (stack.length) {
    const paced = ctx.pace();
    if (paced) await paced;
    ctx.throwIfAborted();
    if (ctx.full) {
      complete = false;
      break;
    }
    const f = stack[stack.length - 1]!;
    if (f.next >= f.entries.length) {
      stack.pop();
      onPath.delete(f.info.nid);
      continue;
    }
    const d = f.entries[f.next++]!;
    const subject: Subject = { nid: d.nid, parent: f.subject, name: d.name };
    names.set(d.nid, (names.get(d.nid) ?? 0) + 1);
    const info = await inspect(d.nid, subject, f.info);
    if (!info) {
      ctx.add(finding('erofs.dirent.nid', d.offset + DIRENT_FIELD.nid[0], DIRENT_FIELD.nid[1], `dirent points at nid ${d.nid}, which does not decode as an inode`, {
        nodeId: f.info.nid,
        path: subjectPath(subject),
        actual: String(d.nid),
      }));
      continue;
    }
    // An inode without a file type is reported by the inode rules; its dirent cannot be compared.
    if (info.kind !== 'unknown' && d.fileType < EROFS_FT_MAX && d.fileType !== FT_OF_KIND[info.kind]) {
      ctx.add(finding('erofs.dirent.type-mismatch', d.offset + DIRENT_FIELD.file_type[0], DIRENT_FIELD.file_type[1], `dirent says file type ${d.fileType}, the inode is a ${info.kind} (${FT_OF_KIND[info.kind]})`, {
        nodeId: d.nid,
        path: subjectPath(subject),
        expected: String(FT_OF_KIND[info.kind]),
        actual: String(d.fileType),
      }));
    }
    if (info.kind !== 'dir') continue;
    if (subdirs.has(f.info.nid)) subdirs.set(f.info.nid, subdirs.get(f.info.nid)! + 1);
    const nidRange = [d.offset + DIRENT_FIELD.nid[0], DIRENT_FIELD.nid[1]] as const;
    if (onPath.has(d.nid)) {
      ctx.add(finding('erofs.tree.cycle', ...nidRange, `directory nid ${d.nid} contains itself through this entry (cycle); not followed`, { nodeId: d.nid, path: subjectPath(subject) }));
      continue;
    }
    if (visited.has(d.nid)) {
      ctx.add(finding('erofs.tree.dir-hardlink', ...nidRange, `directory nid ${d.nid} is reached through a second name; not followed again`, { nodeId: d.nid, path: subjectPath(subject) }));
      continue;
    }
    if (f.depth + 1 > MAX_DEPTH) {
      ctx.add(finding('erofs.tree.too-deep', ...nidRange, `the tree is deeper than ${MAX_DEPTH} levels here; not followed`, { nodeId: d.nid, path: subjectPath(subject) }));
      complete = false;
      continue;
    }
    await enter(info as InodeInfo, f.info.nid, subject, f.depth + 1); // directories are kept whole
  }

  for (const info of inodes.values()) if (!info) complete = false;
  for (const [nid, info] of inodes) {
    if (!info) continue;
    // composefs keeps the nlink the dump gave a non-directory; mkfs.erofs and both writers' directories count.
    const countsNames = complete && !ctx.composefs;
    const expected = info.kind === 'dir' ? (subdirs.has(nid) ? 2 + subdirs.get(nid)! : undefined) : countsNames ? names.get(nid) ?? 0 : undefined;
    if (expected === undefined || expected === info.raw.nlink) continue;
    ctx.add(finding('erofs.tree.nlink', ...fieldRange(info.raw, 'i_nlink'), `i_nlink is ${info.raw.nlink} but the tree gives ${expected} (${info.kind === 'dir' ? '2 + subdirectories' : 'names pointing at it'})`, {
      nodeId: nid,
      expected: String(expected),
      actual: String(info.raw.nlink),
    }));
  }

  const inos = reader.sb.inos;
  // The packed inode (fragments) is counted by mkfs but reached from the superblock, not the root.
  const sb = reader.sb;
  const packed = sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS && sb.packedNid && !inodes.has(sb.packedNid) ? 1 : 0;
  if (complete && inos !== inodes.size + packed) {
    ctx.add(finding('erofs.superblock.inos', ...reader.sb.fieldRanges['inos']!, `the superblock counts ${inos} inodes, ${inodes.size} are reachable from the root${packed ? ' (plus the packed inode)' : ''}`, {
      expected: String(inodes.size + packed),
      actual: String(inos),
    }));
  }
  return { inodes, complete, hasAcl };
}

/** Inodes one runaway inode lies over that are listed one by one; the rest are counted in its root finding. */
const MAX_LISTED_OVERLAPS = 16;

/**
 * Two inodes whose bytes (inode, xattrs, inline tail, chunk map) overlap are corrupt: one nid points
 * into the other, or one inode's xattr count or size makes it run over the inodes after it. An
 * inode running over several others is the root: its finding is the field that gives its length,
 * and each inode it covers is a consequence.
 */
export function checkOverlaps(ctx: CheckContext, inodes: Map<number, InodeSummary | null>): void {
  // Inode offsets grow with the nid, so a numeric sort of the nids orders the extents.
  const nids = Float64Array.from(inodes.keys()).sort();
  const covered = new Map<InodeSummary, InodeSummary[]>();
  let owner: InodeSummary | undefined;
  for (const nid of nids) {
    const cur = inodes.get(nid);
    if (!cur) continue;
    if (owner && cur.extent.offset < owner.extent.end) {
      const list = covered.get(owner);
      if (list) list.push(cur);
      else covered.set(owner, [cur]);
    }
    if (!owner || cur.extent.end > owner.extent.end) owner = cur;
  }
  for (const [o, list] of covered) {
    const root = list.length > 1 ? runawayRoot(ctx, o, list) : undefined;
    for (const cur of list.slice(0, root ? MAX_LISTED_OVERLAPS : list.length)) {
      const f = finding('erofs.inode.overlap', cur.extent.offset, Math.min(o.extent.end, cur.extent.end) - cur.extent.offset, `inode ${cur.nid} at ${hex(cur.extent.offset)} lies inside inode ${o.nid} (${hex(o.extent.offset)}..${hex(o.extent.end)})`, {
        nodeId: cur.nid,
      });
      if (root) f.cause = idOf(root);
      ctx.add(f);
    }
  }
}

/** The field that makes an inode run over the `list` after it: i_xattr_icount when its xattrs do, else i_size. */
function runawayRoot(ctx: CheckContext, o: InodeSummary, list: InodeSummary[]): Finding {
  const raw = o.raw;
  const xattrEnd = raw.offset + raw.inodeSize + raw.xattrSize;
  const byXattrs = xattrEnd > list[0]!.extent.offset;
  const [offset, length] = byXattrs ? fieldRange(raw, 'i_xattr_icount') : fieldRange(raw, 'i_size');
  const f = finding('layout.wild-size', offset, length, `${byXattrs ? `i_xattr_icount ${raw.xattrIcount}` : `i_size ${raw.size}`} makes inode ${o.nid} (${hex(o.extent.offset)}..${hex(o.extent.end)}) run over ${list.length} inodes after it`, {
    nodeId: o.nid,
    actual: String(byXattrs ? raw.xattrIcount : raw.size),
  });
  f.region = { offset: o.extent.offset, length: o.extent.end - o.extent.offset };
  ctx.add(f);
  return f;
}
