/**
 * Corrupting valid corpus images at spots found through the reader: a rule test copies an image
 * into memory, locates the structure it wants to break (an inode, a dirent, an xattr entry) by
 * path, changes a few bytes there and checks the copy. No offsets are written down by hand.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkSource, type SourceCheckResult } from '../../../shared/check/index.ts';
import type { ErofsReader } from '../../../shared/erofs/reader.ts';
import { openImage } from '../../../shared/open.ts';
import type { RawDirent } from '../../../shared/erofs/dirent.ts';
import type { RawInode } from '../../../shared/erofs/inode.ts';
import { decodeIbodyHeader, xattrFullName, type XattrEntry } from '../../../shared/erofs/xattr.ts';
import { Cursor } from '../../../shared/bytes/cursor.ts';
import { bytesEqual, bytesToString, stringToBytes, type Finding } from '../../../shared/model.ts';
import { corpusPath } from '../../helpers/corpus.ts';

export const loadImage = (...parts: string[]): Uint8Array => {
  const p = corpusPath(...parts);
  const raw = readFileSync(p);
  return new Uint8Array(p.endsWith('.gz') ? gunzipSync(raw) : raw);
};

/** A valid image and its reader, to locate structures in. */
export interface Fixture {
  bytes: Uint8Array;
  reader: ErofsReader;
}

export async function fixture(...parts: string[]): Promise<Fixture> {
  const bytes = loadImage(...parts);
  // Through openImage: it hands a composefs image's header to the EROFS reader.
  return { bytes, reader: (await openImage(memorySource(bytes))) as ErofsReader };
}

/** A dirent with the block it lives in. */
export interface Located {
  nid: number;
  ino: RawInode;
  /** The dirent naming it in its parent (undefined for the root). */
  dirent?: RawDirent;
  parent?: RawInode;
}

export async function dirents(r: ErofsReader, dir: RawInode): Promise<RawDirent[]> {
  return (await r.dirBlocks(dir)).flatMap((b) => b.dirents);
}

export async function direntBlocks(r: ErofsReader, dir: RawInode) {
  return r.dirBlocks(dir);
}

/** Resolves an absolute path ("/dir/another_a") through the reader's own dirents. */
export async function locate(r: ErofsReader, path: string): Promise<Located> {
  let ino = await r.rawInode(r.rootId);
  let out: Located = { nid: r.rootId, ino };
  for (const name of path.split('/').filter(Boolean)) {
    const want = stringToBytes(name);
    const d = (await dirents(r, ino)).find((x) => bytesEqual(x.name, want));
    assert.ok(d, `fixture has no ${name} in ${path}`);
    const child = await r.rawInode(d.nid);
    out = { nid: d.nid, ino: child, dirent: d, parent: ino };
    ino = child;
  }
  return out;
}

/** An inline or shared xattr entry of an inode by full name, with the offset of its ibody header. */
export async function xattrEntry(r: ErofsReader, ino: RawInode, name: string): Promise<XattrEntry & { headerOffset: number }> {
  const xs = await r.xattrEntries(ino);
  const all = [...xs.inline, ...xs.shared.map((s) => s.entry)];
  const e = all.find((x) => bytesToString(xattrFullName(x)) === name);
  assert.ok(e, `fixture inode ${ino.nid} has no xattr ${name} (has ${all.map((x) => bytesToString(xattrFullName(x))).join(', ')})`);
  return { ...e, headerOffset: xs.header!.offset };
}

/** Offset of the ibody header of an inode with xattrs. */
export async function ibody(r: ErofsReader, ino: RawInode) {
  const off = ino.offset + ino.inodeSize;
  return { offset: off, header: decodeIbodyHeader(new Cursor(await r.bytes(off, ino.xattrSize), off)) };
}

/** A copy of the image with `edit` applied. */
export function mutate(bytes: Uint8Array, edit: (b: Uint8Array, view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(copy, new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return copy;
}

export const put8 = (b: Uint8Array, at: number, v: number) => void (b[at] = v);
export const put16 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);
export const put32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
export const put64 = (b: Uint8Array, at: number, v: bigint) => new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
export const putBytes = (b: Uint8Array, at: number, s: string) => b.set(stringToBytes(s), at);

export const checkBytes = (bytes: Uint8Array): Promise<SourceCheckResult> => checkSource(memorySource(bytes));

const show = (fs: Finding[]) => fs.map((f) => `${f.code}@${f.offset}+${f.length}`).join(', ') || 'none';

/** Asserts a finding with this code covers exactly [offset, offset+length); returns it. */
export function expectFinding(result: SourceCheckResult, code: string, offset: number, length: number): Finding {
  const f = result.findings.find((x) => x.code === code && x.offset === offset && x.length === length);
  assert.ok(f, `expected ${code}@${offset}+${length}; got ${show(result.findings)}`);
  assert.ok(f.message.length > 0);
  return f;
}

export function expectNoFinding(result: SourceCheckResult, code: string): void {
  const f = result.findings.filter((x) => x.code === code);
  assert.equal(f.length, 0, `expected no ${code}; got ${show(f)}`);
}

/** The block size every fixture image uses. */
export const BLOCK = 4096;
