/**
 * Object store resolution: a regular file's redirect payload names its backing object relative
 * to one of the base directories (tried in order, like the `basedir=` mount option).
 *
 * An image is untrusted input, so a payload is an attack when it could reach outside the store:
 * absolute, with a `..` component, or leading through a symlink inside the store to something
 * outside it (even a dangling one). Such objects are reported as 'escape' and never opened.
 */
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { isUtf8 } from '../../shared/model.ts';

export type ResolveResult =
  | { ok: true; path: string; size: number }
  | { ok: false; reason: 'escape' | 'missing' | 'no-store' | 'unreadable'; message: string; path?: string };

/** Symlinks followed before giving up, as the kernel's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

const fail = (reason: 'escape' | 'missing' | 'no-store' | 'unreadable', message: string, path?: string): ResolveResult => ({
  ok: false,
  reason,
  message,
  ...(path !== undefined ? { path } : {}),
});

/**
 * The payload's path components, or why it may not be looked up at all. Empty and '.'
 * components are harmless (the kernel's path walk skips them too); '..' never is.
 */
export function payloadComponents(payload: Uint8Array): { components: string[] } | { refused: string } {
  if (payload.length === 0) return { refused: 'empty redirect' };
  if (payload.includes(0)) return { refused: 'redirect contains a NUL byte' };
  if (payload[0] === 0x2f) return { refused: 'absolute redirect: it would name a path outside the object store' };
  // Object names are ASCII hex in practice; only other bytes need the UTF-8 check.
  const ascii = payload.every((b) => b < 0x80);
  if (!ascii && !isUtf8(payload)) return { refused: 'redirect is not valid UTF-8' };
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const text = bytes.toString(ascii ? 'latin1' : 'utf8');
  const components = text.split('/').filter((c) => c !== '' && c !== '.');
  if (components.includes('..')) return { refused: "redirect contains '..': it would leave the object store" };
  if (components.length === 0) return { refused: 'redirect names the object store itself' };
  return { components };
}

const inside = (p: string, root: string): boolean => p === root || p.startsWith(root === '/' ? '/' : root + '/');

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

const escape = (to: string) => fail('escape', `a symlink in the object store points outside it (to ${to})`, to);

/**
 * Resolves one payload in one store whose real path is `root`, walking its components one lstat
 * at a time and following symlinks as the kernel would. Because every step is seen, a link out
 * of the store is caught even when its target does not exist, and the common case (no symlinks,
 * two components) costs two syscalls, the last of which gives the object's type and size.
 * Returns undefined when the object is not in this store.
 */
function resolveIn(root: string, components: string[], dirs: DirCache): ResolveResult | undefined {
  const pending = components.slice().reverse();
  let cur = root;
  let st: Stats | undefined;
  let links = 0;
  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      cur = dirname(cur); // `cur` never contains a symlink, so its parent is its real parent
      st = undefined;
      continue;
    }
    const next = cur === '/' ? `/${c}` : `${cur}/${c}`;
    // Leading components are the store's few fan-out directories: each is looked up once per
    // resolver, not once per object.
    const cacheable = pending.length > 0;
    const known = cacheable ? dirs.get(next) : undefined;
    if (known !== undefined) {
      st = known === null ? undefined : known;
    } else {
      try {
        // No exception for the common "not there": missing objects can be most of a big image.
        st = lstatSync(next, { throwIfNoEntry: false });
      } catch (e) {
        if (errno(e) !== 'ENOTDIR') return fail('unreadable', (e as Error).message, next);
        st = undefined; // a file where a directory should be: the object is not there
      }
      if (cacheable && dirs.size < MAX_CACHED_DIRS) dirs.set(next, st ?? null);
    }
    if (!st) return inside(next, root) ? undefined : escape(next);
    if (!st.isSymbolicLink()) {
      cur = next;
      continue;
    }
    if (++links > MAX_SYMLINKS) return fail('unreadable', 'too many levels of symbolic links', next);
    const target = readlinkSync(next);
    if (target.startsWith('/')) cur = '/';
    pending.push(...target.split('/').reverse());
    st = undefined;
  }
  if (!inside(cur, root)) return escape(cur);
  try {
    st ??= lstatSync(cur);
  } catch (e) {
    return fail('unreadable', (e as Error).message, cur);
  }
  if (!st.isFile()) return fail('unreadable', 'not a regular file', cur);
  return { ok: true, path: cur, size: st.size };
}

/** lstat results of non-final path components (null: not there), per resolver. */
type DirCache = Map<string, Stats | null>;
const MAX_CACHED_DIRS = 65536;

export interface Resolver {
  /** The stores that exist, as real paths, in the order they are tried. */
  readonly roots: string[];
  resolve(payload: Uint8Array): ResolveResult;
}

/** A resolver over fixed stores; their real paths are looked up once. Stores that do not exist are skipped. */
export function createResolver(stores: string[]): Resolver {
  const roots: string[] = [];
  for (const s of stores) {
    try {
      if (statSync(s).isDirectory()) roots.push(realpathSync.native(s));
    } catch {
      // A store that is not there holds no objects; callers that want an error check up front.
    }
  }
  const dirs: DirCache = new Map();
  return {
    roots,
    resolve(payload) {
      const parsed = payloadComponents(payload);
      if ('refused' in parsed) return fail('escape', parsed.refused);
      for (const root of roots) {
        const r = resolveIn(root, parsed.components, dirs);
        if (r) return r;
      }
      const first = roots[0];
      // Without a store nothing was looked for: that is not an object missing from one.
      if (!roots.length) return fail('no-store', 'no object store chosen');
      return fail('missing', 'no such object in any object store', first && `${first}/${parsed.components.join('/')}`);
    },
  };
}

/** One-off resolution of a payload against `stores` (tried in order). */
export function resolveObject(stores: string[], payload: Uint8Array): ResolveResult {
  return createResolver(stores).resolve(payload);
}
