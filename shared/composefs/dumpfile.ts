/**
 * Parser of the composefs-dump(5) text format, with the semantics of `mkcomposefs --from-file`
 * (composefs 1.0.8, tools/mkcomposefs.c): one file per line, eleven space-separated fixed fields
 *
 *   PATH SIZE [@]MODE NLINK UID GID RDEV MTIME.NSEC PAYLOAD CONTENT DIGEST [KEY=VALUE ...]
 *
 * with `\\ \n \r \t \xNN` escapes and `-` for an absent optional field. The result is the tree
 * mkcomposefs builds before writing: children sorted by name bytes (strcmp order), hardlink
 * lines resolved to the entry they name, and every field narrowed to the C type it lands in
 * (uid, gid, nlink and mode are 32-bit; size, rdev and mtime stay 64-bit).
 *
 * Like mkcomposefs, the default is the non-strict parse; `strict` adds the checks of
 * CFS_PARSE_STRICT=1 (rdev only on devices, symlink size = target length, trailing newline).
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, compareBytes } from '../model.ts';

/** LCFS_INLINE_CONTENT_MAX: the largest CONTENT field mkcomposefs accepts. */
export const LCFS_INLINE_CONTENT_MAX = 5000;
/** LCFS_DIGEST_SIZE: a sha256 fs-verity digest. */
export const LCFS_DIGEST_SIZE = 32;
/** Longest name of one path component (LCFS_MAX_NAME_LENGTH / EROFS_NAME_LEN). */
export const LCFS_MAX_NAME_LENGTH = 255;
/** XATTR_NAME_MAX and the u16 value size of an EROFS xattr entry. */
export const XATTR_NAME_MAX = 255;
export const XATTR_VALUE_MAX = 0xffff;
/** PATH_MAX: payloads (symlink targets, backing paths) must be shorter. */
export const PATH_MAX = 4096;

export interface DumpXattr {
  name: Uint8Array;
  value: Uint8Array;
}

export interface DumpTime {
  /** Seconds since the epoch (signed 64-bit, as struct timespec's tv_sec). */
  sec: bigint;
  /** Nanoseconds (unsigned 32-bit, as lcfs stores them). */
  nsec: number;
}

/** One file of the tree, as mkcomposefs holds it after parsing. */
export interface DumpEntry {
  /** Last path component; empty for the root. */
  name: Uint8Array;
  /** Full st_mode (type and permission bits), 32-bit. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Device number for character/block devices (64-bit as glibc dev_t; 0 otherwise). */
  rdev: bigint;
  /** st_size: for symlinks the target length, for inline files the content length. */
  size: bigint;
  mtime: DumpTime;
  /** Symlink target, or a regular file's backing path relative to the object store. */
  payload?: Uint8Array;
  /** Inline data of a small regular file (at most LCFS_INLINE_CONTENT_MAX bytes). */
  content?: Uint8Array;
  /** fs-verity digest of the backing file: LCFS_DIGEST_SIZE bytes, or 64 for sha512 (format 2 only). */
  digest?: Uint8Array;
  /** In the order given; a repeated name replaces the earlier value, as lcfs_node_set_xattr does. */
  xattrs: DumpXattr[];
  /** Directory entries sorted by name bytes; empty for non-directories. */
  children: DumpEntry[];
  /** For a hardlink line: the entry it is another name of (always a non-hardlink entry). */
  linkTo?: DumpEntry;
  /** 1-based line of the dump this entry came from (0 for entries made by code). */
  line: number;
}

export class DumpParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'DumpParseError';
  }
}

export interface DumpParseOptions {
  /** The checks mkcomposefs applies under CFS_PARSE_STRICT=1. */
  strict?: boolean;
}

const enc = new TextEncoder();
const BS = 0x5c; // '\\'
const SP = 0x20;
const NL = 0x0a;
const EQ = 0x3d;
const DOT = 0x2e;
const SLASH = 0x2f;
const DASH = 0x2d;
const AT = 0x40;

const VALID_TYPES = new Set([S_IFREG, S_IFDIR, S_IFLNK, S_IFBLK, S_IFCHR, S_IFSOCK, S_IFIFO]);
/** lcfs_validate_mode: the seven file types, nothing else. */
export const isValidMode = (mode: number): boolean => VALID_TYPES.has(mode & S_IFMT);

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Undoes the dump escapes. Throws a plain message; callers add the line number. */
export function unescapeField(field: Uint8Array): Uint8Array {
  // Most fields have no escapes: share the input's bytes instead of copying them.
  if (field.indexOf(BS) < 0) return field;
  const out = new Uint8Array(field.length);
  let n = 0;
  for (let i = 0; i < field.length; ) {
    const c = field[i++]!;
    if (c !== BS) {
      out[n++] = c;
      continue;
    }
    if (i >= field.length) throw new Error('no character after escape');
    const e = field[i++]!;
    switch (e) {
      case BS: out[n++] = BS; break;
      case 0x6e: out[n++] = 0x0a; break; // n
      case 0x72: out[n++] = 0x0d; break; // r
      case 0x74: out[n++] = 0x09; break; // t
      case 0x78: { // x
        if (i + 2 > field.length) throw new Error('no hex characters after hex escape');
        const hi = hexDigit(field[i]!);
        const lo = hexDigit(field[i + 1]!);
        if (hi < 0 || lo < 0) throw new Error('invalid hex characters after hex escape');
        out[n++] = (hi << 4) | lo;
        i += 2;
        break;
      }
      default:
        throw new Error(`unsupported escape type ${JSON.stringify(String.fromCharCode(e))}`);
    }
  }
  return out.slice(0, n);
}

/** C strings end at the first NUL: names, keys and payloads pass through strlen/strdup. */
function cString(b: Uint8Array): Uint8Array {
  const z = b.indexOf(0);
  return z < 0 ? b : b.subarray(0, z);
}

const isDash = (f: Uint8Array) => f.length === 1 && f[0] === DASH;

/**
 * strtoull as mkcomposefs uses it: optional leading space and sign, at least one digit, nothing
 * after; out-of-range values saturate at 2^64-1 and a minus sign negates modulo 2^64.
 */
function parseUnsigned(field: Uint8Array, base: 8 | 10, what: string): bigint {
  // Fast path for the plain digits nearly every line has.
  if (field.length > 0 && field.length <= 15) {
    let v = 0;
    let i = 0;
    for (; i < field.length; i++) {
      const d = field[i]! - 0x30;
      if (d < 0 || d >= base) break;
      v = v * base + d;
    }
    if (i === field.length) return BigInt(v);
  }
  const text = String.fromCharCode(...field);
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(text);
  const digitsOk = m && (base === 10 || /^[0-7]+$/.test(m[2]!));
  if (!m || !digitsOk) throw new Error(`invalid ${what} ${JSON.stringify(text)}`);
  let v = base === 10 ? BigInt(m[2]!) : BigInt('0o' + m[2]!);
  if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
  return m[1] === '-' ? BigInt.asUintN(64, -v) : v;
}

const u32 = (v: bigint) => Number(BigInt.asUintN(32, v));

function parseMtime(field: Uint8Array): DumpTime {
  const dot = field.indexOf(DOT);
  // Without a '.', the nanosecond part is empty, which strtoull rejects.
  const secField = dot < 0 ? field : field.subarray(0, dot);
  const nsecField = dot < 0 ? new Uint8Array(0) : field.subarray(dot + 1);
  const sec = BigInt.asIntN(64, parseUnsigned(secField, 10, 'mtime seconds'));
  const nsec = u32(parseUnsigned(nsecField, 10, 'mtime nanoseconds'));
  return { sec, nsec };
}

/** fs-verity digest sizes a dump may carry: sha256 (libcomposefs) and sha512 (composefs-rs repositories). */
const DIGEST_SIZES = [LCFS_DIGEST_SIZE, 64];

function parseDigest(text: Uint8Array): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  let ok = DIGEST_SIZES.includes(out.length) && text.length === out.length * 2;
  for (let i = 0; ok && i < out.length; i++) {
    const hi = hexDigit(text[2 * i]!);
    const lo = hexDigit(text[2 * i + 1]!);
    ok = hi >= 0 && lo >= 0;
    out[i] = (hi << 4) | lo;
  }
  if (!ok) {
    throw new Error(`digest must be ${LCFS_DIGEST_SIZE * 2} (sha256) or 128 (sha512) hex characters, got ${JSON.stringify(new TextDecoder().decode(text))}`);
  }
  return out;
}

/** A fresh entry with mkcomposefs's defaults (lcfs_node_new: nlink 1, everything else zero). */
export function newEntry(mode: number, name: Uint8Array = new Uint8Array(0)): DumpEntry {
  return {
    name,
    mode,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0n,
    size: 0n,
    mtime: { sec: 0n, nsec: 0 },
    xattrs: [],
    children: [],
    line: 0,
  };
}

export const isDir = (e: DumpEntry): boolean => (e.mode & S_IFMT) === S_IFDIR;

/**
 * Binary search in a name-sorted list: index of `name`, or -(insertion point) - 1. Dumps list
 * children in sorted order, so the last element is checked first.
 */
export function findByName(list: readonly { name: Uint8Array }[], name: Uint8Array): number {
  if (list.length > 0) {
    const last = compareBytes(name, list[list.length - 1]!.name);
    if (last === 0) return list.length - 1;
    if (last > 0) return -list.length - 1;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = compareBytes(name, list[mid]!.name);
    if (cmp === 0) return mid;
    if (cmp < 0) hi = mid;
    else lo = mid + 1;
  }
  return -lo - 1;
}

export function lookupChild(dir: DumpEntry, name: Uint8Array): DumpEntry | undefined {
  const i = findByName(dir.children, name);
  return i >= 0 ? dir.children[i] : undefined;
}

/** Path components, skipping repeated slashes as lookup_path does. */
function components(path: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === SLASH) {
      if (start >= 0) parts.push(path.subarray(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  return parts;
}

/** Resolves an absolute (or root-relative) path in the tree, following no hardlinks. */
export function lookupPath(root: DumpEntry, path: Uint8Array): DumpEntry | undefined {
  let node: DumpEntry | undefined = root;
  for (const part of components(path)) {
    node = lookupChild(node, part);
    if (!node) return undefined;
  }
  return node;
}

/**
 * Inserts `entry` under its parent directory, keeping children sorted. Mirrors lcfs_node_add_child:
 * the name must be 1..255 bytes, unique, and not "." or "..".
 */
/** Why a directory entry name is unusable (lcfs_node_add_child's rules), or undefined when it is fine. */
export function badName(name: Uint8Array): string | undefined {
  if (name.length === 0) return 'invalid empty name';
  if (name.length > LCFS_MAX_NAME_LENGTH) return `name longer than ${LCFS_MAX_NAME_LENGTH} bytes`;
  if ((name.length === 1 && name[0] === DOT) || (name.length === 2 && name[0] === DOT && name[1] === DOT)) {
    return 'invalid . or .. in path';
  }
  if (name.indexOf(SLASH) >= 0 || name.indexOf(0) >= 0) return 'name contains "/" or NUL';
  return undefined;
}

export function addChild(parent: DumpEntry, entry: DumpEntry): void {
  if (!isDir(parent)) throw new Error('parent must be a directory');
  const bad = badName(entry.name);
  if (bad) throw new Error(bad);
  const name = entry.name;
  const i = findByName(parent.children, name);
  if (i >= 0) throw new Error('path already exists');
  parent.children.splice(-i - 1, 0, entry);
}

/** Sets an xattr, replacing an existing one of the same name (lcfs_node_set_xattr). */
export function setXattr(entry: DumpEntry, name: Uint8Array, value: Uint8Array): void {
  if (name.length === 0 || name.length > XATTR_NAME_MAX) throw new Error(`xattr name must be 1..${XATTR_NAME_MAX} bytes`);
  if (value.length > XATTR_VALUE_MAX) throw new Error(`xattr value longer than ${XATTR_VALUE_MAX} bytes`);
  const i = entry.xattrs.findIndex((x) => compareBytes(x.name, name) === 0);
  if (i >= 0) entry.xattrs.splice(i, 1);
  entry.xattrs.push({ name, value });
}

/** Splits at the next `sep`; the last field runs to the end. Returns [field, rest]. */
function splitAt(b: Uint8Array, sep: number): [Uint8Array, Uint8Array, boolean] {
  const i = b.indexOf(sep);
  if (i < 0) return [b, b.subarray(b.length), false];
  return [b.subarray(0, i), b.subarray(i + 1), true];
}

const N_FIXED_FIELDS = 11;

interface ParseState {
  root?: DumpEntry;
  links: PendingLink[];
  strict: boolean;
}

function parseLine(state: ParseState, line: Uint8Array, lineNo: number): void {
  if (line.indexOf(0) >= 0) throw new Error(`invalid embedded NUL character at position ${line.indexOf(0)}`);

  const fields: Uint8Array[] = [];
  let rest = line;
  for (let i = 0; i < N_FIXED_FIELDS; i++) {
    const [f, r] = splitAt(rest, SP);
    fields.push(f);
    rest = r;
  }
  const [pathF, sizeF, modeF0, nlinkF, uidF, gidF, rdevF, mtimeF, payloadF, contentF, digestF] = fields as [
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
  ];

  const path = cString(unescapeField(pathF));
  if (path.length === 0) throw new Error('invalid empty path');

  const hardlink = modeF0.length > 0 && modeF0[0] === AT;
  const modeF = hardlink ? modeF0.subarray(1) : modeF0;
  const mode = u32(parseUnsigned(modeF, 8, 'mode'));
  if (!isValidMode(mode)) throw new Error(`invalid mode ${mode.toString(8)}`);

  const parts = components(path);
  const isRoot = path.length === 1 && path[0] === SLASH;
  const entry = newEntry(mode, isRoot ? new Uint8Array(0) : (parts[parts.length - 1] ?? new Uint8Array(0)));
  entry.line = lineNo;

  if (isRoot) {
    if (!isDir(entry)) throw new Error('root must be a directory');
    if (state.root) throw new Error("can't have multiple roots");
    state.root = entry;
  } else {
    if (!state.root) throw new Error('root node not present');
    // A trailing slash leaves an empty last name, which addChild rejects.
    const trailing = path[path.length - 1] === SLASH;
    let parent: DumpEntry | undefined = state.root;
    const dirs = trailing ? parts : parts.slice(0, -1);
    for (const d of dirs) {
      parent = parent && lookupChild(parent, d);
    }
    if (!parent) throw new Error(`parent directory missing for ${bytesToPathText(path)}`);
    if (!isDir(parent)) throw new Error(`parent must be a directory for ${bytesToPathText(path)}`);
    if (trailing) entry.name = new Uint8Array(0);
    addChild(parent, entry);
  }

  if (hardlink) {
    if (isDir(entry)) throw new Error("directories can't be hardlinked");
    if (isDash(payloadF)) throw new Error('no target path for the hardlink');
    state.links.push({ entry, target: cString(unescapeField(payloadF)), line: lineNo });
    return;
  }

  const size = parseUnsigned(sizeF, 10, 'size');
  const nlink = u32(parseUnsigned(nlinkF, 10, 'nlink'));
  const uid = u32(parseUnsigned(uidF, 10, 'uid'));
  const gid = u32(parseUnsigned(gidF, 10, 'gid'));
  const rdev = parseUnsigned(rdevF, 10, 'rdev');
  const mtime = parseMtime(mtimeF);
  const payload = isDash(payloadF) ? undefined : cString(unescapeField(payloadF));
  const content = isDash(contentF) ? undefined : unescapeField(contentF);
  if (content && BigInt(content.length) !== size) {
    throw new Error(`invalid content size ${content.length}, must match size ${size}`);
  }
  // An empty DIGEST field (a line cut short, as in upstream's honggfuzz cases) sets nothing usable.
  const digestText = isDash(digestF) ? undefined : unescapeField(digestF);
  const digest = digestText && digestText.length > 0 ? parseDigest(digestText) : undefined;

  const type = mode & S_IFMT;
  entry.size = type === S_IFLNK ? 0n : size;
  entry.nlink = nlink;
  entry.uid = uid;
  entry.gid = gid;
  if (type === S_IFCHR || type === S_IFBLK) entry.rdev = rdev;
  else if (state.strict && rdev !== 0n) throw new Error('non-zero devnum on non-device');
  entry.mtime = mtime;

  if (payload && payload.length >= PATH_MAX) throw new Error(`payload longer than ${PATH_MAX - 1} bytes`);
  if (type === S_IFLNK) {
    if (!payload || payload.length === 0) throw new Error('invalid symlink: empty target');
    entry.payload = payload;
    // The symlink's size is its target length whatever the line says.
    entry.size = BigInt(payload.length);
    if (state.strict) {
      if (size !== entry.size) throw new Error(`invalid symlink size ${size}, must match target length ${entry.size}`);
      if (content && content.length > 0) throw new Error('symlink cannot have content');
    }
  } else {
    if (payload) entry.payload = payload;
    if (content) {
      if (content.length > LCFS_INLINE_CONTENT_MAX) {
        throw new Error(`inline content size ${content.length} exceeds maximum ${LCFS_INLINE_CONTENT_MAX}`);
      }
      // lcfs_node_set_content keeps no buffer for empty content.
      if (content.length > 0) entry.content = content;
      entry.size = BigInt(content.length);
    }
  }
  if (digest) entry.digest = digest;

  if (rest.length > 0xffff) throw new Error('too many xattrs');
  while (rest.length > 0) {
    const [x, r] = splitAt(rest, SP);
    rest = r;
    const [k, v, hasEq] = splitAt(x, EQ);
    if (!hasEq) throw new Error('missing = in xattr');
    setXattr(entry, cString(unescapeField(k)), unescapeField(v));
  }
}

function bytesToPathText(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** A hardlink waiting for its target path to be resolved. */
export interface PendingLink {
  entry: DumpEntry;
  target: Uint8Array;
  /** Line of the dump (0 for entries made by code), for error messages. */
  line: number;
}

/**
 * Resolves hardlinks once every path exists (tree_resolve_hardlinks). A hardlink may name another
 * hardlink; like lcfs's follow_links, the chain ends at the real inode, and a cycle is an error.
 */
export function resolveHardlinks(root: DumpEntry, links: PendingLink[]): void {
  const immediate = new Map<DumpEntry, DumpEntry>();
  for (const { entry, target, line } of links) {
    const t = lookupPath(root, target);
    if (!t) throw new DumpParseError(`no target at ${bytesToPathText(target)} for hardlink`, line);
    if (t === entry) throw new DumpParseError(`self-referential hardlink ${bytesToPathText(target)}`, line);
    immediate.set(entry, t);
  }
  for (const { entry, line } of links) {
    let t = immediate.get(entry)!;
    const seen = new Set<DumpEntry>([entry]);
    for (let next = immediate.get(t); next; next = immediate.get(t)) {
      if (seen.has(t)) throw new DumpParseError('hardlink cycle', line);
      seen.add(t);
      t = next;
    }
    if (isDir(t)) throw new DumpParseError("directories can't be hardlinked", line);
    entry.linkTo = t;
  }
}

/** Parses a composefs dump into its tree; throws DumpParseError naming the line. */
export function parseDump(input: Uint8Array | string, options: DumpParseOptions = {}): DumpEntry {
  // A plain Uint8Array view (not a Node Buffer): the parse keeps ~10 subarrays per line.
  const bytes = typeof input === 'string' ? enc.encode(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const state: ParseState = { links: [], strict: options.strict ?? false };
  let pos = 0;
  let lineNo = 0;
  while (pos < bytes.length) {
    lineNo++;
    let end = bytes.indexOf(NL, pos);
    if (end < 0) {
      if (state.strict) throw new DumpParseError('missing trailing newline', lineNo);
      end = bytes.length;
    }
    try {
      parseLine(state, bytes.subarray(pos, end), lineNo);
    } catch (e) {
      if (e instanceof DumpParseError) throw e;
      throw new DumpParseError((e as Error).message, lineNo);
    }
    pos = end + 1;
  }
  if (!state.root) throw new DumpParseError('no root directory ("/") in the dump', 0);
  resolveHardlinks(state.root, state.links);
  return state.root;
}
