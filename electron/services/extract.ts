/**
 * Rebuilds an image's tree on disk, as `fsck.erofs --extract` does: content, modes, ownership
 * (when root), mtimes, symlinks, hard links, device nodes and xattrs where the platform allows.
 *
 * The image is untrusted: whatever its names and symlinks say, nothing is written outside DEST.
 * Every path is built here one validated name at a time ('', '.', '..', '/' and NUL are refused),
 * under directories this run created (or, with `force`, found as real directories), and every leaf
 * is created with O_CREAT|O_EXCL|O_NOFOLLOW, so a symlink the image planted is never followed.
 * A name met twice in one directory is reported and skipped, never merged or overwritten.
 * Missing or damaged backing objects are reported and skipped; the rest goes on.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  ftruncateSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { composefsView, type ComposefsContent } from '../../shared/composefs/overlay.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  isUtf8,
  type ImageNode,
  type ImageReader,
  type Xattr,
} from '../../shared/model.ts';
import { walk, type WalkEntry, type WalkProblem } from '../../shared/walk.ts';
import { DecodeError, hex } from '../../shared/bytes/cursor.ts';
import { ContentError, contentOrigin, copyVerified, lookupImagePath } from './content.ts';
import type { Resolver } from '../verity/store.ts';

export interface ExtractProblem {
  /** Image path, in display form. */
  path: string;
  reason: 'missing' | 'escape' | 'unreadable' | 'size-mismatch' | 'mismatch' | 'name' | 'duplicate' | 'exists' | 'io' | 'decode' | 'walk';
  message: string;
}

export interface ExtractCounters {
  entries: number;
  files: number;
  bytes: number;
}

export interface ExtractOptions {
  dest: string;
  resolver?: Resolver;
  /** Image path of the subtree to extract (its node becomes DEST). */
  subtree?: Uint8Array;
  /** Write into a DEST that is not empty, replacing what is in the way (never a directory with a file). */
  force?: boolean;
  /** Restore ownership; by default only when running as root (as fsck.erofs does). */
  preserveOwner?: boolean;
  onProgress?: (c: ExtractCounters) => void;
  signal?: AbortSignal;
}

export interface ExtractOutcome {
  counters: ExtractCounters;
  problems: ExtractProblem[];
  /** xattrs the platform would not take (e.g. user.* on a symlink), as "name: why" lines. */
  xattrsNotSet: string[];
  /** Device nodes, fifos and sockets that could not be made (not root, no mknod). */
  specialsNotMade: string[];
}

const describeDecodeError = (e: unknown): string =>
  e instanceof DecodeError ? `${e.message} [${e.code} at ${hex(e.offset)}]` : String((e as Error)?.message ?? e);

/** Thrown before anything is written: DEST is not fit to extract into. */
export class ExtractRefused extends Error {}

interface XattrApi {
  setAttributeSync(path: string, name: string, value: Uint8Array): void;
}

/** The xattr binding is optional: without it, xattrs are reported as not set rather than failing. */
function loadXattrApi(): XattrApi | undefined {
  try {
    return createRequire(import.meta.url)('@napi-rs/xattr') as XattrApi;
  } catch {
    return undefined;
  }
}

/** A name that can be one path component on the host, or why not. */
export function nameProblem(name: Uint8Array): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.length === 1 && name[0] === 0x2e) return "name '.'";
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) return "name '..'";
  if (name.includes(0x2f)) return "name contains '/'";
  if (name.includes(0)) return 'name contains a NUL byte';
  if (name.length > 255) return `name is ${name.length} bytes (the host allows 255)`;
  return undefined;
}

/**
 * Host paths are Buffers: names are bytes, and a string path would be re-encoded as UTF-8.
 * Tools that only take strings (the xattr binding, mknod, touch) are given UTF-8 paths only.
 */
type Host = Buffer;
const child = (parent: Host, name: Uint8Array): Host => Buffer.concat([parent, SLASH, name]);
const SLASH = Buffer.from('/');
const key = (h: Host): string => h.toString('latin1');
const asText = (h: Host): string | undefined => (isUtf8(h) ? h.toString('utf8') : undefined);

/** Prepares DEST: created when absent; refused when not empty (unless forced) or not a directory. */
function prepareDest(dest: string, force: boolean): Host {
  let st;
  try {
    st = lstatSync(dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dest, { recursive: true, mode: 0o755 });
    return Buffer.from(realpathSync.native(dest));
  }
  const real = realpathSync.native(dest);
  if (!lstatSync(real).isDirectory()) throw new ExtractRefused(`${dest}: exists and is not a directory`);
  if (!force && readdirSync(real).length > 0) throw new ExtractRefused(`${dest}: is not empty (use --force to write into it)`);
  return Buffer.from(real);
}

/** Clears the way for a new leaf at `p` when forced; false (and a problem) when a directory is there. */
function clearLeaf(p: Host, force: boolean): 'clear' | 'dir' | 'exists' {
  const st = lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 'clear';
  if (st.isDirectory()) return 'dir';
  if (!force) return 'exists';
  unlinkSync(p);
  return 'clear';
}

/** Entry-level metadata of the tree as mounted: the composefs reading for composefs images. */
function viewOf(reader: ImageReader, node: ImageNode): ComposefsContent {
  if (reader.format === 'composefs' || reader.format === 'legacy-cfs') return composefsView(node);
  return { mode: node.mode, size: node.size, rdev: node.rdev, xattrs: node.xattrs, whiteout: false, opaque: false };
}

const mknodArgs = (type: number, rdev: number): string[] | undefined => {
  // Linux's new_encode_dev layout, as the readers store rdev.
  const major = (rdev >>> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  if (type === S_IFCHR) return ['c', String(major), String(minor)];
  if (type === S_IFBLK) return ['b', String(major), String(minor)];
  if (type === S_IFIFO) return ['p'];
  return undefined;
};

/** sec + nsec/1e9 as exact decimal text ("-1.500000000" for sec -2, nsec 500000000). */
export function decimalTime(sec: number, nsec: number): string {
  if (sec >= 0 || nsec === 0) return `${sec}.${String(nsec).padStart(9, '0')}`;
  return `-${-sec - 1}.${String(1e9 - nsec).padStart(9, '0')}`;
}

/** A path as one sh word: single-quoted, with its own single quotes spliced in. */
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Nanosecond mtimes through touch(1), many paths per line, all in one sh run: a spawn from a
 * process this size costs ~100 ms, so one per timestamp would be most of an extraction's time.
 * Best effort, like the rest of the metadata.
 */
function setNanoTimes(byTime: Map<string, string[]>): void {
  const BATCH = 256;
  const lines: string[] = [];
  for (const [time, hosts] of byTime) {
    for (let i = 0; i < hosts.length; i += BATCH) lines.push(`touch -h -d @${time} -- ${hosts.slice(i, i + BATCH).map(shQuote).join(' ')}`);
  }
  if (lines.length) spawnSync('sh', ['-s'], { input: lines.join('\n') + '\n', stdio: ['pipe', 'ignore', 'ignore'] });
}

export async function extractImage(reader: ImageReader, o: ExtractOptions): Promise<ExtractOutcome> {
  const force = o.force ?? false;
  let source = reader;
  if (o.subtree) {
    const found = await lookupImagePath(reader, o.subtree);
    if ('missing' in found) throw new ExtractRefused(`${displayBytes(o.subtree)}: ${found.missing}`);
    if (found.node.kind !== 'dir') throw new ExtractRefused(`${displayBytes(o.subtree)}: is not a directory (cat writes one file)`);
    // The walk starts at the subtree's node; everything else about the reader stays the same.
    source = Object.create(reader, { rootId: { value: found.id } }) as ImageReader;
  }
  const root = prepareDest(o.dest, force);
  const preserveOwner = o.preserveOwner ?? process.getuid?.() === 0;
  const xattrApi = loadXattrApi();
  const counters: ExtractCounters = { entries: 0, files: 0, bytes: 0 };
  const problems: ExtractProblem[] = [];
  const xattrsNotSet: string[] = [];
  const specialsNotMade: string[] = [];
  /** Host directory per walk depth; null under a directory that could not be made. */
  const dirAt: (Host | null)[] = [];
  /** Directories' final mode/owner/mtime, applied deepest first once their contents are written. */
  const dirsToFinish: { host: Host; view: ComposefsContent; node: ImageNode }[] = [];
  /** Host paths made in this run: a second entry of the same name is a duplicate, never a merge. */
  const made = new Set<string>();
  /** Hosts whose mtime has nanoseconds Node cannot set, by "sec.nsec". */
  const nanoTimes = new Map<string, string[]>();
  /** First host path of each non-directory node, for hard links. */
  const linkTarget = new Map<number, Host>();
  let lastProgress = 0;
  const problem = (path: Uint8Array | string, reason: ExtractProblem['reason'], message: string) =>
    problems.push({ path: typeof path === 'string' ? path : displayBytes(path), reason, message });

  const setXattrs = (host: Host, xattrs: Xattr[], path: Uint8Array) => {
    for (const x of xattrs) {
      const name = displayBytes(x.name);
      if (!xattrApi) {
        xattrsNotSet.push(`${displayBytes(path)}: ${name}: no xattr support in this build`);
        continue;
      }
      if (!isUtf8(x.name) || x.name.includes(0)) {
        xattrsNotSet.push(`${displayBytes(path)}: ${name}: the name is not valid UTF-8`);
        continue;
      }
      const text = asText(host);
      if (text === undefined) {
        xattrsNotSet.push(`${displayBytes(path)}: ${name}: the xattr binding takes no non-UTF-8 path`);
        continue;
      }
      try {
        xattrApi.setAttributeSync(text, Buffer.from(x.name).toString('utf8'), x.value);
      } catch (e) {
        xattrsNotSet.push(`${displayBytes(path)}: ${name}: ${(e as Error).message}`);
      }
    }
  };

  const finishLeaf = (host: Host, view: ComposefsContent, node: ImageNode, isLink: boolean) => {
    if (preserveOwner) lchownSync(host, node.uid, node.gid);
    if (!isLink) chmodSync(host, view.mode & 0o7777);
    const t = node.mtime.sec + node.mtime.nsec / 1e9;
    if (isLink) lutimesSync(host, t, t);
    else utimesSync(host, t, t);
    // Node sets times to the microsecond; the rest is put right by touch(1) at the end.
    const text = asText(host);
    if (node.mtime.nsec % 1000 !== 0 && text !== undefined) {
      const time = decimalTime(node.mtime.sec, node.mtime.nsec);
      (nanoTimes.get(time) ?? nanoTimes.set(time, []).get(time)!).push(text);
    }
  };

  const writeFile = async (host: Host, e: WalkEntry, view: ComposefsContent): Promise<boolean> => {
    const origin = contentOrigin(e.node, view, o.resolver);
    if (origin.kind === 'unavailable') {
      problem(e.path, origin.reason, `${origin.message}${origin.objectPath ? ` (${origin.objectPath})` : ''}`);
      return false;
    }
    const fd = openSync(host, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    made.add(key(host));
    let ok = false;
    try {
      if (origin.kind === 'hole') {
        ftruncateSync(fd, view.size); // sparse, as the image is
        ok = true;
      } else {
        const r = await copyVerified(reader, e.id, view.size, origin, (piece) => {
          for (let off = 0; off < piece.length; ) off += writeSync(fd, piece, off, piece.length - off);
        });
        if (r.verified === false) {
          const expected = origin.kind === 'object' && origin.digest ? Buffer.from(origin.digest).toString('hex') : '';
          problem(e.path, 'mismatch', `expected sha256:${expected}, object has sha256:${r.actual}${origin.kind === 'object' ? ` (${origin.path})` : ''}`);
        } else ok = true;
      }
    } catch (err) {
      if (err instanceof ContentError) problem(e.path, err.reason, `${err.message}${err.objectPath ? ` (${err.objectPath})` : ''}`);
      else if ((err as NodeJS.ErrnoException).syscall) problem(e.path, 'io', (err as Error).message);
      else problem(e.path, 'decode', describeDecodeError(err));
    } finally {
      closeSync(fd);
    }
    if (!ok) {
      unlinkSync(host); // a skipped file leaves nothing half-written behind
      made.delete(key(host));
    }
    return ok;
  };

  const visit = async (e: WalkEntry): Promise<void> => {
    if (o.signal?.aborted) throw new Error('extraction cancelled');
    dirAt.length = e.depth + 1;
    const view = viewOf(reader, e.node);
    const type = view.mode & S_IFMT;
    let host: Host;
    if (e.depth === 0) {
      host = root;
    } else {
      const parent = dirAt[e.depth - 1];
      dirAt[e.depth] = null;
      if (!parent) return; // under a directory that was refused: already reported once
      const bad = nameProblem(e.entry!.name);
      if (bad) return void problem(e.path, 'name', `${bad}: not extracted${type === S_IFDIR ? ' (nor anything under it)' : ''}`);
      host = child(parent, e.entry!.name);
      if (made.has(key(host))) return void problem(e.path, 'duplicate', 'a second entry of this name in its directory: not extracted');
    }
    try {
      if (type === S_IFDIR) {
        if (e.depth > 0) {
          const st = lstatSync(host, { throwIfNoEntry: false });
          if (st && !st.isDirectory()) {
            if (!force) return void problem(e.path, 'exists', 'something else is already there: not replaced without --force');
            unlinkSync(host);
          }
          if (!st || !st.isDirectory()) mkdirSync(host, { mode: 0o700 });
          made.add(key(host));
        }
        chmodSync(host, 0o700); // writable by us until its contents are in
        dirAt[e.depth] = host;
        setXattrs(host, view.xattrs, e.path);
        dirsToFinish.push({ host, view, node: e.node });
        counters.entries++;
        return;
      }
      const way = clearLeaf(host, force);
      if (way !== 'clear') {
        return void problem(e.path, 'exists', way === 'dir' ? 'a directory is already there: not replaced' : 'something is already there: not replaced without --force');
      }
      if (e.hardlinkOf) {
        const first = linkTarget.get(e.id);
        if (!first) return void problem(e.path, 'io', `hard link to ${displayBytes(e.hardlinkOf)}, which was not extracted`);
        linkSync(first, host);
        made.add(key(host));
        counters.entries++;
        return;
      }
      if (type === S_IFREG) {
        if (!(await writeFile(host, e, view))) return;
        counters.files++;
        counters.bytes += view.size;
      } else if (type === S_IFLNK) {
        const target = e.node.target ?? new Uint8Array();
        if (target.includes(0) || target.length === 0) return void problem(e.path, 'name', 'symlink target is empty or holds a NUL byte: not extracted');
        // Written as it is: the target is only text here; nothing below ever resolves through it.
        symlinkSync(Buffer.from(target), host);
        made.add(key(host));
      } else {
        const args = mknodArgs(type, view.rdev);
        const text = asText(host);
        const how = args && text !== undefined && spawnSync('mknod', ['-m', '600', '--', text, ...args], { stdio: 'ignore' });
        if (!how || how.status !== 0) {
          const why = type === S_IFSOCK ? 'sockets are not made' : text === undefined ? 'mknod takes no non-UTF-8 path' : 'mknod failed (not root?)';
          specialsNotMade.push(`${displayBytes(e.path)}: ${why}`);
          return;
        }
        made.add(key(host));
      }
      if (e.node.nlink > 1) linkTarget.set(e.id, host);
      setXattrs(host, view.xattrs, e.path);
      finishLeaf(host, view, e.node, type === S_IFLNK);
      counters.entries++;
    } catch (err) {
      problem(e.path, 'io', (err as Error).message);
    } finally {
      const now = Date.now();
      if (o.onProgress && now - lastProgress >= 100) {
        lastProgress = now;
        o.onProgress({ ...counters });
      }
    }
  };

  const onProblem = (p: WalkProblem) =>
    problem(p.path, 'walk', p.reason === 'decode' ? describeDecodeError(p.error) : p.reason === 'too-deep' ? 'tree too deep; not followed' : `directory reached twice (${p.reason}); not followed`);

  await walk(source, visit, {
    onProblem,
    // Whiteouts composefs hides (the 256 "00".."ff" in the root) are no part of the mounted tree.
    ...(reader.format === 'composefs' ? { skip: (node: ImageNode) => (node.mode & S_IFMT) === S_IFCHR && node.rdev === 0 } : {}),
  });
  for (let i = dirsToFinish.length - 1; i >= 0; i--) {
    const d = dirsToFinish[i]!;
    try {
      finishLeaf(d.host, d.view, d.node, false);
    } catch (err) {
      problem(displayBytes(d.host), 'io', (err as Error).message);
    }
  }
  setNanoTimes(nanoTimes);
  o.onProgress?.({ ...counters });
  return { counters, problems, xattrsNotSet, specialsNotMade };
}
