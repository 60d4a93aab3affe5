/** Text helpers for the UI (pure). */
import type { ChangeNodeKind } from '../shared/api.ts';
import type { NodeKind } from '../shared/model.ts';

export const KIND_TEXT: Record<NodeKind, string> = {
  file: 'regular file',
  dir: 'directory',
  symlink: 'symbolic link',
  chardev: 'character device',
  blockdev: 'block device',
  fifo: 'fifo',
  socket: 'socket',
  unknown: 'unknown type',
};

/** The tree's kind of a changed entry: a whiteout is drawn as the char device it is (with its whiteout mark). */
export const treeKind = (k: ChangeNodeKind): NodeKind => (k === 'whiteout' ? 'chardev' : k);

export const hex = (n: number, width = 0): string => '0x' + n.toString(16).padStart(width, '0');

/** "1,052,673 B (1.0 MiB)" */
export function sizeText(n: number): string {
  const grouped = n.toLocaleString('en-US');
  if (n < 1024) return `${grouped} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${grouped} B (${v.toFixed(v < 10 ? 1 : 0)} ${units[u]})`;
}

export const octalMode = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/** Splits a hex string into space-separated byte pairs, for readability of digests and values. */
export const spacedHex = (h: string, group = 2): string => (h.match(new RegExp(`.{1,${group}}`, 'g')) ?? []).join(' ');

const isHigh = (s: string, i: number) => i >= 0 && i < s.length && (s.charCodeAt(i) & 0xfc00) === 0xd800;

/**
 * Lengths of the longest common prefix and suffix of two strings (not overlapping, never splitting a
 * surrogate pair), so a changed value can mark just the part that differs.
 */
export function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const n = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < n && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && prefix < n && isHigh(a, prefix - 1)) prefix--;
  let suffix = 0;
  while (suffix < n - prefix && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  if (suffix > 0 && (isHigh(a, a.length - 1 - suffix) || isHigh(b, b.length - 1 - suffix))) suffix--;
  return { prefix, suffix };
}

/** How the details pane names in-image file data: "Inline data" only when it is inline. */
export function dataLabel(kind: string | undefined): string {
  switch (kind) {
    case 'inline':
      return 'Inline data';
    case 'blocks':
      return 'Data (blocks)';
    case 'chunks':
      return 'Data (chunks)';
    case 'compressed':
      return 'Data (compressed)';
    default:
      return 'Data';
  }
}

/**
 * An image's format in a few words ("composefs v1", "EROFS", "legacy composefs v1"), the version
 * taken from the reader's own info field where the format records one.
 */
export function formatText(info: { format: string; fields: { label: string; value: string }[] }): string {
  const version = (label: string): string => {
    const v = /^\d+/.exec(info.fields.find((f) => f.label === label)?.value ?? '')?.[0];
    return v === undefined ? '' : ` v${v}`;
  };
  switch (info.format) {
    case 'composefs':
      return 'composefs' + version('composefs format version');
    case 'erofs':
      return 'EROFS';
    case 'legacy-cfs':
      return 'legacy composefs' + version('Version');
    case 'oci-tar':
      return 'OCI tar layer';
    case 'nydus-v5':
      return 'Nydus RAFS v5';
    case 'nydus-v6':
      return 'Nydus RAFS v6';
    case 'casync':
      return 'casync archive';
    case 'puzzlefs':
      return 'PuzzleFS';
    default:
      return info.format;
  }
}

/** "sha256:c820e0ae75500df3…": a digest's algorithm (by length) and its first 16 hex digits. */
export const shortDigest = (hexDigest: string): string =>
  `${hexDigest.length === 128 ? 'sha512' : 'sha256'}:${hexDigest.slice(0, 16)}${hexDigest.length > 16 ? '…' : ''}`;
