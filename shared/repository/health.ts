/**
 * Repository health rules over a snapshot the service takes of the directory (the format core
 * touches no files). Each finding names the repository-relative path concerned.
 *
 * Reachability (what garbage collection would keep): every entry of images/ and streams/, each
 * image's backing objects (its redirects), each stream's object refs, and the streams it refers to.
 */
import type { RepoFinding, RepoHealth } from './model.ts';

export interface RepoLink {
  /** Repository-relative path of the link, e.g. "images/ab12…" or "streams/refs/oci/x%3A1". */
  path: string;
  /** Object digest the link resolves to (through refs), when it does. */
  object?: string;
  /** Why it does not resolve. */
  dangling?: string;
}

export interface RepoSnapshot {
  objects: Map<string, { path: string; size: number }>;
  /** Files in objects/ whose names are not a digest of this repository's length. */
  badNames: string[];
  images: RepoLink[];
  streams: RepoLink[];
  refs: RepoLink[];
  /** Per image object: the objects its files redirect to; undefined entry = unreadable (message). */
  imageReferences: Map<string, string[] | { error: string }>;
  /** Per stream object: its object refs and stream refs; or why it could not be read. */
  streamReferences: Map<string, { objects: string[]; streams: string[] } | { error: string }>;
  /** Objects that start like an EROFS image. */
  imageLike: Set<string>;
  /** Measured fs-verity digests (the digest pass may stop early: missing = not measured). */
  measured: Map<string, string>;
  objectsTotal: number;
  complete: boolean;
}

const finding = (code: RepoFinding['code'], severity: RepoFinding['severity'], path: string, message: string, size?: number): RepoFinding =>
  size === undefined ? { code, severity, path, message } : { code, severity, path, message, size };

function linkFindings(s: RepoSnapshot): RepoFinding[] {
  const out: RepoFinding[] = [];
  for (const l of [...s.images, ...s.streams, ...s.refs]) {
    if (l.dangling) out.push(finding('repo.ref.dangling', 'error', l.path, l.dangling));
  }
  for (const l of [...s.images, ...s.streams]) {
    const name = l.path.slice(l.path.indexOf('/') + 1);
    const actual = l.object ? s.measured.get(l.object) : undefined;
    // An image is named by its fs-verity digest; a stream named by digest too (older layout).
    if (/^[0-9a-f]+$/.test(name) && actual !== undefined && actual !== name) {
      const code = l.path.startsWith('images/') ? 'repo.image.name-mismatch' : 'repo.stream.name-mismatch';
      out.push(finding(code, 'error', l.path, `named ${name}, but the fs-verity digest of its content is ${actual}`));
    }
  }
  return out;
}

function objectFindings(s: RepoSnapshot): RepoFinding[] {
  const out: RepoFinding[] = [];
  for (const p of s.badNames) out.push(finding('repo.object.bad-name', 'warning', p, 'not named as a digest of this repository (objects/XX/ and the rest of the hex digest)'));
  for (const [digest, o] of s.objects) {
    const actual = s.measured.get(digest);
    if (actual !== undefined && actual !== digest) out.push(finding('repo.object.name-mismatch', 'error', o.path, `the fs-verity digest of this object is ${actual}`));
  }
  return out;
}

/** Objects reachable from images/ and streams/, and the references that lead nowhere. */
function reachability(s: RepoSnapshot): { reached: Set<string>; findings: RepoFinding[] } {
  const reached = new Set<string>();
  const findings: RepoFinding[] = [];
  const missing = (digest: string, from: string) => {
    if (!s.objects.has(digest)) findings.push(finding('repo.object.missing', 'error', `objects/${digest.slice(0, 2)}/${digest.slice(2)}`, `referenced by ${from}, but not in objects/`));
  };
  for (const l of s.images) {
    if (!l.object) continue;
    reached.add(l.object);
    const refs = s.imageReferences.get(l.object);
    if (refs && 'error' in refs) findings.push(finding('repo.image.unreadable', 'error', l.path, refs.error));
    else for (const d of new Set(refs ?? [])) (reached.add(d), missing(d, l.path));
  }
  const queue = s.streams.filter((l) => l.object).map((l) => ({ object: l.object!, from: l.path }));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { object, from } = queue.pop()!;
    if (seen.has(object)) continue;
    seen.add(object);
    reached.add(object);
    if (!s.objects.has(object)) {
      missing(object, from);
      continue;
    }
    const refs = s.streamReferences.get(object);
    if (!refs) continue;
    if ('error' in refs) {
      findings.push(finding('repo.stream.unreadable', 'error', from, refs.error));
      continue;
    }
    for (const d of new Set(refs.objects)) (reached.add(d), missing(d, from));
    for (const d of refs.streams) queue.push({ object: d, from });
  }
  return { reached, findings };
}

export function repositoryHealthFindings(s: RepoSnapshot, unknownReadOnly: string[] = []): RepoHealth {
  const findings: RepoFinding[] = unknownReadOnly.map((f) =>
    finding('repo.feature.unknown-ro', 'info', 'meta.json', `read-only-compatible feature "${f}" is not one this inspector knows; reading is safe, writing would not be`),
  );
  findings.push(...linkFindings(s), ...objectFindings(s));
  const { reached, findings: refFindings } = reachability(s);
  findings.push(...refFindings);
  const linkedImages = new Set(s.images.map((l) => l.object).filter((d): d is string => d !== undefined));
  let orphanBytes = 0;
  for (const [digest, o] of s.objects) {
    if (s.imageLike.has(digest) && !linkedImages.has(digest)) {
      findings.push(finding('repo.image.unlinked', 'warning', o.path, 'an EROFS image in objects/ that images/ does not link: it is not meant to be mounted (only linked images are)'));
    }
    if (!reached.has(digest)) {
      orphanBytes += o.size;
      findings.push(finding('repo.object.orphan', 'info', o.path, 'nothing in images/ or streams/ references this object: garbage collection would remove it', o.size));
    }
  }
  return { findings, orphanBytes, objectsChecked: s.measured.size, objectsTotal: s.objectsTotal, complete: s.complete };
}
