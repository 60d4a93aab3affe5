/**
 * The listings of composefs v0.1.3's `dump` tool (tools/dump.c) for legacy descriptors, so our
 * reader can be compared line for line with the real tool's output:
 *   dump           `|--name/`, `|--name -> target`, `|--name [backing path]`
 *   dump-extended  `|--name:...|ino:...|mode:...|...|nxargs:N|digest:|payload:...`
 *   xattrs PATH    `|key -> value` lines of one inode
 * plus `decoded`, the corpus's independent decoding (decoded.txt), which also shows the stored
 * digests and xattr values that the tool leaves out.
 *
 * Output is written as byte strings (one char per byte, latin1) because names are raw bytes.
 * The tool prints every string with `%.*s`, which stops at a NUL; we do the same.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, toHex } from '../../shared/model.ts';
import { CFS_ROOT_INO, type LegacyInode } from '../../shared/legacy/inode.ts';
import type { LegacyEntry, LegacyReader } from '../../shared/legacy/reader.ts';
import { itemPath, legacyTree } from '../../shared/legacy/tree.ts';
import { isInSection, type VdataRef } from '../../shared/legacy/vdata.ts';
import { CliError } from './io.ts';

export type Write = (bytes: string) => void;
export type LegacyDumpMode = 'dump' | 'dump-extended';

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** printf("%.*s"): the bytes up to the first NUL. */
const cString = (b: Uint8Array): string => {
  const nul = b.indexOf(0);
  return latin1(nul < 0 ? b : b.subarray(0, nul));
};

const int32 = (n: number): number => n | 0;

/** The raw vdata bytes a reference points at, as the tool reads them (nothing when out of the file). */
async function rawVdata(reader: LegacyReader, ref: VdataRef, length = ref.len): Promise<Uint8Array> {
  const { vdataOffset, fileSize } = reader.layout;
  if (length === 0 || !isInSection(vdataOffset, fileSize, ref.off, length)) return new Uint8Array(0);
  return reader.bytes(vdataOffset + ref.off, length);
}

async function extendedLine(reader: LegacyReader, e: LegacyEntry, name: Uint8Array): Promise<string> {
  const i: LegacyInode = e.inode;
  const isDir = (i.mode & S_IFMT) === S_IFDIR;
  const payload = isDir ? new Uint8Array(0) : await rawVdata(reader, i.variableData);
  // tools/dump.c only prints a digest whose stored length is 64, which no valid image has (the
  // kernel requires 32), so the real tool always prints "digest:" empty. Reproduced on purpose.
  const digest = i.digest.len === 64 ? toHex(await rawVdata(reader, i.digest, 32)) : '';
  return (
    `name:${cString(name)}|ino:${i.index}|mode:${i.mode.toString(8)}|nlinks:${i.nlink}` +
    `|uid:${int32(i.uid)}|gid:${int32(i.gid)}|rdev:${int32(i.rdev)}|size:${i.sizeBig}` +
    `|mtim:${i.mtime.sec}.${i.mtime.nsec}|ctim:${i.ctime.sec}.${i.ctime.nsec}` +
    `|nxargs:${e.xattrs?.count ?? 0}|digest:${digest}|payload:${cString(payload)}\n`
  );
}

async function shortLine(reader: LegacyReader, e: LegacyEntry, name: Uint8Array): Promise<string> {
  const type = e.inode.mode & S_IFMT;
  if (type === S_IFDIR) return `${cString(name)}/\n`;
  const payload = cString(await rawVdata(reader, e.inode.variableData));
  return type === S_IFLNK ? `${cString(name)} -> ${payload}\n` : `${cString(name)} [${payload}]\n`;
}

/** `dump dump IMAGE` / `dump dump-extended IMAGE`. */
export async function legacyDump(reader: LegacyReader, mode: LegacyDumpMode, write: Write): Promise<void> {
  for await (const item of legacyTree(reader)) {
    const line = mode === 'dump' ? await shortLine(reader, item.entry, item.name) : await extendedLine(reader, item.entry, item.name);
    write('|' + '-'.repeat(item.depth) + line);
  }
}

/** find_child() + lookup(): exact-name search per component, empty components skipped. */
async function lookup(reader: LegacyReader, path: string): Promise<number> {
  let current = CFS_ROOT_INO;
  for (const part of path.split('/')) {
    if (part === '') continue;
    const want = Buffer.from(part, 'latin1');
    const list = await reader.directory(current);
    const hit = list.dirents.find((d) => want.equals(d.name));
    if (!hit) throw new CliError(`file ${path} not found`);
    current = hit.inodeNum;
  }
  return current;
}

/** `dump xattrs IMAGE PATH` (PATH as a latin1 byte string). The tool ends without a newline when there are none. */
export async function legacyXattrs(reader: LegacyReader, path: string, write: Write): Promise<void> {
  const e = await reader.entry(await lookup(reader, path));
  write('|');
  for (const x of e.xattrs?.xattrs ?? []) write(`${cString(x.name)} -> ${cString(x.value)}\n`);
}

/** Python's repr() of a bytes object, which decoded.txt uses for xattr values. */
export function pythonBytesRepr(b: Uint8Array): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let s = 'b' + quote;
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c === quote.charCodeAt(0)) s += '\\' + quote;
    else if (c === 0x09) s += '\\t';
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s + quote;
}

/** decoded.txt: a header line, then one line per path with payload, digest and xattrs spelled out. */
export async function legacyDecoded(reader: LegacyReader, write: Write): Promise<void> {
  const { numInodes, vdataOffset, fileSize } = reader.layout;
  write(`# n_inodes=${numInodes} vdata_offset=${vdataOffset} vdata_len=${fileSize - vdataOffset}\n`);
  for await (const item of legacyTree(reader)) {
    const { inode: i, payload, digest, xattrs } = item.entry;
    let line =
      '/' + itemPath(item).map(latin1).join('/') +
      ` ino=${i.index} mode=${i.mode.toString(8)} nlink=${i.nlink} uid=${i.uid} gid=${i.gid} rdev=${i.rdev}` +
      ` size=${i.sizeBig} mtime=${i.mtime.sec}.${String(i.mtime.nsec).padStart(9, '0')}`;
    if (payload) line += ` payload=${latin1(payload)}`;
    if (digest) line += ` digest=${toHex(digest)}`;
    for (const x of xattrs?.xattrs ?? []) line += ` ${latin1(x.name)}=${pythonBytesRepr(x.value)}`;
    write(line + '\n');
  }
}
