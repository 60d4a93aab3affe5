/**
 * Rules for directory blocks and their dirents, after the kernel's erofs_readdir() /
 * erofs_fill_dentries() and fsck.erofs's traverse_dirents(): nameoffs inside the block and
 * increasing, names 1..255 bytes without '/' or NUL, strictly increasing names across the whole
 * directory, known file types, exactly one "." (itself) and one ".." (its parent).
 *
 * Decoding here is deliberately lenient: a bad entry is reported and the entries before it are
 * still returned, so one damaged block does not hide the rest of the directory.
 */
import { Cursor, hex } from '../bytes/cursor.ts';
import { EROFS_DIRENT_SIZE, EROFS_FT_MAX, EROFS_NAME_LEN } from '../erofs/erofs_fs.ts';
import { decodeDirentRecords } from '../erofs/dirent.ts';
import { dirGuard } from '../erofs/dir-guard.ts';
import type { RawInode } from '../erofs/inode.ts';
import type { DataExtent } from '../erofs/reader.ts';
import { compareBytes } from '../model.ts';
import { latin1 } from '../composefs/escape.ts';
import { finding } from './codes.ts';
import { subjectExtra, type CheckContext, type Subject } from './context.ts';

/** struct erofs_dirent field offsets. */
export const DIRENT_FIELD = { nid: [0, 8], nameoff: [8, 2], file_type: [10, 1] } as const;

export interface CheckedDirent {
  /** Absolute offset of the 12-byte record. */
  offset: number;
  nid: number;
  fileType: number;
  name: Uint8Array;
  nameOffset: number;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const isDot = (n: Uint8Array) => n.length === 1 && n[0] === DOT;
const isDotDot = (n: Uint8Array) => n.length === 2 && n[0] === DOT && n[1] === DOT;

/** Decodes one directory block, reporting every rule it breaks; `whole` is false when entries were lost. */
export function checkDirentBlock(ctx: CheckContext, block: Uint8Array, base: number, subject: Subject): { entries: CheckedDirent[]; whole: boolean } {
  const maxsize = block.length;
  if (maxsize < EROFS_DIRENT_SIZE) {
    ctx.add(finding('erofs.dirent.block', base, maxsize, `directory block at ${hex(base)} is ${maxsize} bytes, too short for one dirent`, subjectExtra(subject)));
    return { entries: [], whole: false };
  }
  const c = new Cursor(block, base);
  c.pos = DIRENT_FIELD.nameoff[0];
  const nameoff0 = c.u16('dirent.nameoff');
  if (nameoff0 < EROFS_DIRENT_SIZE || nameoff0 >= maxsize || nameoff0 % EROFS_DIRENT_SIZE !== 0) {
    ctx.add(finding('erofs.dirent.nameoff', base + DIRENT_FIELD.nameoff[0], 2, `first nameoff ${nameoff0} of the block at ${hex(base)} must be a multiple of 12 inside the block (${maxsize} bytes)`, {
      ...subjectExtra(subject),
      expected: `a multiple of 12 in 12..${maxsize - 1}`,
      actual: String(nameoff0),
    }));
    return { entries: [], whole: false };
  }
  const count = nameoff0 / EROFS_DIRENT_SIZE;
  const recs = decodeDirentRecords(block, base, count);

  const out: CheckedDirent[] = [];
  let whole = true;
  for (let k = 0; k < count; k++) {
    const r = recs[k]!;
    const next = recs[k + 1];
    if (next && (next.nameoff < r.nameoff || next.nameoff > maxsize)) {
      ctx.add(finding('erofs.dirent.nameoff', next.offset + DIRENT_FIELD.nameoff[0], 2, `nameoff ${next.nameoff} of the dirent at ${hex(next.offset)} lies before the previous name (${r.nameoff}) or past the block (${maxsize})`, {
        ...subjectExtra(subject),
        expected: `${r.nameoff}..${maxsize}`,
        actual: String(next.nameoff),
      }));
      whole = false;
      break;
    }
    let end: number;
    if (next) {
      end = next.nameoff;
    } else {
      end = r.nameoff;
      while (end < maxsize && block[end] !== 0) end++;
    }
    const len = end - r.nameoff;
    const nameAt = base + r.nameoff;
    if (len === 0) {
      ctx.add(finding('erofs.dirent.name-empty', r.offset + DIRENT_FIELD.nameoff[0], 2, `dirent at ${hex(r.offset)} has an empty name`, { ...subjectExtra(subject), expected: '1..255 bytes', actual: '0' }));
      whole = false;
      continue;
    }
    if (len > EROFS_NAME_LEN) {
      ctx.add(finding('erofs.dirent.namelen', nameAt, len, `dirent at ${hex(r.offset)} has a ${len}-byte name; at most ${EROFS_NAME_LEN} are allowed`, {
        ...subjectExtra(subject),
        expected: `<= ${EROFS_NAME_LEN}`,
        actual: String(len),
      }));
      whole = false;
      continue;
    }
    const name = block.subarray(r.nameoff, end);
    const slash = name.indexOf(SLASH);
    if (slash >= 0) {
      ctx.add(finding('erofs.dirent.name-slash', nameAt + slash, 1, `name ${JSON.stringify(latin1(name))} contains "/"`, subjectExtra(subject)));
    }
    const nul = name.indexOf(0);
    if (nul >= 0) {
      ctx.add(finding('erofs.dirent.name-nul', nameAt + nul, 1, `name of the dirent at ${hex(r.offset)} contains a NUL byte`, subjectExtra(subject)));
    }
    if (r.fileType >= EROFS_FT_MAX) {
      ctx.add(finding('erofs.dirent.file-type', r.offset + DIRENT_FIELD.file_type[0], 1, `file_type ${r.fileType} is not below EROFS_FT_MAX (${EROFS_FT_MAX})`, {
        ...subjectExtra(subject),
        expected: `< ${EROFS_FT_MAX}`,
        actual: String(r.fileType),
      }));
    }
    out.push({ offset: r.offset, nid: r.nid, fileType: r.fileType, name, nameOffset: nameAt });
  }
  return { entries: out, whole };
}

export interface DirectoryListing {
  /** Entries other than "." and "..", in on-disk order. */
  entries: CheckedDirent[];
  /** False when some blocks could not be read: counts derived from the listing are incomplete. */
  complete: boolean;
}

/**
 * Reads a directory's blocks and applies the whole-directory rules (order, duplicates, "." and
 * ".."). `parentNid` is the directory the walk came from (the root's parent is itself).
 */
export async function checkDirectory(ctx: CheckContext, dir: RawInode, parentNid: number, subject: Subject): Promise<DirectoryListing> {
  const bs = ctx.blockSize;
  let complete = true;
  let extents: DataExtent[];
  try {
    extents = await ctx.reader.extents(dir);
  } catch (error) {
    ctx.addError(error, subject, { offset: dir.offset, length: dir.inodeSize });
    return { entries: [], complete: false };
  }
  const all: CheckedDirent[] = [];
  const guard = dirGuard(dir.nid, bs);
  reading: for (const ex of extents) {
    if (ex.offset === null) {
      ctx.add(finding('erofs.dir.hole', dir.offset, dir.inodeSize, `directory has a hole at ${ex.fileOffset}+${ex.length}`, subjectExtra(subject)));
      complete = false;
      continue;
    }
    for (let o = 0; o < ex.length; o += bs) {
      const len = Math.min(bs, ex.length - o);
      const block = await ctx.read(ex.offset + o, len);
      if (!block) {
        complete = false; // reported by the inode's data rules
        break;
      }
      try {
        // A repeated block is reported once and ends the listing: each block is read at most once.
        guard.block(ex.offset + o, len);
        const { entries, whole } = checkDirentBlock(ctx, block, ex.offset + o, subject);
        guard.entries(entries.length, ex.offset + o, len);
        for (const d of entries) all.push(d);
        if (!whole) complete = false;
      } catch (error) {
        ctx.addError(error, subject, { offset: ex.offset + o, length: len });
        complete = false;
        break reading;
      }
    }
  }

  let dots = 0;
  let dotdots = 0;
  let sorted = true;
  const entries: CheckedDirent[] = [];
  for (let k = 0; k < all.length; k++) {
    const d = all[k]!;
    const prev = all[k - 1];
    const order = prev ? compareBytes(prev.name, d.name) : -1;
    const special = isDot(d.name) || isDotDot(d.name);
    if (order === 0 && !special) {
      ctx.add(finding('erofs.dirent.duplicate', d.offset, EROFS_DIRENT_SIZE, `name ${JSON.stringify(latin1(d.name))} appears more than once in the directory`, subjectExtra(subject)));
    } else if (order > 0) {
      sorted = false;
      ctx.add(finding('erofs.dirent.unsorted', d.offset, EROFS_DIRENT_SIZE, `name ${JSON.stringify(latin1(d.name))} sorts before the previous name ${JSON.stringify(latin1(prev!.name))}: lookups will not find it`, subjectExtra(subject)));
    }
    if (isDot(d.name)) {
      if (dots++ > 0) {
        ctx.add(finding('erofs.dirent.dot', d.offset, EROFS_DIRENT_SIZE, `a second "." entry`, { ...subjectExtra(subject), expected: 'one "."' }));
      } else if (d.nid !== dir.nid) {
        ctx.add(finding('erofs.dirent.dot', d.offset, DIRENT_FIELD.nid[1], `"." points at nid ${d.nid}, not at the directory itself`, {
          ...subjectExtra(subject),
          expected: String(dir.nid),
          actual: String(d.nid),
        }));
      }
    } else if (isDotDot(d.name)) {
      if (dotdots++ > 0) {
        ctx.add(finding('erofs.dirent.dotdot', d.offset, EROFS_DIRENT_SIZE, `a second ".." entry`, { ...subjectExtra(subject), expected: 'one ".."' }));
      } else if (d.nid !== parentNid) {
        ctx.add(finding('erofs.dirent.dotdot', d.offset, DIRENT_FIELD.nid[1], `".." points at nid ${d.nid}, not at the parent directory`, {
          ...subjectExtra(subject),
          expected: String(parentNid),
          actual: String(d.nid),
        }));
      }
    } else {
      entries.push(d);
    }
  }
  // In strictly increasing names every repeat is adjacent; out of order, repeats can be anywhere.
  if (!sorted) reportScatteredDuplicates(ctx, all, subject);
  if (complete && dir.size > 0) {
    if (dots === 0) ctx.add(finding('erofs.dir.missing-dot', dir.offset, dir.inodeSize, 'directory has no "." entry', subjectExtra(subject)));
    if (dotdots === 0) ctx.add(finding('erofs.dir.missing-dotdot', dir.offset, dir.inodeSize, 'directory has no ".." entry', subjectExtra(subject)));
  }
  return { entries, complete };
}

function reportScatteredDuplicates(ctx: CheckContext, all: CheckedDirent[], subject: Subject): void {
  const seen = new Set<string>();
  for (let k = 0; k < all.length; k++) {
    const d = all[k]!;
    const key = latin1(d.name);
    const adjacent = k > 0 && compareBytes(all[k - 1]!.name, d.name) === 0;
    // Repeated "." and ".." are reported by their own rules.
    if (seen.has(key) && !adjacent && !isDot(d.name) && !isDotDot(d.name)) {
      ctx.add(finding('erofs.dirent.duplicate', d.offset, EROFS_DIRENT_SIZE, `name ${JSON.stringify(key)} appears more than once in the directory`, subjectExtra(subject)));
    }
    seen.add(key);
  }
}
