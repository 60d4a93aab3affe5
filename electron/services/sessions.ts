/**
 * The shared session registry: the open images (reader, summary, what was learned browsing them,
 * the last check's findings and verify results) by image id, opened once per file, plus the
 * per-session caches the services share (directory listings, first display paths).
 */
import type { OpenFileOptions } from './open-file.ts';
import { basename, isAbsolute, resolve } from 'node:path';
import type { CheckReport, ImageId, ImageSummary, Unsubscribe, VerityResult } from '../../shared/api.ts';
import type { ByteRange, DirEntry, Finding, ImageReader } from '../../shared/model.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { joinDisplay } from './present.ts';

/** Largest page of children one call returns, and largest hex read: bounds what one request costs. */
export const MAX_PAGE = 5000;
export const MAX_BYTES = 1 << 20;
/**
 * Images up to this size are read into the reader's block cache when opened (when the reader can):
 * one sequential read instead of thousands of small ones as the tree, the check and the hex view
 * wander through the metadata. 64 MiB is what the reader's cache keeps.
 */
export const PREFETCH_LIMIT = 64 << 20;
/** Directory entries kept decoded per image: a 200,000-entry directory is decoded once, not per page. */
export const LISTING_CACHE_ENTRIES = 400_000;

export interface Session {
  summary: ImageSummary;
  reader: ImageReader;
  /** First display path each node was met at, filled as the tree is browsed. */
  paths: Map<number, string>;
  /** The dirent range that named each node, for the hex view. */
  dirents: Map<number, ByteRange>;
  /** Recently listed directories (the tree pages through one listing many times). */
  listings: Map<number, DirEntry[]>;
  /** All names of every multiply-linked non-directory, built on first need (one walk). */
  hardlinks?: Promise<Map<number, string[]>>;
  check?: CheckReport;
  checkRun?: Promise<CheckReport>;
  findingsByNode: Map<number, Finding[]>;
  verity: Map<number, VerityResult>;
  jobs: Map<string, AbortController>;
}

export interface RegistryOptions {
  openReader: (path: string, options?: OpenFileOptions) => Promise<ImageReader>;
  findStores: (imagePath: string) => Promise<string[]>;
}

export interface Registry {
  readonly sessions: Map<ImageId, Session>;
  /** The session of an open image, or an error naming the id. */
  get(imageId: ImageId): Session;
  /** Opens a file once: the same path asked for twice (at once or later) gives the same session. */
  open(path: string): Promise<ImageSummary>;
  close(imageId: ImageId): Promise<void>;
  summaryOf(s: Session): ImageSummary;
  /** Reopens a Nydus bootstrap so its blobs are looked for in the session's stores first. */
  reopenForStores(s: Session): Promise<void>;
}

export function createRegistry(options: RegistryOptions): Registry {
  const sessions = new Map<ImageId, Session>();
  const opening = new Map<string, Promise<ImageSummary>>();
  let nextImage = 1;

  const summaryOf = (s: Session): ImageSummary => ({ ...s.summary, objectStores: [...s.summary.objectStores] });

  const openSession = async (full: string): Promise<ImageSummary> => {
    let stores: string[];
    try {
      stores = await options.findStores(full);
    } catch {
      stores = [];
    }
    // A Nydus bootstrap looks for its data blobs in the chosen stores too.
    const reader = await options.openReader(full, { blobDirs: stores });
    const warm = (reader as Partial<{ prefetchAll(limit: number): Promise<boolean> }>).prefetchAll;
    if (warm) {
      try {
        await warm.call(reader, PREFETCH_LIMIT);
      } catch {
        // Only a head start: every later read still goes to the file and reports its own errors.
      }
    }
    const imageId = `img-${nextImage++}`;
    const s: Session = {
      summary: { imageId, path: full, name: basename(full), info: reader.info(), rootId: reader.rootId, objectStores: stores },
      reader,
      paths: new Map([[reader.rootId, '/']]),
      dirents: new Map(),
      listings: new Map(),
      findingsByNode: new Map(),
      verity: new Map(),
      jobs: new Map(),
    };
    sessions.set(imageId, s);
    return summaryOf(s);
  };

  return {
    sessions,
    summaryOf,
    get(imageId) {
      const s = sessions.get(imageId);
      if (!s) throw new Error(`no open image with id ${imageId}`);
      return s;
    },
    async open(path) {
      if (typeof path !== 'string' || !isAbsolute(path)) throw new Error(`not an absolute path: ${String(path)}`);
      const full = resolve(path);
      for (const s of sessions.values()) if (s.summary.path === full) return summaryOf(s);
      // The same file asked for twice at once (a double-click racing File > Open) opens once.
      const pending = opening.get(full);
      if (pending) return pending;
      const p = openSession(full).finally(() => opening.delete(full));
      opening.set(full, p);
      return p;
    },
    async reopenForStores(s) {
      if (s.reader.format !== 'nydus-v5' && s.reader.format !== 'nydus-v6') return;
      const reader = await options.openReader(s.summary.path, { blobDirs: s.summary.objectStores });
      await s.reader.close();
      s.reader = reader;
      s.summary = { ...s.summary, info: reader.info() };
      s.check = undefined;
      s.findingsByNode.clear();
    },
    async close(imageId) {
      const s = sessions.get(imageId);
      if (!s) return;
      sessions.delete(imageId);
      for (const job of s.jobs.values()) job.abort();
      await s.reader.close();
    },
  };
}

/** A directory's entries through the session's listing cache (most recently used kept). */
export async function listing(s: Session, dirId: number): Promise<DirEntry[]> {
  const hit = s.listings.get(dirId);
  if (hit) {
    s.listings.delete(dirId); // re-inserted below: Map order is the recency order
    s.listings.set(dirId, hit);
    return hit;
  }
  const entries = await s.reader.children(dirId);
  s.listings.set(dirId, entries);
  let total = 0;
  for (const l of s.listings.values()) total += l.length;
  for (const [id, l] of s.listings) {
    if (total <= LISTING_CACHE_ENTRIES || id === dirId) break;
    s.listings.delete(id);
    total -= l.length;
  }
  return entries;
}

/** Records the first display path (and dirent) a node was met at; returns its path under this parent. */
export function remember(s: Session, parentId: number, e: DirEntry): string {
  const parent = s.paths.get(parentId) ?? `/#${parentId}`;
  const path = joinDisplay(parent, displayBytes(e.name));
  if (!s.paths.has(e.id)) {
    s.paths.set(e.id, path);
    if (e.range) s.dirents.set(e.id, e.range);
  }
  return path;
}

/** Subscribers of one kind of event; a failing one does not starve the others. */
export function listeners<T>() {
  const set = new Set<(value: T) => void>();
  return {
    on(cb: (value: T) => void): Unsubscribe {
      set.add(cb);
      return () => void set.delete(cb);
    },
    emit(value: T) {
      for (const cb of [...set]) {
        try {
          cb(value);
        } catch {
          // One failing subscriber (a window that went away) must not starve the others.
        }
      }
    },
  };
}
