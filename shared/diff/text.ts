/**
 * How the diff shows bytes as text. Names, targets and xattr values are bytes (images carry
 * non-UTF-8 names and binary values), so every display string is an unambiguous escape: valid
 * printable UTF-8 stays as it is, a backslash becomes `\\`, and every other byte becomes `\xNN`.
 */

const HEX = '0123456789abcdef';
const esc = (b: number): string => '\\x' + HEX[b >> 4] + HEX[b & 15];

/** Length of the valid UTF-8 sequence starting at `i` that encodes a printable character, or 0. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) [n, min] = [2, 0x80];
  else if (c >= 0xe0 && c <= 0xef) [n, min] = [3, 0x800];
  else if (c >= 0xf0 && c <= 0xf4) [n, min] = [4, 0x10000];
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const d = b[i + k]!;
    if ((d & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  // C1 controls are as invisible as C0 ones.
  if (cp >= 0x80 && cp <= 0x9f) return 0;
  return n;
}

const utf8 = new TextDecoder('utf-8');

/** Display form of a byte string (a name, a symlink target, an xattr value). */
export function displayBytes(b: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c === 0x5c) {
      s += '\\\\';
      i++;
    } else if (c >= 0x20 && c < 0x7f) {
      s += String.fromCharCode(c);
      i++;
    } else {
      const n = c >= 0x80 ? utf8SequenceLength(b, i) : 0;
      if (n) {
        s += utf8.decode(b.subarray(i, i + n));
        i += n;
      } else {
        s += esc(c);
        i++;
      }
    }
  }
  return s;
}

/**
 * A display string made safe as one token of a space-separated line: whitespace and the
 * characters in `extra` are escaped as `\xNN` too. Backslashes are already escaped by
 * displayBytes, so the result still reads back unambiguously.
 */
export function token(display: string, extra = ''): string {
  let out = '';
  for (const ch of display) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x20 || cp === 0x7f || (cp < 0x80 && extra.includes(ch))) {
      out += esc(cp);
    } else {
      out += ch;
    }
  }
  return out;
}
