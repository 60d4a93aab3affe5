/**
 * composefs repositories on the Node side: open one (meta.json and the directory layout), name its
 * images and streams, resolve a digest or ref, read a stream's JSON or layer, and take the health
 * snapshot that shared/repository/health.ts judges. Parsing stays in the format core; this module
 * lists, links and reads files.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Cursor } from '../../shared/bytes/cursor.ts';
import type { ByteSource } from '../../shared/bytes/source.ts';
import { collectObjectNames } from '../../shared/composefs/dump.ts';
import { decodeComposefsHeader, isComposefsHeader } from '../../shared/composefs/header.ts';
import { detectFormat } from '../../shared/open.ts';
import { repositoryHealthFindings, type RepoLink, type RepoSnapshot } from '../../shared/repository/health.ts';
import { decodeOciTag, digestHexLength, RepositoryError } from '../../shared/repository/meta.ts';
import type { RepoHealth, RepoImage, RepositoryMeta, RepositorySummary, RepoStream } from '../../shared/repository/model.ts';
import { readSplitStream, reassembledSource, type ChunkObject, type SplitStream } from '../../shared/splitstream/reader.ts';
import { createVerityPool } from '../verity/pool.ts';
import { digestFileHere, nodeVerityHash, READ_CHUNK } from '../verity/node-hash.ts';
import { toHex } from '../../shared/model.ts';
import { fileSource } from './file-source.ts';
import { openImageFile } from './open-file.ts';
import { assertRepositoryDir, objectsOfLength, readMeta, scanLinks, scanObjects, scanRefs, type ScannedObjects } from './repository-scan.ts';

export { RepositoryError };

/** An open repository: the summary the CLI and app show, and what the service keeps to answer. */
export interface Repository extends RepositorySummary {
  scan: ScannedObjects;
  imageLinks: RepoLink[];
  streamLinks: RepoLink[];
  refLinks: (RepoLink & { name: string; via?: string })[];
}

const HEAD = 4096;

function readHead(path: string, n = HEAD): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** "composefs v1", "erofs", … from an image object's first bytes. */
function imageFormat(path: string): string {
  let head: Uint8Array;
  try {
    head = readHead(path);
  } catch (e) {
    return `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (isComposefsHeader(head) && head.length >= 16) return `composefs v${decodeComposefsHeader(new Cursor(head, 0)).composefsVersion}`;
  return detectFormat(head) ?? 'not an image';
}

async function streamOf(path: string): Promise<SplitStream> {
  const src = await fileSource(path);
  try {
    return await readSplitStream(src);
  } finally {
    await src.close?.();
  }
}

function refsBy(refLinks: Repository['refLinks'], kind: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of refLinks) {
    if (!r.path.startsWith(`${kind}/refs/`) || !r.via) continue;
    out.set(r.via, [...(out.get(r.via) ?? []), r.name]);
  }
  return out;
}

async function describeStream(root: string, link: RepoLink, refs: string[]): Promise<RepoStream> {
  const name = link.path.slice('streams/'.length);
  const base = { name, refs, ociTags: refs.filter((r) => r.startsWith('oci/')).map((r) => decodeOciTag(r.slice(4))) };
  if (!link.object) return { ...base, contentType: 'missing', size: 0 };
  const objectPath = `objects/${link.object.slice(0, 2)}/${link.object.slice(2)}`;
  const size = statSync(join(root, objectPath)).size;
  let contentType: string;
  try {
    contentType = (await streamOf(join(root, objectPath))).contentType;
  } catch (e) {
    contentType = `unreadable (${(e as Error).message})`;
  }
  return { ...base, digest: link.object, contentType, size, objectPath };
}

export async function openRepository(path: string): Promise<Repository> {
  const root = resolve(path.endsWith('meta.json') ? join(path, '..') : path);
  assertRepositoryDir(root);
  const raw = scanObjects(root);
  const meta: RepositoryMeta = readMeta(root, raw);
  const hexLength = digestHexLength(meta.hash);
  const scan = objectsOfLength(raw, hexLength);
  const imageLinks = scanLinks(root, 'images', hexLength);
  const streamLinks = scanLinks(root, 'streams', hexLength);
  const refLinks = [...scanRefs(root, 'images', hexLength), ...scanRefs(root, 'streams', hexLength)];
  const imageRefs = refsBy(refLinks, 'images');
  const streamRefs = refsBy(refLinks, 'streams');
  const images: RepoImage[] = imageLinks.map((l) => {
    const digest = l.path.slice('images/'.length);
    const o = l.object ? scan.objects.get(l.object) : undefined;
    return {
      digest,
      refs: imageRefs.get(digest) ?? [],
      size: o?.size ?? 0,
      format: o ? imageFormat(join(root, o.path)) : 'missing',
      ...(o ? { objectPath: o.path } : {}),
    };
  });
  const streams = await Promise.all(streamLinks.map((l) => describeStream(root, l, streamRefs.get(l.path.slice('streams/'.length)) ?? [])));
  let objectBytes = 0;
  for (const o of scan.objects.values()) objectBytes += o.size;
  return { path: root, meta, images, streams, objectCount: scan.objects.size, objectBytes, scan, imageLinks, streamLinks, refLinks };
}

/** An image by its digest (or a unique prefix of at least 8 digits) or by a ref name ("refs/…" or the name under images/refs/). */
export function resolveImage(repo: Repository, name: string): RepoImage {
  const ref = name.startsWith('refs/') ? name.slice(5) : name;
  const byRef = repo.images.filter((i) => i.refs.includes(ref));
  if (byRef.length === 1) return byRef[0]!;
  const byDigest = /^[0-9a-f]{8,}$/.test(name) ? repo.images.filter((i) => i.digest.startsWith(name)) : [];
  if (byDigest.length === 1) return byDigest[0]!;
  if (byDigest.length > 1) throw new RepositoryError(`${name} is the start of ${byDigest.length} image digests; give more digits`);
  throw new RepositoryError(`no image named ${name} in ${repo.path} (images/ has ${repo.images.length}; refs: ${repo.images.flatMap((i) => i.refs).join(', ') || 'none'})`);
}

export function resolveStream(repo: Repository, name: string): RepoStream {
  const ref = name.startsWith('refs/') ? name.slice(5) : name;
  const hits = repo.streams.filter((s) => s.name === name || s.refs.includes(ref) || s.ociTags.includes(name) || (s.digest !== undefined && /^[0-9a-f]{8,}$/.test(name) && s.digest.startsWith(name)));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) throw new RepositoryError(`${name} names ${hits.length} streams; be more specific`);
  throw new RepositoryError(`no stream named ${name} in ${repo.path}`);
}

export const objectStoreOf = (repo: RepositorySummary): string => join(repo.path, 'objects');
export const imagePathOf = (repo: Repository, image: RepoImage): string => {
  if (!image.objectPath) throw new RepositoryError(`images/${image.digest} does not lead to an object`);
  return join(repo.path, image.objectPath);
};

/** A stream's splitstream, decoded. */
export async function openStream(repo: Repository, s: RepoStream): Promise<SplitStream> {
  if (!s.objectPath) throw new RepositoryError(`streams/${s.name} does not lead to an object`);
  return streamOf(join(repo.path, s.objectPath));
}

/** The original stream (e.g. a layer's tar) as a ByteSource over the repository's objects. */
export async function reassembleStream(repo: Repository, s: RepoStream): Promise<ByteSource> {
  const ss = await openStream(repo, s);
  const objects: (ChunkObject | undefined)[] = await Promise.all(
    ss.objectRefs.map(async (d) => {
      const o = repo.scan.objects.get(d);
      if (!o) return undefined;
      // Opened per read: a layer may refer to thousands of objects, and a reader held open for each
      // would outlive the stream.
      const path = join(repo.path, o.path);
      return {
        size: o.size,
        read: async (off: number, n: number) => {
          const src = await fileSource(path);
          try {
            return await src.read(off, n);
          } finally {
            await src.close?.();
          }
        },
      };
    }),
  );
  return reassembledSource(ss, objects);
}

/** A manifest's or config's JSON, and its named refs resolved to stream names where known. */
export interface NamedRefView {
  name: string;
  digest: string;
  /** The streams/ entry of that digest, when there is one. */
  stream?: string;
  /** The images/ entry of that digest (a manifest's "composefs.image"). */
  image?: string;
}

export async function streamJson(repo: Repository, s: RepoStream): Promise<{ contentType: string; json: unknown; namedRefs: NamedRefView[] }> {
  const ss = await openStream(repo, s);
  const src = await reassembleStream(repo, s);
  const text = new TextDecoder().decode(await src.read(0, Math.min(src.size, 16 << 20)));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RepositoryError(`streams/${s.name} (${ss.contentType}) does not hold JSON`);
  }
  const byDigest = new Map(repo.streams.filter((x) => x.digest).map((x) => [x.digest!, x.name]));
  const namedRefs = ss.namedRefs.map((r) => {
    const digest = ss.streamRefs[r.stream]!;
    const stream = byDigest.get(digest);
    const image = repo.images.find((i) => i.digest === digest || i.objectPath?.replace(/^objects\/(..)\//, '$1') === digest);
    return { name: r.name, digest, ...(stream ? { stream } : {}), ...(image ? { image: image.digest } : {}) };
  });
  return { contentType: ss.contentType, json, namedRefs };
}

export interface HealthOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Stop measuring digests after this long (the rest of the rules still run); 0 measures none. */
  budgetMs?: number;
}


/** Measures every object's fs-verity digest within the budget: sha256 on the worker pool, sha512 here. */
async function measureObjects(repo: Repository, opts: HealthOptions): Promise<{ measured: Map<string, string>; complete: boolean }> {
  const measured = new Map<string, string>();
  const entries = [...repo.scan.objects];
  // Monotonic, and ">=" so that a budget of 0 deterministically measures nothing.
  const deadline = opts.budgetMs === undefined ? Infinity : performance.now() + opts.budgetMs;
  const blockSize = 1 << repo.meta.blockSizeLog2;
  const stop = () => opts.signal?.aborted === true || performance.now() >= deadline;
  if (repo.meta.hash === 'sha512' || blockSize !== 4096) {
    const hash = nodeVerityHash(repo.meta.hash);
    const buf = new Uint8Array(READ_CHUNK);
    for (const [d, o] of entries) {
      if (stop()) return { measured, complete: false };
      try {
        measured.set(d, toHex(digestFileHere(join(repo.path, o.path), hash, blockSize, buf)));
      } catch {
        // Unreadable: left unmeasured; the listing already showed it exists.
      }
      if (measured.size % 256 === 0) {
        opts.onProgress?.(measured.size, entries.length);
        await new Promise((r) => setImmediate(r)); // let a cancel in
      }
    }
    opts.onProgress?.(measured.size, entries.length);
    return { measured, complete: true };
  }
  const pool = createVerityPool();
  try {
    const WINDOW = 512;
    for (let i = 0; i < entries.length; i += WINDOW) {
      if (stop()) return { measured, complete: false };
      await Promise.all(
        entries.slice(i, i + WINDOW).map(async ([d, o]) => {
          try {
            const r = await pool.digestFile(join(repo.path, o.path), { size: o.size, noFollow: true });
            measured.set(d, Buffer.from(r.digest).toString('hex'));
          } catch {
            // Unreadable: left unmeasured; listing already showed it exists.
          }
        }),
      );
      opts.onProgress?.(measured.size, entries.length);
    }
  } finally {
    await pool.close();
  }
  return { measured, complete: true };
}

async function imageReferences(repo: Repository, hexLength: number): Promise<RepoSnapshot['imageReferences']> {
  const out: RepoSnapshot['imageReferences'] = new Map();
  for (const l of repo.imageLinks) {
    if (!l.object || out.has(l.object) || !repo.scan.objects.has(l.object)) continue;
    try {
      const reader = await openImageFile(join(repo.path, repo.scan.objects.get(l.object)!.path));
      try {
        const names = await collectObjectNames(reader);
        out.set(l.object, names.map((n) => n.replace(/^\/+/, '').replace('/', '')).filter((n) => n.length === hexLength && /^[0-9a-f]+$/.test(n)));
      } finally {
        await (reader as { close?: () => Promise<void> }).close?.();
      }
    } catch (e) {
      out.set(l.object, { error: `cannot be read as an image: ${(e as Error).message}` });
    }
  }
  return out;
}

async function streamReferences(repo: Repository): Promise<RepoSnapshot['streamReferences']> {
  const out: RepoSnapshot['streamReferences'] = new Map();
  const pending = repo.streamLinks.map((l) => l.object).filter((d): d is string => d !== undefined);
  // A manifest's "composefs.image" named ref leads to an image, not to another stream.
  const images = new Set(repo.imageLinks.map((l) => l.object));
  while (pending.length > 0) {
    const d = pending.pop()!;
    const o = repo.scan.objects.get(d);
    if (out.has(d) || !o || images.has(d)) continue;
    try {
      const ss = await streamOf(join(repo.path, o.path));
      out.set(d, { objects: ss.objectRefs, streams: ss.streamRefs });
      pending.push(...ss.streamRefs);
    } catch (e) {
      out.set(d, { error: `cannot be read as a splitstream: ${(e as Error).message}` });
    }
  }
  return out;
}

function imageLike(repo: Repository): Set<string> {
  const out = new Set<string>();
  for (const [d, o] of repo.scan.objects) {
    if (o.size < 1028) continue;
    try {
      const f = detectFormat(readHead(join(repo.path, o.path), 1028));
      if (f === 'composefs' || f === 'erofs') out.add(d);
    } catch {
      // Unreadable objects are not images we could mount either.
    }
  }
  return out;
}

export async function repositoryHealth(repo: Repository, opts: HealthOptions = {}): Promise<RepoHealth> {
  const hexLength = digestHexLength(repo.meta.hash);
  const { measured, complete } = await measureObjects(repo, opts);
  const snapshot: RepoSnapshot = {
    objects: repo.scan.objects,
    badNames: repo.scan.badNames,
    images: repo.imageLinks,
    streams: repo.streamLinks,
    refs: repo.refLinks,
    imageReferences: await imageReferences(repo, hexLength),
    streamReferences: await streamReferences(repo),
    imageLike: imageLike(repo),
    measured,
    objectsTotal: repo.scan.objects.size,
    complete,
  };
  return repositoryHealthFindings(snapshot, repo.meta.unknownReadOnlyCompatible);
}
