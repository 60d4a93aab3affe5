/**
 * PuzzleFS's metadata (metadata.capnp): Rootfs, InodeVector, Inode, DirEntry, FileChunk, BlobRef,
 * Xattr. Field positions are those `capnp compile -ocapnp metadata.capnp` reports for the schema
 * (bit offsets in the data section, pointer indexes); a test checks them against the tool.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { bool, data, root, struct, structList, u16, u32, u64, type CapnpMessage, type StructRef } from './capnp.ts';

export const LAYOUT = {
  BlobRef: { digest: 0, offset: 0, compressed: 64 },
  FileChunk: { blob: 0, len: 0 },
  DirEntry: { ino: 0, name: 0 },
  Dir: { entries: 0, lookBelow: 0 },
  Chr: { major: 0, minor: 64 },
  Blk: { major: 0, minor: 64 },
  Xattr: { key: 0, val: 1 },
  InodeAdditional: { xattrs: 0, symlinkTarget: 1 },
  Inode: { ino: 0, modeTag: 64, modePtr: 0, uid: 96, gid: 128, permissions: 80, additional: 1 },
  InodeVector: { inodes: 0 },
  VerityData: { digest: 0, verity: 1 },
  Rootfs: { metadatas: 0, fsVerityData: 1, manifestVersion: 0 },
} as const;

/** Inode.mode's union tags, in schema order. */
export const MODE_TAGS = ['unknown', 'fifo', 'chr', 'dir', 'blk', 'file', 'lnk', 'sock', 'wht'] as const;
export type ModeTag = (typeof MODE_TAGS)[number];

export interface BlobRef {
  digest: Uint8Array;
  offset: number;
  compressed: boolean;
}

export interface FileChunk {
  blob: BlobRef;
  len: number;
}

export interface PuzzleDirEntry {
  ino: number;
  name: Uint8Array;
}

export interface PuzzleInode {
  ino: number;
  mode: ModeTag;
  uid: number;
  gid: number;
  permissions: number;
  entries?: PuzzleDirEntry[];
  lookBelow?: boolean;
  chunks?: FileChunk[];
  major?: number;
  minor?: number;
  xattrs: { key: Uint8Array; val: Uint8Array }[];
  symlinkTarget?: Uint8Array;
  /** Byte offset of the inode's struct in its metadata blob. */
  at: number;
}

export interface Rootfs {
  metadatas: BlobRef[];
  fsVerityData: { digest: Uint8Array; verity: Uint8Array }[];
  manifestVersion: bigint;
}

const bad = (s: StructRef, why: string): DecodeError => new DecodeError(`${s.msg.what}: ${why}`, s.msg.base + s.data, 8, 'puzzlefs.metadata.invalid');

/** u64 fields that stand for sizes and inode numbers must be exact as JS numbers. */
function safe(s: StructRef, v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(s, `${what} ${v} is larger than 2^53`);
  return Number(v);
}

export function decodeBlobRef(s: StructRef | undefined, what: string): BlobRef {
  if (!s) throw new DecodeError(`${what}: missing BlobRef`, 0, 0, 'puzzlefs.metadata.invalid');
  const L = LAYOUT.BlobRef;
  return { digest: data(s, L.digest), offset: safe(s, u64(s, L.offset), 'BlobRef.offset'), compressed: bool(s, L.compressed) };
}

function decodeInode(s: StructRef): PuzzleInode {
  const L = LAYOUT.Inode;
  const tag = u16(s, L.modeTag);
  const mode = MODE_TAGS[tag];
  if (!mode) throw bad(s, `Inode.mode has union tag ${tag}, which the schema does not define`);
  const inode: PuzzleInode = {
    ino: safe(s, u64(s, L.ino), 'Inode.ino'),
    mode,
    uid: u32(s, L.uid),
    gid: u32(s, L.gid),
    permissions: u16(s, L.permissions),
    xattrs: [],
    at: s.data,
  };
  if (mode === 'dir') {
    const d = struct(s, L.modePtr);
    inode.entries = d ? structList(d, LAYOUT.Dir.entries).map((e) => ({ ino: safe(e, u64(e, LAYOUT.DirEntry.ino), 'DirEntry.ino'), name: data(e, LAYOUT.DirEntry.name) })) : [];
    inode.lookBelow = d ? bool(d, LAYOUT.Dir.lookBelow) : false;
  } else if (mode === 'file') {
    inode.chunks = structList(s, L.modePtr).map((c) => ({ blob: decodeBlobRef(struct(c, LAYOUT.FileChunk.blob), 'FileChunk.blob'), len: safe(c, u64(c, LAYOUT.FileChunk.len), 'FileChunk.len') }));
  } else if (mode === 'chr' || mode === 'blk') {
    const d = struct(s, L.modePtr);
    inode.major = d ? safe(d, u64(d, LAYOUT.Chr.major), 'major') : 0;
    inode.minor = d ? safe(d, u64(d, LAYOUT.Chr.minor), 'minor') : 0;
  }
  const add = struct(s, L.additional);
  if (add) {
    inode.xattrs = structList(add, LAYOUT.InodeAdditional.xattrs).map((x) => ({ key: data(x, LAYOUT.Xattr.key), val: data(x, LAYOUT.Xattr.val) }));
    const t = data(add, LAYOUT.InodeAdditional.symlinkTarget);
    if (add.ptrCount > LAYOUT.InodeAdditional.symlinkTarget && t.length > 0) inode.symlinkTarget = t;
  }
  return inode;
}

/** An InodeVector message: every inode of one metadata layer, sorted by ino. */
export function decodeInodeVector(msg: CapnpMessage): PuzzleInode[] {
  return structList(root(msg), LAYOUT.InodeVector.inodes).map(decodeInode);
}

export function decodeRootfs(msg: CapnpMessage): Rootfs {
  const r = root(msg);
  const L = LAYOUT.Rootfs;
  return {
    metadatas: structList(r, L.metadatas).map((b, i) => decodeBlobRef(b, `Rootfs.metadatas[${i}]`)),
    fsVerityData: structList(r, L.fsVerityData).map((v) => ({ digest: data(v, LAYOUT.VerityData.digest), verity: data(v, LAYOUT.VerityData.verity) })),
    manifestVersion: u64(r, L.manifestVersion),
  };
}

export const describeAt = (msg: CapnpMessage, at: number): string => `${msg.what} at ${hex(msg.base + at)}`;
