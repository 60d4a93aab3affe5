/**
 * The one-line text form of a change, shared by the CLI and anything that logs diffs. Every
 * token is free of whitespace, so lines split on spaces and grep cleanly:
 *
 *   added <kind> <path>
 *   removed <kind> <path>
 *   renamed <kind> <old path> -> <new path>
 *   modified <kind> <path> <field>=<before>-><after> ...
 *
 * Fields come in a fixed order: type, mode (octal st_mode), uid, gid, size, mtime (sec.nsec, nsec
 * padded to 9 digits), nlink, rdev, target, whiteout, opaque, digest (fs-verity, hex), redirect
 * (only when it is not just the digest's object path), data (in-image bytes; sha256:<hex> beyond 64
 * bytes, sparse-sha256:<hex> for a file with holes), then xattr:<name> by name and
 * hardlink:<other path> by path (value `linked`).
 *
 * A field present on one side only says so: `added:xattr:user.k=v`, `removed:digest=ab12…`. A
 * present but empty value is `""`. Inside values `>` and `"` are escaped as \xNN, so the first `->`
 * followed by `>` is always the separator; in field names `=` is escaped.
 *
 * A whiteout (char 0:0, escaped or not) is the kind `whiteout`, as `info` counts it.
 */
import type { Change, FieldChange } from '../api.ts';
import { token } from './text.ts';

const value = (v: string | undefined): string => (v === undefined ? '' : v === '' ? '""' : token(v, '>"'));

export function formatField(f: FieldChange): string {
  const name = token(f.field, '=');
  if (f.before === undefined && f.after !== undefined) return `added:${name}=${value(f.after)}`;
  if (f.after === undefined && f.before !== undefined) return `removed:${name}=${value(f.before)}`;
  return `${name}=${value(f.before)}->${value(f.after)}`;
}

export function formatChange(change: Change): string {
  const head = `${change.kind} ${change.nodeKind}`;
  if (change.kind === 'renamed') return `${head} ${token(change.oldPath ?? '')} -> ${token(change.path)}`;
  if (change.kind !== 'modified') return `${head} ${token(change.path)}`;
  return [head, token(change.path), ...change.fields.map(formatField)].join(' ');
}
