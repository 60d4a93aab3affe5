/**
 * casync's own listings of an archive, so our reading can be compared line for line with the
 * real tool: `casync list` (ls-style mode and path) and `casync mtree` (casync-tool.c
 * list_one_file), and `casync digest` (the digest of the whole archive stream).
 */
import { sha256, sha512_256 } from '@noble/hashes/sha2.js';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, toHex } from '../model.ts';
import * as F from './caformat.ts';
import type { CasyncReader } from './reader.ts';
import type { CatarNode } from './scan.ts';

const READ_PIECE = 1 << 20;

/** mtree_escape: bytes <= ' ', >= 127, '\\' and '#' as \ooo. Returns a latin1 string. */
export function mtreeEscape(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c <= 0x20 || c >= 127 || c === 0x5c || c === 0x23) s += '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

const TYPE_CHAR: Record<number, string> = { [S_IFSOCK]: 's', [S_IFDIR]: 'd', [S_IFREG]: '-', [S_IFBLK]: 'b', [S_IFCHR]: 'c', [S_IFLNK]: 'l', [S_IFIFO]: 'p' };

/** ls_format_mode from casync's util.c. */
export function lsFormatMode(m: number): string {
  const t = TYPE_CHAR[m & S_IFMT] ?? '?';
  const x = (bit: number, special: number, set: string, unset: string) => (m & special ? (m & bit ? set : unset) : m & bit ? 'x' : '-');
  return (
    t +
    (m & 0o400 ? 'r' : '-') + (m & 0o200 ? 'w' : '-') + x(0o100, 0o4000, 's', 'S') +
    (m & 0o040 ? 'r' : '-') + (m & 0o020 ? 'w' : '-') + x(0o010, 0o2000, 's', 'S') +
    (m & 0o004 ? 'r' : '-') + (m & 0o002 ? 'w' : '-') + x(0o001, 0o1000, 't', 'T')
  );
}

/** Every node with its archive path ("" for the root), in archive order. */
export function* archivePaths(nodes: readonly CatarNode[]): Generator<{ node: CatarNode; path: Uint8Array }> {
  const paths = new Map<number, Uint8Array>([[0, new Uint8Array(0)]]);
  for (const node of nodes) {
    let path = paths.get(node.id);
    if (path === undefined) {
      const parent = paths.get(node.parent)!;
      path = parent.length === 0 ? node.name : Uint8Array.of(...parent, 0x2f, ...node.name);
      if (node.children) paths.set(node.id, path);
    }
    yield { node, path };
  }
}

const shown = (path: Uint8Array): string => (path.length === 0 ? '.' : mtreeEscape(path));

export const listLine = (node: CatarNode, path: Uint8Array): string => `${lsFormatMode(node.entry.mode)} ${shown(path)}\n`;

const MTREE_TYPE: Record<number, string> = { [S_IFLNK]: 'link', [S_IFDIR]: 'dir', [S_IFREG]: 'file', [S_IFSOCK]: 'socket', [S_IFCHR]: 'char', [S_IFBLK]: 'block', [S_IFIFO]: 'fifo' };

const MTREE_FLAGS: [bigint, string][] = [
  [F.CA_FORMAT_WITH_FLAG_HIDDEN, 'hidden'],
  [F.CA_FORMAT_WITH_FLAG_SYSTEM, 'system'],
  [F.CA_FORMAT_WITH_FLAG_ARCHIVE, 'archive'],
  [F.CA_FORMAT_WITH_FLAG_APPEND, 'sappend'],
  [F.CA_FORMAT_WITH_FLAG_NODUMP, 'nodump'],
  [F.CA_FORMAT_WITH_FLAG_IMMUTABLE, 'simmutable'],
];
const MTREE_FLAG_MASK = MTREE_FLAGS.reduce((m, [b]) => m | b, 0n);
const TIME_FLAGS = F.CA_FORMAT_WITH_NSEC_TIME | F.CA_FORMAT_WITH_USEC_TIME | F.CA_FORMAT_WITH_SEC_TIME | F.CA_FORMAT_WITH_2SEC_TIME;
const UID_FLAGS = F.CA_FORMAT_WITH_16BIT_UIDS | F.CA_FORMAT_WITH_32BIT_UIDS;
const ROOT = new TextEncoder().encode('root');

/** The name casync shows: the stored one, or "root" for id 0, which the encoder leaves out. */
const ownerName = (stored: Uint8Array | undefined, id: number, features: bigint): Uint8Array | undefined =>
  !(features & F.CA_FORMAT_WITH_USER_NAMES) ? undefined : stored ?? (features & UID_FLAGS && id === 0 ? ROOT : undefined);

/**
 * One `casync mtree` line. `digest` is the payload's digest for a regular file; `toolDigest` is
 * the --digest the tool ran with.
 */
export function mtreeLine(node: CatarNode, path: Uint8Array, features: bigint, digest?: Uint8Array, toolDigest: 'sha512-256' | 'sha256' = 'sha512-256'): string {
  const e = node.entry;
  const type = e.mode & S_IFMT;
  let s = shown(path);
  if (MTREE_TYPE[type]) s += ` type=${MTREE_TYPE[type]}`;
  s += ` mode=${(e.mode & 0o7777).toString(8).padStart(4, '0')}`;
  if (type === S_IFREG) s += ` size=${node.payload?.size ?? 0}`;
  if (node.symlink) s += ` link=${mtreeEscape(node.symlink.target)}`;
  if (node.device && (type === S_IFCHR || type === S_IFBLK)) s += ` device=linux,${node.device.major},${node.device.minor}`;
  if (features & UID_FLAGS) s += ` uid=${e.uid} gid=${e.gid}`;
  const user = ownerName(node.user, e.uid, features);
  const group = ownerName(node.group, e.gid, features);
  if (user) s += ` uname=${mtreeEscape(user)}`;
  if (group) s += ` gname=${mtreeEscape(group)}`;
  if (features & MTREE_FLAG_MASK) {
    // The decoder reports attributes for files and directories only; for anything else the tool
    // tests its "unknown" value, all bits set, so every flag shows as set.
    const known = type === S_IFREG || type === S_IFDIR;
    s += ' flags=' + MTREE_FLAGS.filter(([b]) => features & b).map(([b, name]) => (!known || e.flags & features & b ? name : 'no' + name)).join(',');
  }
  if (features & TIME_FLAGS) s += ` time=${e.mtime / 1_000_000_000n}.${String(e.mtime % 1_000_000_000n).padStart(9, '0')}`;
  // The digest is the archive's kind; the keyword names the tool's --digest option, which defaults
  // to sha512-256 whatever the archive holds (casync-tool.c prints table[arg_digest]).
  if (type === S_IFREG) s += ` ${toolDigest === 'sha256' ? 'sha256digest' : 'sha512256digest'}=${toHex(digest ?? new Uint8Array(0))}`;
  return s + '\n';
}

const hasherFor = (features: bigint) => (F.digestName(features) === 'sha256' ? sha256 : sha512_256);

/** The digest of a regular file's payload, as `casync mtree` shows it. */
export async function payloadDigest(reader: CasyncReader, node: CatarNode, features: bigint): Promise<Uint8Array> {
  const h = hasherFor(features).create();
  const size = node.payload?.size ?? 0;
  for (let off = 0; off < size; off += READ_PIECE) h.update(await reader.readData(node.id, off, Math.min(READ_PIECE, size - off)));
  return h.digest();
}

export async function casyncList(reader: CasyncReader): Promise<string> {
  let out = '';
  for (const { node, path } of archivePaths(reader.scan?.nodes ?? [])) out += listLine(node, path);
  return out;
}

export async function casyncMtree(reader: CasyncReader): Promise<string> {
  const features = reader.scan?.featureFlags ?? 0n;
  let out = '';
  for (const { node, path } of archivePaths(reader.scan?.nodes ?? [])) {
    const digest = (node.entry.mode & S_IFMT) === S_IFREG ? await payloadDigest(reader, node, features) : undefined;
    out += mtreeLine(node, path, features, digest);
  }
  return out;
}

/** `casync digest`: the digest of the whole archive stream (of the blob, for a blob index). */
export async function archiveDigest(reader: CasyncReader): Promise<Uint8Array> {
  const features = reader.scan?.featureFlags ?? reader.index?.header.featureFlags ?? 0n;
  const h = hasherFor(features).create();
  const size = reader.archive.size;
  for (let off = 0; off < size; off += READ_PIECE) h.update(await reader.archive.read(off, Math.min(READ_PIECE, size - off)));
  return h.digest();
}
