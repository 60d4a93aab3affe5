/**
 * Rules for an inode's xattrs, after the kernel's erofs_init_inode_xattrs() and xattr iteration:
 * the ibody header and shared ids must fit the area, every entry must fit, shared ids must point
 * inside the image, prefixes must be known, and the name bloom filter must not hide a present name.
 */
import { Cursor, DecodeError, hex, le32 } from '../bytes/cursor.ts';
import {
  EROFS_FEATURE_COMPAT_XATTR_FILTER,
  EROFS_XATTR_ENTRY_SIZE,
  EROFS_XATTR_IBODY_HEADER_SIZE,
  EROFS_XATTR_INDEX_POSIX_ACL_ACCESS,
  EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT,
  EROFS_XATTR_LONG_PREFIX,
  EROFS_XATTR_LONG_PREFIX_MASK,
  XATTR_PREFIXES,
} from '../erofs/erofs_fs.ts';
import type { RawInode } from '../erofs/inode.ts';
import { decodeXattrEntry, expectedNameFilter, type XattrEntry } from '../erofs/xattr.ts';
import { bytesEqual } from '../model.ts';
import { BUDGETS } from '../budgets.ts';
import { finding } from './codes.ts';
import { subjectExtra, type CheckContext, type Subject } from './context.ts';

/** One xattr that passed the structural rules: the decoded entry and where it came from. */
export interface CheckedXattr extends XattrEntry {
  shared: boolean;
}

const checked = (e: XattrEntry, shared: boolean): CheckedXattr => ({ offset: e.offset, size: e.size, nameIndex: e.nameIndex, suffix: e.suffix, value: e.value, shared });

/** Shared entries are referenced by many inodes: decode each id once per check. */
export type SharedXattrCache = Map<number, XattrEntry | null>;

/**
 * Index 0 has no prefix: composefs stores names outside the kernel's prefixes (system.nfs4_acl,
 * any other namespace) whole under it. The kernel does not list them, but they are well formed.
 */
const NO_PREFIX = 0;
const knownPrefix = (index: number, prefixCount: number): boolean =>
  index & EROFS_XATTR_LONG_PREFIX ? (index & EROFS_XATTR_LONG_PREFIX_MASK) < prefixCount : index === NO_PREFIX || index in XATTR_PREFIXES;

export const isAclIndex = (index: number): boolean =>
  index === EROFS_XATTR_INDEX_POSIX_ACL_ACCESS || index === EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT;

const enc = new TextEncoder();
/** Does the entry store this full name ("trusted.overlay.redirect")? Compares without building names. */
export function xattrIs(x: XattrEntry, index: number, suffix: Uint8Array): boolean {
  return x.nameIndex === index && bytesEqual(x.suffix, suffix);
}
/** The (index, suffix) pair a full name is stored as, for names under a short prefix. */
export function storedAs(fullName: string): { index: number; suffix: Uint8Array } {
  for (const [index, prefix] of Object.entries(XATTR_PREFIXES)) {
    if (fullName.startsWith(prefix)) return { index: Number(index), suffix: enc.encode(fullName.slice(prefix.length)) };
  }
  return { index: NO_PREFIX, suffix: enc.encode(fullName) };
}

/** Judges the entry's prefix; false (with a finding) when the index names no known prefix. */
function judgePrefix(ctx: CheckContext, e: XattrEntry, what: string, subject: Subject): boolean {
  const prefixCount = ctx.reader.sb.xattrPrefixCount;
  if (knownPrefix(e.nameIndex, prefixCount)) return true;
  ctx.add(finding('erofs.xattr.prefix', e.offset + 1, 1, `${what} at ${hex(e.offset)} has unknown name index ${e.nameIndex}`, {
    ...subjectExtra(subject),
    expected: `one of 0, ${Object.keys(XATTR_PREFIXES).join(', ')}${prefixCount ? ` or a long prefix below ${prefixCount}` : ''}`,
    actual: String(e.nameIndex),
  }));
  return false;
}

export async function checkXattrs(ctx: CheckContext, ino: RawInode, subject: Subject, sharedCache: SharedXattrCache): Promise<CheckedXattr[]> {
  if (ino.xattrSize === 0) return [];
  const areaStart = ino.offset + ino.inodeSize;
  if (ino.xattrSize === EROFS_XATTR_IBODY_HEADER_SIZE) {
    ctx.add(finding('erofs.xattr.header-only', ino.offset + 2, 2, `i_xattr_icount 1 gives an xattr area of only the 12-byte header, which the kernel refuses`, {
      ...subjectExtra(subject),
      expected: '0 or at least 2',
      actual: '1',
    }));
  }
  const area = await ctx.read(areaStart, ino.xattrSize);
  if (!area) {
    ctx.add(finding('erofs.xattr.out-of-bounds', areaStart, Math.max(0, ctx.size - areaStart), `xattr area ${hex(areaStart)}+${ino.xattrSize} runs past the image end (${ctx.size} bytes)`, subjectExtra(subject)));
    return [];
  }
  const c = new Cursor(area, areaStart);
  const nameFilter = c.u32('xattr_ibody_header.h_name_filter');
  const sharedCount = c.u8('xattr_ibody_header.h_shared_count');
  const room = Math.floor((ino.xattrSize - EROFS_XATTR_IBODY_HEADER_SIZE) / 4);
  if (sharedCount > room) {
    ctx.add(finding('erofs.xattr.shared-count', areaStart + 4, 1, `h_shared_count ${sharedCount} needs ${sharedCount * 4} bytes of ids, the xattr area has ${room * 4}`, {
      ...subjectExtra(subject),
      expected: `at most ${room}`,
      actual: String(sharedCount),
    }));
  }
  const out: CheckedXattr[] = [];
  c.pos = EROFS_XATTR_IBODY_HEADER_SIZE;
  const idsAt = c.offset;
  const idCount = Math.min(sharedCount, room);
  c.pos += idCount * 4;

  let decoded = 0;
  while (c.remaining >= EROFS_XATTR_ENTRY_SIZE) {
    const at = c.offset;
    if (decoded++ >= BUDGETS.xattrsPerInode) {
      // The reader refuses such an inode (shared/budgets.ts); say so here rather than call it clean.
      ctx.add(finding('budget.xattrs-per-inode', at, c.remaining, `the xattr area holds more than ${BUDGETS.xattrsPerInode} entries, the inspector's budget of xattrs per inode (BUDGETS.xattrsPerInode)`, subjectExtra(subject)));
      break;
    }
    let e: XattrEntry;
    try {
      e = decodeXattrEntry(c);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      ctx.add(finding('erofs.xattr.entry-out-of-bounds', at, EROFS_XATTR_ENTRY_SIZE, `xattr entry at ${hex(at)} runs past the end of the xattr area (${hex(areaStart + ino.xattrSize)})`, subjectExtra(subject)));
      break;
    }
    if (judgePrefix(ctx, e, 'xattr entry', subject)) out.push(checked(e, false));
  }

  for (let k = 0; k < idCount; k++) {
    const at = idsAt + k * 4;
    const id = le32(area, at - areaStart);
    const e = await sharedEntry(ctx, id, sharedCache);
    if (!e) {
      ctx.add(finding('erofs.xattr.shared-out-of-bounds', at, 4, `shared xattr id ${id} points at ${hex(ctx.reader.sb.xattrBlkaddr * ctx.blockSize + id * 4)}, which does not hold a whole entry inside the image`, {
        ...subjectExtra(subject),
        actual: String(id),
      }));
      continue;
    }
    if (judgePrefix(ctx, e, 'shared xattr entry', subject)) out.push(checked(e, true));
  }

  checkNameFilter(ctx, areaStart, nameFilter, out, subject);
  return out;
}

async function sharedEntry(ctx: CheckContext, id: number, cache: SharedXattrCache): Promise<XattrEntry | undefined> {
  const hit = cache.get(id);
  if (hit !== undefined) return hit ?? undefined;
  const off = ctx.reader.sb.xattrBlkaddr * ctx.blockSize + id * 4;
  let entry: XattrEntry | null = null;
  const head = await ctx.read(off, EROFS_XATTR_ENTRY_SIZE);
  if (head) {
    const need = EROFS_XATTR_ENTRY_SIZE + head[0]! + (head[2]! | (head[3]! << 8));
    const bytes = await ctx.read(off, need);
    if (bytes) entry = decodeXattrEntry(new Cursor(bytes, off));
  }
  cache.set(id, entry);
  return entry ?? undefined;
}

/**
 * With EROFS_FEATURE_COMPAT_XATTR_FILTER a set bit in h_name_filter promises that no name hashing
 * to it exists, so getxattr() answers ENODATA without looking: a present name's bit must be clear.
 */
function checkNameFilter(ctx: CheckContext, areaStart: number, filter: number, xattrs: CheckedXattr[], subject: Subject): void {
  const sb = ctx.reader.sb;
  if (!(sb.featureCompat & EROFS_FEATURE_COMPAT_XATTR_FILTER) || sb.xattrFilterReserved !== 0 || xattrs.length === 0) return;
  // Long prefixes hash their infix too, and composefs never writes them: leave them out.
  const expected = expectedNameFilter(xattrs.filter((x) => !(x.nameIndex & EROFS_XATTR_LONG_PREFIX)));
  const hidden = (filter & ~expected) >>> 0;
  if (hidden === 0) return;
  ctx.add(finding('erofs.xattr.filter', areaStart, 4, `h_name_filter ${hex(filter)} marks bits ${hex(hidden)} as absent although names hashing to them are present: getxattr would miss them`, {
    ...subjectExtra(subject),
    expected: `no bits of ${hex((~expected) >>> 0)} set (e.g. ${hex(expected)})`,
    actual: hex(filter),
  }));
}
