/**
 * The classes of change a diff may be told to ignore, compiled once so the per-node comparison
 * only tests booleans and one regular expression.
 */
import type { DiffOptions } from '../api.ts';

export interface Ignore {
  mtime: boolean;
  ownership: boolean;
  /** Leave out a directory pair whose only difference is its size (the default; DiffOptions.dirSizes shows them). */
  dirSizeOnly: boolean;
  /** Matches the displayed xattr name; undefined when no pattern was given. */
  xattr?: RegExp;
}

/**
 * A shell-like glob: `*` any run of characters (dots included, so `security.*` covers every
 * security xattr), `?` one character, `[abc]`/`[!abc]` a class, `\x` a literal x.
 */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += '[' + (negate ? '^' : '') + body.replace(/[\\\]^]/g, '\\$&') + ']';
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re, 's');
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function compileIgnore(options: DiffOptions = {}): Ignore {
  const patterns = options.ignoreXattrs ?? [];
  return {
    mtime: Boolean(options.ignoreMtime),
    ownership: Boolean(options.ignoreOwnership),
    dirSizeOnly: !options.dirSizes,
    xattr: patterns.length
      ? new RegExp(`^(?:${patterns.map((p) => globToRegExp(p).source).join('|')})$`, 's')
      : undefined,
  };
}
