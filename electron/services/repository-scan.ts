/**
 * Reads a repository directory into what shared/repository needs: meta.json, the objects/ listing
 * (one readdir per fan-out directory, one lstat per object), and the links of images/, streams/
 * and their refs/ trees, each resolved inside the repository. Nothing here follows a link out of
 * the repository: a link that leaves it is dangling, as far as the inspector is concerned.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { digestHexLength, metaFromNames, parseMeta, RepositoryError } from '../../shared/repository/meta.ts';
import type { RepositoryMeta } from '../../shared/repository/model.ts';
import type { RepoLink } from '../../shared/repository/health.ts';

/** Symlink hops one ref may take (ref -> ref -> images/<digest> -> objects/...). */
const MAX_HOPS = 16;
/** refs/ nesting we walk; real names are a few levels deep. */
const MAX_REF_DEPTH = 32;

export interface ScannedObjects {
  objects: Map<string, { path: string; size: number }>;
  badNames: string[];
  hexLengths: Set<number>;
}

const HEX = /^[0-9a-f]+$/;

export function scanObjects(root: string): ScannedObjects {
  const objects = new Map<string, { path: string; size: number }>();
  const badNames: string[] = [];
  const hexLengths = new Set<number>();
  const dir = join(root, 'objects');
  for (const fan of readdirSync(dir, { withFileTypes: true })) {
    if (!fan.isDirectory() || fan.name.length !== 2 || !HEX.test(fan.name)) {
      badNames.push(`objects/${fan.name}`);
      continue;
    }
    for (const e of readdirSync(join(dir, fan.name), { withFileTypes: true })) {
      const rel = `objects/${fan.name}/${e.name}`;
      // Writers leave temporary files while they work; "." names are never digests.
      if (!e.isFile() || !HEX.test(e.name)) {
        badNames.push(rel);
        continue;
      }
      hexLengths.add(e.name.length + 2);
      objects.set(fan.name + e.name, { path: rel, size: lstatSync(join(dir, fan.name, e.name)).size });
    }
  }
  return { objects, badNames, hexLengths };
}

/** Keeps only objects whose names have the repository's digest length; the rest are bad names. */
export function objectsOfLength(scan: ScannedObjects, hexLength: number): ScannedObjects {
  const objects = new Map<string, { path: string; size: number }>();
  const badNames = [...scan.badNames];
  for (const [d, o] of scan.objects) (d.length === hexLength ? objects.set(d, o) : badNames.push(o.path));
  return { objects, badNames, hexLengths: new Set([hexLength]) };
}

export function readMeta(root: string, scan: ScannedObjects): RepositoryMeta {
  let text: string | undefined;
  try {
    text = readFileSync(join(root, 'meta.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new RepositoryError(`meta.json cannot be read: ${(e as Error).message}`);
  }
  return text === undefined ? metaFromNames(scan.hexLengths) : parseMeta(text);
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + sep);

/**
 * Follows a link (and links it leads to) inside the repository. Returns the final repository-
 * relative path, or why it does not resolve.
 */
export function followLink(root: string, path: string): { target: string } | { dangling: string } {
  let p = path;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return { dangling: `points at ${relative(root, p)}, which does not exist` };
    }
    if (!st.isSymbolicLink()) return st.isFile() ? { target: relative(root, p).split(sep).join('/') } : { dangling: `leads to ${relative(root, p)}, which is not a file` };
    const next = resolve(dirname(p), readlinkSync(p));
    if (!inside(root, next)) return { dangling: `points outside the repository (${readlinkSync(p)})` };
    p = next;
  }
  return { dangling: `more than ${MAX_HOPS} links in a row` };
}

/** The digest an objects/XX/rest path names, or undefined for anything else. */
export function objectDigestOf(rel: string, hexLength: number): string | undefined {
  const m = /^objects\/([0-9a-f]{2})\/([0-9a-f]+)$/.exec(rel);
  return m && m[1]!.length + m[2]!.length === hexLength ? m[1]! + m[2]! : undefined;
}

function linkOf(root: string, rel: string, hexLength: number): RepoLink {
  const r = followLink(root, join(root, rel));
  if ('dangling' in r) return { path: rel, dangling: r.dangling };
  const object = objectDigestOf(r.target, hexLength);
  return object ? { path: rel, object } : { path: rel, dangling: `leads to ${r.target}, which is not an object of this repository` };
}

/** The top-level entries of images/ or streams/ (everything but refs/). */
export function scanLinks(root: string, kind: 'images' | 'streams', hexLength: number): RepoLink[] {
  let names: string[];
  try {
    names = readdirSync(join(root, kind));
  } catch {
    return [];
  }
  return names.filter((n) => n !== 'refs').sort().map((n) => linkOf(root, `${kind}/${n}`, hexLength));
}

/** Every link under images/refs/ or streams/refs/, with the top-level entry it leads through. */
export function scanRefs(root: string, kind: 'images' | 'streams', hexLength: number): (RepoLink & { name: string; via?: string })[] {
  const out: (RepoLink & { name: string; via?: string })[] = [];
  const walk = (rel: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory() && depth < MAX_REF_DEPTH) walk(child, depth + 1);
      else if (!e.isDirectory()) {
        const name = child.slice(`${kind}/refs/`.length);
        const link = linkOf(root, child, hexLength);
        out.push({ ...link, name, ...(viaEntry(root, child, kind) ?? {}) });
      }
    }
  };
  walk(`${kind}/refs`, 0);
  return out;
}

/** The top-level images/ or streams/ entry a ref's chain passes through, if any. */
function viaEntry(root: string, rel: string, kind: string): { via: string } | undefined {
  let p = join(root, rel);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let target: string;
    try {
      target = readlinkSync(p);
    } catch {
      return undefined;
    }
    const next = resolve(dirname(p), target);
    const r = relative(root, next).split(sep).join('/');
    if (dirname(r) === kind) return { via: r.slice(kind.length + 1) };
    p = next;
  }
  return undefined;
}

export function assertRepositoryDir(root: string): void {
  let st;
  try {
    st = statSync(root);
  } catch (e) {
    throw new RepositoryError(`${root}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (!st.isDirectory()) throw new RepositoryError(`${root} is not a directory`);
  try {
    if (!statSync(join(root, 'objects')).isDirectory()) throw new Error();
  } catch {
    throw new RepositoryError(`${root} is not a composefs repository: it has no objects/ directory`);
  }
}

export { digestHexLength };
