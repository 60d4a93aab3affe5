/** struct lcfs_erofs_header_s: the 32-byte composefs header at offset 0 of a composefs image. */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { InfoField } from '../model.ts';

export const LCFS_EROFS_MAGIC = 0xd078629a;
export const LCFS_EROFS_VERSION = 1;
export const LCFS_EROFS_FLAGS_HAS_ACL = 1 << 0;
export const LCFS_EROFS_HEADER_SIZE = 32;

export interface ComposefsHeader {
  magic: number;
  version: number;
  flags: number;
  composefsVersion: number;
}

export function isComposefsHeader(head: Uint8Array): boolean {
  return head.length >= 4 && new Cursor(head, 0).u32('magic') === LCFS_EROFS_MAGIC;
}

export function decodeComposefsHeader(c: Cursor): ComposefsHeader {
  const at = c.offset;
  const magic = c.u32('lcfs_erofs_header.magic');
  if (magic !== LCFS_EROFS_MAGIC) {
    throw new DecodeError(`composefs header magic ${hex(magic)} is not ${hex(LCFS_EROFS_MAGIC)}`, at, 4, 'composefs.header.magic');
  }
  const version = c.u32('lcfs_erofs_header.version');
  const flags = c.u32('lcfs_erofs_header.flags');
  const composefsVersion = c.u32('lcfs_erofs_header.composefs_version');
  return { magic, version, flags, composefsVersion };
}

/** The header's fields as `info` shows them, with their byte ranges. */
/** What a format version implies, as `info` names it. */
export function formatVersionText(v: number): string {
  if (v === 0) return '0 (libcomposefs: compact inodes where they fit, breadth-first order, whiteout table at the root)';
  if (v === 1) return '1 (libcomposefs: as 0, and folders holding escaped whiteouts are marked with opaque "x")';
  if (v === 2) return '2 (composefs-rs: extended inodes, depth-first order, no whiteout table)';
  return `${v} (unknown: newer than any format this inspector knows)`;
}

export function composefsHeaderFields(header: ComposefsHeader): InfoField[] {
  return [
    { label: 'composefs header magic', value: hex(header.magic), range: { label: 'header', offset: 0, length: 4 } },
    { label: 'composefs header version', value: String(header.version), range: { label: 'header', offset: 4, length: 4 } },
    { label: 'composefs flags', value: `${hex(header.flags)}${header.flags & LCFS_EROFS_FLAGS_HAS_ACL ? ' (HAS_ACL)' : ''}`, range: { label: 'header', offset: 8, length: 4 } },
    { label: 'composefs format version', value: formatVersionText(header.composefsVersion), range: { label: 'header', offset: 12, length: 4 } },
  ];
}

/** The composefs header at the start of `head`, for the EROFS reader to show (undefined when absent). */
export function composefsWrapper(head: Uint8Array): { header: ComposefsHeader; fields: InfoField[] } | undefined {
  if (!isComposefsHeader(head)) return undefined;
  const header = decodeComposefsHeader(new Cursor(head, 0));
  return { header, fields: composefsHeaderFields(header) };
}
