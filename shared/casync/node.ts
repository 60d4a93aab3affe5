/** A catar node as the format-independent ImageNode, and its directory entries. */
import { S_IFDIR, S_IFMT, S_IFREG, kindOfMode, stringToBytes, type ByteRange, type DirEntry, type ImageNode, type Xattr } from '../model.ts';
import { recordTypeName } from './caformat.ts';
import { encodeDev } from './device.ts';
import type { CatarNode } from './scan.ts';

const NSEC = 1_000_000_000n;
const SECURITY_SELINUX = stringToBytes('security.selinux');
const SECURITY_CAPABILITY = stringToBytes('security.capability');

/** XATTR records, then the SELINUX label and FCAPS as the xattrs the kernel shows them as. */
function xattrsOf(n: CatarNode): Xattr[] {
  const out = n.xattrs.slice();
  // The label is stored without its NUL; getxattr(2) returns it with one.
  if (n.selinux) out.push({ name: SECURITY_SELINUX, value: Uint8Array.of(...n.selinux, 0) });
  if (n.fcaps) out.push({ name: SECURITY_CAPABILITY, value: n.fcaps });
  return out;
}

function rangesOf(n: CatarNode): ByteRange[] {
  const r: ByteRange[] = [];
  if (n.filename) r.push({ label: 'FILENAME', offset: n.filename.offset, length: n.filename.size });
  for (const rec of n.records) r.push({ label: recordTypeName(rec.type).toUpperCase(), offset: rec.offset, length: rec.size });
  if (n.goodbye) r.push({ label: 'GOODBYE', offset: n.goodbye.offset, length: n.goodbye.size });
  return r;
}

export function subdirCount(nodes: readonly CatarNode[], n: CatarNode): number {
  let k = 0;
  for (const c of n.children ?? []) if ((nodes[c]!.entry.mode & S_IFMT) === S_IFDIR) k++;
  return k;
}

export function imageNodeOf(nodes: readonly CatarNode[], n: CatarNode): ImageNode {
  const e = n.entry;
  const type = e.mode & S_IFMT;
  const size = type === S_IFREG ? (n.payload?.size ?? 0) : n.symlink ? n.symlink.target.length : 0;
  return {
    id: n.id,
    kind: kindOfMode(e.mode),
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size,
    mtime: { sec: Number(e.mtime / NSEC), nsec: Number(e.mtime % NSEC) },
    // catar stores no link counts: a directory has its "." and its subdirectories' "..", like any
    // file system; hard links are stored as separate files.
    nlink: type === S_IFDIR ? 2 + subdirCount(nodes, n) : 1,
    rdev: n.device ? encodeDev(n.device.major, n.device.minor) : 0,
    layout: 'catar',
    ...(n.symlink ? { target: n.symlink.target } : {}),
    xattrs: xattrsOf(n),
    data:
      type === S_IFREG && n.payload && n.payload.size > 0
        ? { kind: 'blocks', extents: [{ offset: n.payload.dataOffset, length: n.payload.size, fileOffset: 0 }] }
        : { kind: 'none' },
    ranges: rangesOf(n),
  };
}

export function dirEntriesOf(nodes: readonly CatarNode[], n: CatarNode): DirEntry[] {
  return (n.children ?? []).map((id) => {
    const c = nodes[id]!;
    return {
      name: c.name,
      id,
      kind: kindOfMode(c.entry.mode),
      ...(c.filename ? { range: { label: 'FILENAME', offset: c.filename.offset, length: c.filename.size } } : {}),
    };
  });
}
