/** Text helpers for the UI (pure). */

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
