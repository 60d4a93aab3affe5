/**
 * Building a dump tree from code instead of text: a list of entries with paths, defaults for
 * everything else, parent directories made on the way. Used by the sample generator and by tests
 * that need small images; the tree goes to writeComposefs like a parsed dump.
 */
import { addChild, isDir, lookupChild, newEntry, resolveHardlinks, setXattr, type DumpEntry, type PendingLink } from './dumpfile.ts';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, fromHex, stringToBytes, toHex } from '../model.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket' | 'whiteout' | 'hardlink';

export interface EntrySpec {
  /** Absolute path, '/'-separated; a string is UTF-8 encoded, bytes are taken as they are. */
  path: string | Uint8Array;
  /** Defaults to 'file'. */
  type?: EntryType;
  /** Permission bits (and setuid/setgid/sticky); the type bits come from `type`. */
  perm?: number;
  uid?: number;
  gid?: number;
  /** Seconds, or seconds and nanoseconds. Defaults to 0. */
  mtime?: number | bigint | { sec: number | bigint; nsec: number };
  /** Inline content of a small regular file (at most 5000 bytes). */
  content?: string | Uint8Array;
  /** Size of a regular file whose data lives in the object store. */
  size?: number | bigint;
  /** Backing object path (relative to the object store) of an external file. */
  payload?: string | Uint8Array;
  /** fs-verity digest of the backing object: 32 bytes (sha256) or 64 (sha512, format 2 only), or their hex. */
  digest?: string | Uint8Array;
  /** Symlink target, or for a hardlink the path of the file it is another name of. */
  target?: string | Uint8Array;
  /** Device number for character and block devices. */
  rdev?: number | bigint;
  nlink?: number;
  /** Values as strings (UTF-8) or bytes; names in full ("user.foo", "security.selinux"). */
  xattrs?: Record<string, string | Uint8Array> | [string | Uint8Array, string | Uint8Array][];
}

const bytes = (v: string | Uint8Array) => (typeof v === 'string' ? stringToBytes(v) : v);

const TYPE_BITS: Record<Exclude<EntryType, 'hardlink' | 'whiteout'>, number> = {
  file: S_IFREG,
  dir: S_IFDIR,
  symlink: S_IFLNK,
  chardev: S_IFCHR,
  blockdev: S_IFBLK,
  fifo: S_IFIFO,
  socket: S_IFSOCK,
};

const DEFAULT_PERM: Record<EntryType, number> = {
  file: 0o644,
  dir: 0o755,
  symlink: 0o777,
  chardev: 0o644,
  blockdev: 0o644,
  fifo: 0o644,
  socket: 0o755,
  whiteout: 0o644,
  hardlink: 0o644,
};

/** The object store path of a digest: "XX/<62 hex>". */
export function objectPath(digest: Uint8Array): string {
  const hex = toHex(digest);
  return `${hex.slice(0, 2)}/${hex.slice(2)}`;
}

function splitPath(path: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === 0x2f) {
      if (i > start) parts.push(path.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function applyFields(e: DumpEntry, spec: EntrySpec): void {
  const t = spec.type ?? 'file';
  if (spec.uid !== undefined) e.uid = spec.uid;
  if (spec.gid !== undefined) e.gid = spec.gid;
  if (spec.nlink !== undefined) e.nlink = spec.nlink;
  if (spec.mtime !== undefined) {
    e.mtime =
      typeof spec.mtime === 'object'
        ? { sec: BigInt(spec.mtime.sec), nsec: spec.mtime.nsec }
        : { sec: BigInt(spec.mtime), nsec: 0 };
  }
  if (t === 'symlink') {
    if (spec.target === undefined) throw new Error(`symlink ${String(spec.path)} needs a target`);
    e.payload = bytes(spec.target);
    e.size = BigInt(e.payload.length);
  }
  if (t === 'chardev' || t === 'blockdev') e.rdev = BigInt(spec.rdev ?? 0);
  if (t === 'file') {
    if (spec.content !== undefined) {
      const c = bytes(spec.content);
      if (c.length > 0) e.content = c;
      e.size = BigInt(c.length);
    } else if (spec.size !== undefined) {
      e.size = BigInt(spec.size);
    }
    if (spec.payload !== undefined) e.payload = bytes(spec.payload);
    if (spec.digest !== undefined) {
      const d = typeof spec.digest === 'string' ? fromHex(spec.digest) : spec.digest;
      if (!d || (d.length !== 32 && d.length !== 64)) throw new Error(`digest of ${String(spec.path)} must be 32 (sha256) or 64 (sha512) bytes`);
      e.digest = d;
      // A digest alone names its object, as mkcomposefs --digest-store does.
      if (spec.payload === undefined) e.payload = stringToBytes(objectPath(d));
    }
  }
  const xs = spec.xattrs === undefined ? [] : Array.isArray(spec.xattrs) ? spec.xattrs : Object.entries(spec.xattrs);
  for (const [k, v] of xs) setXattr(e, bytes(k), bytes(v));
}

/**
 * Builds the tree the entries describe. The root ("/") may be listed to set its fields; missing
 * parent directories are created with the root's owner and mtime. Hardlinks are resolved last, so
 * they may name entries listed after them.
 */
export function treeFromSpecs(specs: EntrySpec[]): DumpEntry {
  const rootSpec = specs.find((s) => splitPath(bytes(s.path)).length === 0);
  const root = newEntry(S_IFDIR | (rootSpec?.perm ?? 0o755));
  if (rootSpec) applyFields(root, { ...rootSpec, type: 'dir' });
  const links: PendingLink[] = [];
  const explicitNlink = new Set<DumpEntry>();
  for (const spec of specs) {
    if (spec === rootSpec) continue;
    const parts = splitPath(bytes(spec.path));
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = lookupChild(dir, part);
      if (!next) {
        next = newEntry(S_IFDIR | 0o755, part);
        next.uid = root.uid;
        next.gid = root.gid;
        next.mtime = root.mtime;
        addChild(dir, next);
      }
      if (!isDir(next)) throw new Error(`${String(spec.path)}: a parent is not a directory`);
      dir = next;
    }
    const t = spec.type ?? 'file';
    const perm = spec.perm ?? DEFAULT_PERM[t];
    const typeBits = t === 'hardlink' ? S_IFREG : t === 'whiteout' ? S_IFCHR : TYPE_BITS[t];
    const e = newEntry(typeBits | perm, parts[parts.length - 1]!);
    if (t === 'hardlink') {
      if (spec.target === undefined) throw new Error(`hardlink ${String(spec.path)} needs a target`);
      links.push({ entry: e, target: bytes(spec.target), line: 0 });
    } else {
      applyFields(e, spec);
      if (spec.nlink !== undefined) explicitNlink.add(e);
    }
    addChild(dir, e);
  }
  resolveHardlinks(root, links);
  for (const { entry } of links) {
    const target = entry.linkTo!;
    // A hardlink line carries its target's mode, as composefs-info prints it; each name counts
    // in the target's link count unless the spec set one.
    entry.mode = target.mode;
    if (!explicitNlink.has(target)) target.nlink++;
  }
  return root;
}
