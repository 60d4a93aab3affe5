/**
 * struct cfs_vdata: a reference (64-bit offset from the start of the variable data section, 32-bit
 * length) to dirents, a backing path, a symlink target, xattrs or a digest.
 */
import type { Cursor } from '../bytes/cursor.ts';
import type { ByteRange, Finding } from '../model.ts';
import { legacyFinding, type LegacyCode } from './codes.ts';

export const CFS_VDATA_SIZE = 12;

/** The kernel maps dirents and xattrs with at most this many pages (cfs_get_buf, ENOMEM beyond). */
export const CFS_BUF_MAXPAGES = 512;
export const PAGE_SIZE = 4096;

export interface VdataRef {
  off: number;
  len: number;
  /** Absolute image offset of the 12-byte reference itself. */
  at: number;
}

export function readVdataRef(c: Cursor, field: string): VdataRef {
  const at = c.offset;
  const off = c.u64(`${field}.off`);
  const len = c.u32(`${field}.len`);
  return { off, len, at };
}

/** Where the variable data section lies in the file (superblock vdata_offset .. end of file). */
export interface VdataSection {
  vdataOffset: number;
  fileSize: number;
}

/**
 * cfs_is_in_section(): the element must start inside the section (so an empty element at the very
 * end is rejected too) and end no later than the section end.
 */
export function isInSection(sectionStart: number, sectionEnd: number, elementOffset: number, elementSize: number): boolean {
  const start = sectionStart + elementOffset;
  if (start < sectionStart || start >= sectionEnd) return false;
  return start + elementSize <= sectionEnd;
}

const pagesSpanned = (offset: number, size: number): number =>
  Math.floor((offset + size - 1) / PAGE_SIZE) - Math.floor(offset / PAGE_SIZE) + 1;

/**
 * Locates a non-empty vdata element in the image. Elements the kernel maps page by page (dirents,
 * xattrs: those given a `tooLarge` code) may span at most CFS_BUF_MAXPAGES pages.
 */
export function locateVdata(
  section: VdataSection,
  ref: VdataRef,
  what: { outOfBounds: LegacyCode; tooLarge?: LegacyCode; label: string; nodeId: number },
): { range: ByteRange } | { finding: Finding } {
  const { vdataOffset, fileSize } = section;
  if (!isInSection(vdataOffset, fileSize, ref.off, ref.len)) {
    return {
      finding: legacyFinding(
        what.outOfBounds,
        ref.at,
        CFS_VDATA_SIZE,
        `${what.label}: vdata ${ref.off}+${ref.len} lies outside the variable data section (${fileSize - vdataOffset} bytes)`,
        { nodeId: what.nodeId, expected: `off + len <= ${fileSize - vdataOffset}`, actual: `${ref.off} + ${ref.len}` },
      ),
    };
  }
  const offset = vdataOffset + ref.off;
  if (what.tooLarge && pagesSpanned(offset, ref.len) > CFS_BUF_MAXPAGES) {
    return {
      finding: legacyFinding(
        what.tooLarge,
        ref.at + 8,
        4,
        `${what.label}: ${ref.len} bytes span more than the ${CFS_BUF_MAXPAGES} pages the kernel maps at once`,
        { nodeId: what.nodeId, expected: `<= ${CFS_BUF_MAXPAGES} pages`, actual: `${pagesSpanned(offset, ref.len)} pages` },
      ),
    };
  }
  return { range: { label: what.label, offset, length: ref.len } };
}
