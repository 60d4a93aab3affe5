/**
 * How the preview decides what a file is and shows it as text: valid UTF-8 stays as it is, every
 * byte that is not (and every control character but tab) becomes a visible \xNN escape, so a
 * text view never shows a mis-decoded glyph.
 */

export type PreviewKind = 'text' | 'hex' | 'image';

const MAGIC: [string, number[]][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', [0x47, 0x49, 0x46, 0x38]],
];

/** The image type the bytes' signature says (PNG, JPEG, GIF, WebP only: formats the browser decodes without scripts). */
export function imageType(b: Uint8Array): string | undefined {
  for (const [type, sig] of MAGIC) if (sig.every((x, i) => b[i] === x)) return type;
  const riff = [0x52, 0x49, 0x46, 0x46].every((x, i) => b[i] === x);
  const webp = [0x57, 0x45, 0x42, 0x50].every((x, i) => b[8 + i] === x);
  return riff && webp ? 'image/webp' : undefined;
}

/** Length of the valid UTF-8 sequence at i (1 for ASCII), 0 when the bytes there are not valid UTF-8. */
function seqLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) [n, min] = [2, 0x80];
  else if (c >= 0xe0 && c <= 0xef) [n, min] = [3, 0x800];
  else if (c >= 0xf0 && c <= 0xf4) [n, min] = [4, 0x10000];
  else return 0;
  if (i + n > b.length) return -1; // cut off by the end of what was loaded
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const d = b[i + k]!;
    if ((d & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/**
 * Text when the bytes are UTF-8 with no NULs and at most one in ten bytes invalid or a control
 * (those are shown escaped); an image by signature; hex otherwise.
 */
export function previewKind(b: Uint8Array): PreviewKind {
  if (imageType(b)) return 'image';
  let odd = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c === 0) return 'hex';
    const n = seqLength(b, i);
    if (n < 0) break;
    if (n === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c)) odd++;
    i += Math.max(1, n);
  }
  return odd * 10 > b.length ? 'hex' : 'text';
}

/** A run of a line: plain text, or an escaped byte shown as \xNN. */
export interface Segment {
  text: string;
  escaped?: boolean;
}

const HEX = '0123456789abcdef';
const esc = (c: number): Segment => ({ text: '\\x' + HEX[c >> 4] + HEX[c & 15], escaped: true });
const utf8 = new TextDecoder('utf-8');

/** The bytes as lines of segments ("\n" ends a line; "\r\n" too). */
export function textLines(b: Uint8Array): Segment[][] {
  const lines: Segment[][] = [];
  let line: Segment[] = [];
  let runStart = -1;
  const flush = (end: number) => {
    if (runStart >= 0 && end > runStart) line.push({ text: utf8.decode(b.subarray(runStart, end)) });
    runStart = -1;
  };
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c === 0x0a) {
      flush(i > 0 && b[i - 1] === 0x0d && runStart >= 0 && i - 1 >= runStart ? i - 1 : i);
      lines.push(line);
      line = [];
      i++;
      continue;
    }
    const n = seqLength(b, i);
    const printable = n > 1 || (n === 1 && (c >= 0x20 || c === 0x09) && c !== 0x7f) || (c === 0x0d && b[i + 1] === 0x0a);
    if (printable) {
      if (runStart < 0) runStart = i;
      i += n;
    } else {
      flush(i);
      line.push(esc(c));
      i++;
    }
  }
  flush(b.length);
  if (line.length > 0 || lines.length === 0) lines.push(line);
  return lines;
}
