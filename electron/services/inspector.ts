/**
 * The inspector service: the data half of the renderer contract (shared/api.ts) over the real format
 * core. It owns the open image sessions (file handles through openImageFile), remembers what the
 * last check and verify found per node, runs verify jobs in the background and tells subscribers
 * about their progress. Electron's ipc layer and the e2e harness both sit on top of this one object;
 * neither adds behaviour of its own beyond dialogs, recent files and OS open requests.
 */
import { basename, isAbsolute, resolve } from 'node:path';
import type {
  ChildPage,
  CheckReport,
  DiffOptions,
  DiffReport,
  FieldChange,
  ImageId,
  ImageSummary,
  NodeDetails,
  TreeEntry,
  Unsubscribe,
  VerifyProgress,
  VerifySummary,
  VerityResult,
  XattrView,
} from '../../shared/api.ts';
import {
  S_IFMT,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
  bytesEqual,
  kindOfMode,
  toHex,
  type ByteRange,
  type DirEntry,
  type Finding,
  type ImageNode,
  type ImageReader,
  type Xattr,
} from '../../shared/model.ts';
import { composefsView, decodeMetacopy, isRealWhiteout, type ComposefsView } from '../../shared/composefs/overlay.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { diffImages } from '../../shared/diff/index.ts';
import { walk } from '../../shared/walk.ts';
import { checkImage } from '../../shared/check/index.ts';
import { normalizeDigest, verifyImage } from '../verity/verify.ts';
import { createVerityPool, type VerityPool } from '../verity/pool.ts';
import { resolveObject } from '../verity/store.ts';
import { findObjectStores } from '../object-store.ts';
import { openImageFile } from './open-file.ts';
import { createSearchService } from './search.ts';
import { previewSlice } from './preview.ts';
import { createResolver } from '../verity/store.ts';
import type { InspectorCore } from '../ipc.ts';

export interface Inspector extends InspectorCore {
  /** Closes every image and cancels every job (app quit, test teardown). */
  closeAll(): Promise<void>;
}

export interface InspectorOptions {
  /** Opens an image file; the real openImageFile unless a test swaps in a counting source. */
  openReader?: (path: string) => Promise<ImageReader>;
  /** Object stores for a freshly opened image; `objects/` beside it (or one level up) by default. */
  findStores?: (imagePath: string) => Promise<string[]>;
  /** Cap on findings one check keeps. */
  maxFindings?: number;
  /**
   * Selecting a file measures its object's fs-verity digest on the spot when the object is at most
   * this big; larger ones wait for a verify job. 0 turns measuring on selection off.
   */
  measureOnSelectMax?: number;
}

/** Largest page of children one call returns, and largest hex read: bounds what one request costs. */
export const MAX_PAGE = 5000;
export const MAX_BYTES = 1 << 20;
/** Inline content shown in the details pane. */
export const MAX_INLINE_SHOWN = 4096;
export const MEASURE_ON_SELECT_MAX = 16 << 20;
/**
 * Images up to this size are read into the reader's block cache when opened (when the reader can):
 * one sequential read instead of thousands of small ones as the tree, the check and the hex view
 * wander through the metadata. 64 MiB is what the reader's cache keeps.
 */
export const PREFETCH_LIMIT = 64 << 20;
/** Directory entries kept decoded per image: a 200,000-entry directory is decoded once, not per page. */
export const LISTING_CACHE_ENTRIES = 400_000;

const ROOT_WHITEOUT_NAME = /^[0-9a-f]{2}$/;

interface Session {
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

type Listener<T> = (value: T) => void;

function listeners<T>() {
  const set = new Set<Listener<T>>();
  return {
    on(cb: Listener<T>): Unsubscribe {
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

export function createInspector(options: InspectorOptions = {}): Inspector {
  const openReader = options.openReader ?? openImageFile;
  const findStores = options.findStores ?? findObjectStores;
  const maxFindings = options.maxFindings ?? 10_000;
  const measureMax = options.measureOnSelectMax ?? MEASURE_ON_SELECT_MAX;
  const sessions = new Map<ImageId, Session>();
  const search = createSearchService();
  const opening = new Map<string, Promise<ImageSummary>>();
  const progress = listeners<VerifyProgress>();
  const done = listeners<VerifySummary>();
  let nextImage = 1;
  let nextJob = 1;
  // One pool of hashing threads for every job and every selection; started on first use.
  let pool: VerityPool | undefined;
  const verityPool = () => (pool ??= createVerityPool());

  const session = (imageId: ImageId): Session => {
    const s = sessions.get(imageId);
    if (!s) throw new Error(`no open image with id ${imageId}`);
    return s;
  };

  const listing = async (s: Session, dirId: number): Promise<DirEntry[]> => {
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
  };

  const pathOf = (s: Session, id: number): string | undefined => s.paths.get(id);

  const remember = (s: Session, parentId: number, e: DirEntry): string => {
    const parent = s.paths.get(parentId) ?? `/#${parentId}`;
    const path = joinDisplay(parent, displayBytes(e.name));
    if (!s.paths.has(e.id)) {
      s.paths.set(e.id, path);
      if (e.range) s.dirents.set(e.id, e.range);
    }
    return path;
  };

  const treeEntry = async (s: Session, parentId: number, e: DirEntry): Promise<TreeEntry> => {
    remember(s, parentId, e);
    const name = displayBytes(e.name);
    let node: ImageNode;
    try {
      node = await s.reader.node(e.id);
    } catch {
      // An undecodable inode still shows in the tree under its name; selecting it shows the error.
      return { id: e.id, name, kind: e.kind };
    }
    const view = composefsView(node);
    const kind = kindOfMode(view.mode);
    const entry: TreeEntry = { id: e.id, name, kind };
    if (kind === 'dir') {
      try {
        entry.childCount = (await listing(s, e.id)).length;
      } catch {
        // Left unknown: the tree then offers to expand it, and expanding reports the error.
      }
    }
    if (view.payload) entry.redirect = displayBytes(view.payload);
    if (node.target) entry.symlinkTarget = displayBytes(node.target);
    if (view.whiteout) entry.whiteout = true;
    // mkcomposefs adds char 0:0 entries 00..ff to every root (not escaped, unlike the user's own).
    if (parentId === s.reader.rootId && isRealWhiteout(node) && ROOT_WHITEOUT_NAME.test(name)) entry.hidden = true;
    return entry;
  };

  const hardlinkIndex = (s: Session): Promise<Map<number, string[]>> => {
    s.hardlinks ??= (async () => {
      const names = new Map<number, string[]>();
      await walk(s.reader, (w) => {
        if (w.node.kind === 'dir' || w.node.nlink < 2) return;
        const p = displayBytes(w.path);
        const list = names.get(w.id);
        if (list) list.push(p);
        else names.set(w.id, [p]);
      });
      return names;
    })();
    return s.hardlinks;
  };

  /** Resolves a display path (escapes as displayBytes writes them) to a node id, remembering paths on the way. */
  const resolvePath = async (s: Session, path: string): Promise<number | null> => {
    const parts = path.split('/').filter((p) => p.length > 0);
    let id = s.reader.rootId;
    for (const part of parts) {
      const want = parseDisplay(part);
      if (!want) return null;
      let entries: DirEntry[];
      try {
        entries = await listing(s, id);
      } catch {
        return null;
      }
      const hit = entries.find((e) => bytesEqual(e.name, want));
      if (!hit) return null;
      remember(s, id, hit);
      id = hit.id;
    }
    return id;
  };

  /**
   * The selected file's object, checked as a verify job would check it: found in a store, the size
   * the inode records, and (when small enough to do at once) the fs-verity digest the metacopy records.
   */
  const measureOne = async (s: Session, nodeId: number, view: ComposefsView): Promise<VerityResult | undefined> => {
    if (!view.payload || measureMax <= 0) return undefined;
    const path = s.paths.get(nodeId) ?? `#${nodeId}`;
    const digest = view.digest ?? view.legacyDigest;
    const base: VerityResult = { nodeId, path, status: 'missing', expectedSize: view.size, ...(digest ? { expected: toHex(digest) } : {}) };
    const r = resolveObject(s.summary.objectStores, view.payload);
    if (!r.ok) return { ...base, status: r.reason, message: r.message, ...(r.path ? { objectPath: r.path } : {}) };
    const where = { objectPath: r.path, actualSize: r.size };
    if (r.size !== view.size) return { ...base, ...where, status: 'size-mismatch', message: `object is ${r.size} bytes, the inode says ${view.size}` };
    if (!digest) return { ...base, ...where, status: 'no-digest', message: 'no fs-verity digest recorded for this file' };
    if (r.size > measureMax) return undefined;
    try {
      const d = await verityPool().digestFile(r.path, { size: r.size, noFollow: true });
      const actual = toHex(d.digest);
      return bytesEqual(d.digest, digest)
        ? { ...base, ...where, status: 'verified', actual }
        : { ...base, ...where, status: 'mismatch', actual, message: 'the object does not have the fs-verity digest recorded in the image' };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { ...base, ...where, status: code === 'ENOENT' ? 'missing' : 'unreadable', message: (e as Error).message };
    }
  };

  const summaryOf = (s: Session): ImageSummary => ({ ...s.summary, objectStores: [...s.summary.objectStores] });

  const openSession = async (full: string): Promise<ImageSummary> => {
    const reader = await openReader(full);
    const warm = (reader as Partial<{ prefetchAll(limit: number): Promise<boolean> }>).prefetchAll;
    if (warm) {
      try {
        await warm.call(reader, PREFETCH_LIMIT);
      } catch {
        // Only a head start: every later read still goes to the file and reports its own errors.
      }
    }
    let stores: string[];
    try {
      stores = await findStores(full);
    } catch {
      stores = [];
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

  const api: Inspector = {
    async openImage(path) {
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

    async closeImage(imageId) {
      const s = sessions.get(imageId);
      if (!s) return;
      sessions.delete(imageId);
      search.drop(imageId);
      for (const job of s.jobs.values()) job.abort();
      await s.reader.close();
    },

    async listImages() {
      return [...sessions.values()].map(summaryOf);
    },

    async children(imageId, nodeId, start = 0, count = MAX_PAGE) {
      const s = session(imageId);
      const all = await listing(s, nodeId);
      const from = Math.max(0, Math.min(start, all.length));
      const slice = all.slice(from, from + Math.max(0, Math.min(count, MAX_PAGE)));
      const entries: TreeEntry[] = [];
      for (const e of slice) entries.push(await treeEntry(s, nodeId, e));
      const page: ChildPage = { total: all.length, start: from, entries };
      return page;
    },

    async node(imageId, nodeId) {
      const s = session(imageId);
      const node = await s.reader.node(nodeId);
      const view = composefsView(node);
      let path = pathOf(s, nodeId);
      if (path === undefined) {
        // Reached by id alone (a finding without a path): one walk finds its first name.
        const names = await hardlinkIndex(s);
        path = names.get(nodeId)?.[0];
        if (path === undefined) {
          await walk(s.reader, (w) => {
            if (!s.paths.has(w.id)) s.paths.set(w.id, displayBytes(w.path));
          });
          path = pathOf(s, nodeId) ?? `#${nodeId}`;
        }
      }
      const d: NodeDetails = {
        id: nodeId,
        path,
        name: path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1),
        kind: kindOfMode(view.mode),
        mode: view.mode,
        modeString: modeString(view.mode),
        uid: node.uid,
        gid: node.gid,
        size: view.size,
        mtime: { ...node.mtime },
        mtimeText: mtimeText(node.mtime.sec, node.mtime.nsec),
        nlink: node.nlink,
        xattrs: xattrViews(node.xattrs, view),
        ranges: [...(s.dirents.has(nodeId) ? [{ ...s.dirents.get(nodeId)!, label: 'dirent' }] : []), ...node.ranges],
        findings: nodeFindings(s, nodeId),
      };
      const type = view.mode & S_IFMT;
      if (type === S_IFCHR || type === S_IFBLK) d.rdev = decodeRdev(view.rdev);
      if (node.ino !== undefined) d.ino = node.ino;
      if (node.layout) d.layout = node.layout;
      if (node.target) d.symlinkTarget = displayBytes(node.target);
      if (view.payload) d.redirect = displayBytes(view.payload);
      const digest = view.digest ?? view.legacyDigest;
      if (digest) d.digest = toHex(digest);
      if (view.whiteout) d.whiteout = true;
      if (view.opaque) d.opaque = true;
      if (type === S_IFREG && !view.payload && node.size > 0 && node.data.kind !== 'none' && node.data.kind !== 'external') {
        try {
          d.inlineHex = toHex(await s.reader.readData(nodeId, 0, Math.min(node.size, MAX_INLINE_SHOWN)));
          d.dataKind = node.data.kind;
        } catch {
          // The data ranges are in `ranges`; a finding reports why they cannot be read.
        }
      }
      let v = s.verity.get(nodeId);
      if (!v) {
        v = await measureOne(s, nodeId, view);
        if (v) s.verity.set(nodeId, v);
      }
      if (v) d.verity = v;
      if (node.kind !== 'dir' && node.nlink > 1) {
        const names = (await hardlinkIndex(s)).get(nodeId) ?? [];
        d.hardlinks = names.filter((p) => p !== path);
      }
      return d;
    },

    async lookup(imageId, path) {
      return resolvePath(session(imageId), path);
    },

    async bytes(imageId, offset, length) {
      const s = session(imageId);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new Error(`bad byte range ${offset}+${length}`);
      }
      const n = Math.max(0, Math.min(length, MAX_BYTES, s.reader.size - offset));
      if (n === 0) return new Uint8Array(0);
      return s.reader.bytes(offset, n);
    },

    async check(imageId) {
      const s = session(imageId);
      s.checkRun ??= (async () => {
        try {
          const r = await checkImage(s.reader, { maxFindings });
          const report: CheckReport = { imageId, findings: r.findings, nodesChecked: r.nodesChecked, truncated: r.truncated };
          s.check = report;
          s.findingsByNode = new Map();
          for (const f of r.findings) {
            if (f.nodeId === undefined) continue;
            const list = s.findingsByNode.get(f.nodeId);
            if (list) list.push(f);
            else s.findingsByNode.set(f.nodeId, [f]);
          }
          return report;
        } finally {
          s.checkRun = undefined;
        }
      })();
      return s.checkRun;
    },

    async setObjectStores(imageId, dirs) {
      const s = session(imageId);
      for (const d of dirs) if (typeof d !== 'string' || !isAbsolute(d)) throw new Error(`object store must be an absolute path: ${String(d)}`);
      s.summary = { ...s.summary, objectStores: [...new Set(dirs.map((d) => resolve(d)))] };
      // Results were measured against the old stores; they say nothing about the new ones.
      s.verity.clear();
      return summaryOf(s);
    },

    async verify(imageId, expectedImageDigest) {
      const s = session(imageId);
      // A malformed digest is the caller's mistake: say so now rather than as a failed job later.
      if (expectedImageDigest !== undefined) normalizeDigest(expectedImageDigest);
      const jobId = `verify-${nextJob++}`;
      const abort = new AbortController();
      s.jobs.set(jobId, abort);
      // Starts on the next turn so the caller has the job id before the first event can arrive.
      setImmediate(async () => {
        let summary: VerifySummary;
        try {
          const r = await verifyImage(s.reader, {
            imagePath: s.summary.path,
            stores: s.summary.objectStores,
            ...(expectedImageDigest ? { expectedImageDigest } : {}),
            signal: abort.signal,
            pool: verityPool(),
            onProgress: (p) => progress.emit({ jobId, ...p }),
            onResult: (r) => s.verity.set(r.nodeId, r),
          });
          for (const x of r.results) s.verity.set(x.nodeId, x);
          summary = {
            jobId,
            imageId,
            cancelled: r.cancelled,
            counts: r.counts,
            results: r.results,
            ...(r.imageDigest ? { imageDigest: r.imageDigest } : {}),
            ...(r.expectedImageDigest ? { expectedImageDigest: r.expectedImageDigest } : {}),
          };
        } catch {
          summary = { jobId, imageId, cancelled: true, counts: {}, results: [] };
        } finally {
          s.jobs.delete(jobId);
        }
        done.emit(summary);
      });
      return { jobId };
    },

    async cancelVerify(jobId) {
      for (const s of sessions.values()) s.jobs.get(jobId)?.abort();
    },

    onVerifyProgress: (cb) => progress.on(cb),
    onVerifyDone: (cb) => done.on(cb),

    async diff(a, b, options?: DiffOptions): Promise<DiffReport> {
      const r = await diffImages(session(a).reader, session(b).reader, options);
      for (const c of r.changes) for (const f of c.fields) readableField(f);
      return { a, b, counts: r.counts, changes: r.changes };
    },

    async search(imageId, query, limit) {
      return search.search(imageId, session(imageId).reader, query, limit);
    },

    async content(imageId, nodeId, offset, length) {
      const s = session(imageId);
      return previewSlice(s.reader, createResolver(s.summary.objectStores), nodeId, offset, length);
    },

    async closeAll() {
      await Promise.all([...sessions.keys()].map((id) => api.closeImage(id)));
      const p = pool;
      pool = undefined;
      await p?.close();
    },
  };
  return api;
}

/** The last check's findings for a node plus what decoding it reported since (without repeats). */
function nodeFindings(s: Session, nodeId: number): Finding[] {
  const out = [...(s.findingsByNode.get(nodeId) ?? [])];
  const seen = new Set(out.map((f) => `${f.code}@${f.offset}+${f.length}`));
  for (const f of s.reader.findings()) {
    if (f.nodeId !== nodeId || seen.has(`${f.code}@${f.offset}+${f.length}`)) continue;
    out.push(f);
  }
  return out;
}

const joinDisplay = (parent: string, name: string): string => (parent === '/' ? '/' + name : parent + '/' + name);

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
  const ns = String(nsec).padStart(9, '0');
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
