/**
 * How the inspector presents the core's values to the window: display paths and their inverse,
 * ls -l modes, UTC times, device numbers, diff fields in the details pane's form, and xattrs with
 * a line on what the overlay ones mean. Pure functions, no session state.
 */
import { paddedNsec } from '../../shared/time.ts';
import type { FieldChange, XattrView } from '../../shared/api.ts';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, toHex, type Xattr } from '../../shared/model.ts';
import { decodeMetacopy, type ComposefsView } from '../../shared/composefs/overlay.ts';
import { displayBytes } from '../../shared/diff/text.ts';

/** A child's display path. */
export const joinDisplay = (parent: string, name: string): string => (parent === '/' ? '/' + name : parent + '/' + name);

/** Inverse of displayBytes: `\\` is a backslash, `\xNN` a byte, the rest UTF-8. Undefined if malformed. */
export function parseDisplay(s: string): Uint8Array | undefined {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    if (s[i] !== '\\') {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of enc.encode(ch)) out.push(b);
      i += ch.length;
      continue;
    }
    if (s[i + 1] === '\\') {
      out.push(0x5c);
      i += 2;
    } else if (s[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      return undefined;
    }
  }
  return Uint8Array.from(out);
}

const TYPE_CHAR: Record<number, string> = {
  [S_IFDIR]: 'd',
  [S_IFLNK]: 'l',
  [S_IFCHR]: 'c',
  [S_IFBLK]: 'b',
  [S_IFIFO]: 'p',
  [S_IFSOCK]: 's',
  [S_IFREG]: '-',
};

/** ls -l style: type, then rwx triplets with setuid/setgid/sticky folded in as s/S and t/T. */
export function modeString(mode: number): string {
  const t = TYPE_CHAR[mode & S_IFMT] ?? '?';
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const special = (x: number, s: number, on: string) =>
    mode & s ? (mode & x ? on : on.toUpperCase()) : mode & x ? 'x' : '-';
  return (
    t +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't')
  );
}

/** "2023-11-14 22:13:20.123456789 UTC"; seconds outside Date's range are shown as raw epoch seconds. */
export function mtimeText(sec: number, nsec: number): string {
  const ns = paddedNsec(nsec);
  const ms = sec * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `@${sec}.${ns}`;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ, or ±YYYYYY-... far out
  return `${iso.slice(0, iso.indexOf('T'))} ${iso.slice(iso.indexOf('T') + 1, iso.indexOf('.'))}.${ns} UTC`;
}

/** Linux's 32-bit dev_t split (new_decode_dev), as EROFS stores it. */
export function decodeRdev(rdev: number): { major: number; minor: number } {
  return { major: (rdev & 0xfff00) >>> 8, minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
}

/** How the details pane shows a value, for the fields the diff writes in raw form. */
const FIELD_TEXT: Record<string, (raw: string) => string | undefined> = {
  mode: (raw) => {
    const mode = parseInt(raw, 8);
    return Number.isFinite(mode) ? `${modeString(mode)} ${(mode & 0o7777).toString(8).padStart(4, '0')}` : undefined;
  },
  mtime: (raw) => {
    const m = /^(-?\d+)\.(\d{9})$/.exec(raw);
    return m ? mtimeText(Number(m[1]), Number(m[2])) : undefined;
  },
  rdev: (raw) => {
    const rdev = Number(raw);
    if (!Number.isSafeInteger(rdev)) return undefined;
    const d = decodeRdev(rdev);
    return `${d.major}:${d.minor}`;
  },
};

/** Adds beforeText/afterText to a diff field change whose raw form (octal mode, sec.nsec) is not the one the window shows. */
export function readableField(f: FieldChange): FieldChange {
  const text = FIELD_TEXT[f.field];
  if (!text) return f;
  const before = f.before === undefined ? undefined : text(f.before);
  const after = f.after === undefined ? undefined : text(f.after);
  if (before !== undefined) f.beforeText = before;
  if (after !== undefined) f.afterText = after;
  return f;
}

const ESCAPE_PREFIX = 'trusted.overlay.overlay.';

/** Stored xattrs, in stored order, with composefs-info's names and a line on what overlay ones mean. */
export function xattrViews(xattrs: Xattr[], view: ComposefsView): XattrView[] {
  const meaning = new Map(view.bookkeeping.map((b) => [b.index, b.meaning]));
  return xattrs.map((x, i) => {
    const stored = displayBytes(x.name);
    const v: XattrView = {
      name: stored,
      text: displayBytes(x.value),
      hex: toHex(x.value),
      size: x.value.length,
      shared: !!x.shared,
    };
    if (x.range) v.range = x.range;
    const explanation = explainXattr(stored, x.value, meaning.get(i));
    if (explanation) v.explanation = explanation;
    if (stored.startsWith(ESCAPE_PREFIX) && !meaning.has(i)) {
      v.name = 'trusted.overlay.' + stored.slice(ESCAPE_PREFIX.length);
      v.storedName = stored;
    }
    return v;
  });
}

function explainXattr(name: string, value: Uint8Array, bookkeeping: string | undefined): string | undefined {
  if (name === 'trusted.overlay.metacopy') {
    const m = decodeMetacopy(value);
    if (!m) return `metacopy: malformed (${value.length} bytes; needs 0 or 4 + digest)`;
    if (value.length === 0) return 'metacopy: data lives in the redirect target; no fs-verity digest recorded';
    const algo = m.digestAlgo === 1 ? 'sha256' : m.digestAlgo === 2 ? 'sha512' : `algorithm ${m.digestAlgo}`;
    return `metacopy v${m.version}, len ${m.len}, flags ${hexByte(m.flags)}, ${algo} fs-verity digest ${m.digest ? toHex(m.digest) : '(none)'}`;
  }
  if (name === 'trusted.overlay.redirect') {
    return `redirect: backing object ${displayBytes(value[0] === 0x2f ? value.subarray(1) : value)} in the object store`;
  }
  if (name === 'trusted.overlay.opaque' || name === 'user.overlay.opaque') {
    const t = displayBytes(value);
    const how = name.startsWith('user.') ? ' (userxattr mounts)' : '';
    if (t === 'y') return `opaque${how}: overlayfs hides lower layers' entries below this directory`;
    if (t === 'x') return `opaque=x${how}: this directory holds whiteouts stored as xattrs (xwhiteouts)`;
    return `opaque${how}: value ${t} is neither y nor x`;
  }
  if (name === 'trusted.overlay.overlay.whiteout' || name === 'user.overlay.whiteout') {
    return `${name.startsWith('user.') ? 'userxattr ' : 'escaped '}whiteout: this entry is an overlayfs whiteout (char 0:0) in the composed tree`;
  }
  if (name === 'trusted.overlay.overlay.whiteouts' || name === 'user.overlay.whiteouts') {
    return 'whiteouts marker: this directory contains escaped whiteouts';
  }
  if (name.startsWith(ESCAPE_PREFIX)) {
    return `escaped: the image's own trusted.overlay.${name.slice(ESCAPE_PREFIX.length)}, stored one level down so overlayfs passes it through`;
  }
  if (name === 'trusted.overlay.verity') return 'pre-1.0 composefs: fs-verity digest of the backing object';
  return bookkeeping;
}

const hexByte = (n: number) => '0x' + n.toString(16).padStart(2, '0');
