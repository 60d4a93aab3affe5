/**
 * A PuzzleFS image as an ImageReader, opened from its OCI layout's index.json: the manifest, the
 * rootfs (Cap'n Proto Rootfs), the metadata layers (InodeVector) and, for file content, the chunk
 * blobs (zstd-seekable when compressed), all from blobs/sha256/ beside index.json. Node ids are
 * inode numbers; node ranges and `bytes` are offsets in the first metadata blob. Findings about
 * other blobs give offsets in that blob and name it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DecodeError } from '../bytes/cursor.ts';
import type { ByteSource, SiblingFiles } from '../bytes/source.ts';
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, kindOfMode, toHex,
  type DirEntry, type Finding, type ImageInfo, type ImageNode, type ImageReader,
} from '../model.ts';
import { readMessage } from './capnp.ts';
import { blobPath, layerList, manifestList, parseJson, OCI_TAG_ANNOTATION, PUZZLEFS_ROOTFS, type Descriptor } from './layout.ts';
import { decodeInodeVector, decodeRootfs, type BlobRef, type PuzzleInode, type Rootfs } from './metadata.ts';
import { decodeSeekTable, isSeekable, readSeekable, type SeekTable } from './seekable.ts';

export const BLOB_LIMIT = 1 << 30;
const INDEX_LIMIT = 4 << 20;
const CACHED_BLOBS = 16;
export const ROOT_INO = 1;
export const KNOWN_MANIFEST_VERSIONS = [2n, 3n];

export interface Blob {
  hex: string;
  bytes: Uint8Array;
  /** The seek table of a compressed blob. */
  seek?: SeekTable;
}

export interface PuzzlefsReader extends ImageReader {
  readonly format: 'puzzlefs';
  readonly tag: string | undefined;
  readonly manifest: { hex: string; layers: Descriptor[] };
  readonly rootfs: Rootfs;
  readonly rootfsBlob: Descriptor;
  /** Inodes by number, the first metadata layer holding one winning. */
  readonly inodes: Map<number, PuzzleInode>;
  /** A blob by sha256 hex, read and cached; rejects with a puzzlefs.blob.* DecodeError. */
  blob(hexDigest: string, compressed: boolean): Promise<Blob>;
}

export const isPuzzlefsReader = (r: ImageReader): r is PuzzlefsReader => r.format === 'puzzlefs' && 'inodes' in r;

export interface PuzzlefsOpenOptions {
  siblings?: SiblingFiles;
}

function blobStore(siblings: SiblingFiles) {
  const cache = new Map<string, Promise<Blob>>();
  const load = async (h: string, compressed: boolean): Promise<Blob> => {
    const what = `blob ${h.slice(0, 16)}…`;
    const bytes = await siblings.read(blobPath(h), BLOB_LIMIT).catch((e: unknown) => {
      throw new DecodeError(`${what} cannot be read: ${(e as Error)?.message ?? e}`, 0, 0, 'puzzlefs.blob.too-large');
    });
    if (!bytes) throw new DecodeError(`${what} is missing (${blobPath(h)})`, 0, 0, 'puzzlefs.blob.missing');
    if (!compressed) return { hex: h, bytes };
    if (!isSeekable(bytes)) throw new DecodeError(`${what} is marked compressed but does not end with a zstd seek table`, Math.max(0, bytes.length - 4), Math.min(4, bytes.length), 'puzzlefs.blob.bad-seek-table');
    return { hex: h, bytes, seek: decodeSeekTable(bytes, what) };
  };
  return (h: string, compressed: boolean): Promise<Blob> => {
    const key = `${h}:${compressed}`;
    let p = cache.get(key);
    if (!p) {
      p = load(h, compressed);
      p.catch(() => cache.delete(key));
      cache.set(key, p);
      if (cache.size > CACHED_BLOBS) cache.delete(cache.keys().next().value as string);
    }
    return p;
  };
}

export const blobSize = (b: Blob): number => b.seek?.size ?? b.bytes.length;

/** Bytes of a blob's content (decompressed when it is compressed). */
export function blobRead(b: Blob, offset: number, length: number): Uint8Array {
  if (b.seek) return readSeekable(b.bytes, b.seek, offset, length, `blob ${b.hex.slice(0, 16)}…`);
  return b.bytes.subarray(Math.min(offset, b.bytes.length), Math.min(offset + length, b.bytes.length));
}

const TYPE_BITS: Record<string, number> = { fifo: S_IFIFO, chr: S_IFCHR, dir: S_IFDIR, blk: S_IFBLK, file: S_IFREG, lnk: S_IFLNK, sock: S_IFSOCK };

export const encodeDev = (major: number, minor: number): number => ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;

export async function openPuzzlefs(source: ByteSource, options: PuzzlefsOpenOptions = {}): Promise<PuzzlefsReader> {
  if (source.size > INDEX_LIMIT) throw new DecodeError(`index.json of ${source.size} bytes is over the ${INDEX_LIMIT}-byte limit`, 0, 0, 'puzzlefs.layout.invalid');
  const siblings = options.siblings;
  if (!siblings) throw new DecodeError('a PuzzleFS image is read from the blobs beside its index.json, and none are reachable from here', 0, 0, 'puzzlefs.blob.missing');
  const blob = blobStore(siblings);
  const index = parseJson(await source.read(0, source.size), 'index.json');
  let chosen: { desc: Descriptor; layers: Descriptor[] } | undefined;
  for (const desc of manifestList(index)) {
    const m = await blob(desc.hex, false);
    const layers = layerList(parseJson(m.bytes, `manifest ${desc.hex.slice(0, 16)}…`), `manifest ${desc.hex.slice(0, 16)}…`);
    if (layers[0]?.mediaType === PUZZLEFS_ROOTFS) {
      chosen = { desc, layers };
      break;
    }
  }
  if (!chosen) throw new DecodeError('no manifest in index.json begins with a PuzzleFS rootfs layer (application/vnd.puzzlefs.image.rootfs.v1)', 0, 0, 'puzzlefs.layout.not-puzzlefs');
  const rootfsDesc = chosen.layers[0]!;
  const rootfsBlob = await blob(rootfsDesc.hex, false);
  const rootfs = decodeRootfs(readMessage(rootfsBlob.bytes, 0, `rootfs ${rootfsDesc.hex.slice(0, 16)}…`));
  if (rootfs.metadatas.length === 0) throw new DecodeError('the rootfs lists no metadata blobs', 0, 0, 'puzzlefs.metadata.invalid');

  const inodes = new Map<number, PuzzleInode>();
  const hidden = new Set<number>();
  const decodeFindings: Finding[] = [];
  let firstLayer: Uint8Array | undefined;
  for (const [i, ref] of rootfs.metadatas.entries()) {
    const h = toHex(ref.digest);
    const layer = await blob(h, ref.compressed);
    const bytes = layer.seek ? blobRead(layer, 0, layer.seek.size) : layer.bytes;
    firstLayer ??= bytes;
    const list = decodeInodeVector(readMessage(bytes, 0, `metadata layer ${i} (${h.slice(0, 16)}…)`));
    let prev = -1;
    for (const inode of list) {
      if (inode.ino <= prev) {
        decodeFindings.push({ code: 'puzzlefs.inode.duplicate', severity: 'error', offset: i === 0 ? inode.at : 0, length: 24, nodeId: inode.ino, message: `metadata layer ${i}: inode ${inode.ino} follows inode ${prev}; inodes must be in increasing order (lookups bisect them)` });
      }
      prev = Math.max(prev, inode.ino);
      if (inodes.has(inode.ino) || hidden.has(inode.ino)) continue; // an upper layer's inode wins
      if (inode.mode === 'wht') hidden.add(inode.ino);
      else inodes.set(inode.ino, inode);
    }
  }
  const rootInode = inodes.get(ROOT_INO);
  if (!rootInode || rootInode.mode !== 'dir') throw new DecodeError(`inode ${ROOT_INO}, the root, is ${rootInode ? `a ${rootInode.mode}` : 'missing'}`, 0, 0, 'puzzlefs.inode.missing');

  // Link counts: names in directories for files, "." and subdirectories' ".." for directories.
  const names = new Map<number, number>();
  for (const n of inodes.values()) for (const e of n.entries ?? []) names.set(e.ino, (names.get(e.ino) ?? 0) + 1);
  const subdirs = (n: PuzzleInode) => (n.entries ?? []).filter((e) => inodes.get(e.ino)?.mode === 'dir').length;

  const nodeAt = (id: number): PuzzleInode => {
    const n = inodes.get(id);
    if (!n) throw new DecodeError(`no inode ${id} in this image`, 0, 0, 'puzzlefs.node.unknown');
    return n;
  };
  const imageNode = (n: PuzzleInode): ImageNode => {
    const type = TYPE_BITS[n.mode] ?? 0;
    const mode = type | (n.permissions & 0o7777);
    const size = n.chunks ? n.chunks.reduce((s, c) => s + c.len, 0) : n.symlinkTarget?.length ?? 0;
    return {
      id: n.ino, kind: kindOfMode(mode), mode, uid: n.uid, gid: n.gid, size,
      // PuzzleFS stores no timestamps.
      mtime: { sec: 0, nsec: 0 },
      nlink: n.mode === 'dir' ? 2 + subdirs(n) : Math.max(1, names.get(n.ino) ?? 1),
      rdev: n.major !== undefined ? encodeDev(n.major, n.minor ?? 0) : 0,
      ino: n.ino,
      layout: n.chunks ? `${n.chunks.length} chunk${n.chunks.length === 1 ? '' : 's'}${n.chunks.some((c) => c.blob.compressed) ? ' (zstd-seekable)' : ''}` : 'puzzlefs',
      ...(n.symlinkTarget ? { target: n.symlinkTarget } : {}),
      xattrs: n.xattrs.map((x) => ({ name: x.key, value: x.val })),
      data: n.chunks && size > 0 ? { kind: 'chunks', chunkSize: 0, count: n.chunks.length, nullCount: 0 } : { kind: 'none' },
      ranges: firstLayer && n === inodes.get(n.ino) ? [{ label: 'Inode', offset: n.at, length: 24 }] : [],
    };
  };
  const children = (id: number): DirEntry[] => {
    const n = nodeAt(id);
    if (!n.entries) throw new DecodeError(`inode ${id} is a ${n.mode}, not a directory`, n.at, 24, 'puzzlefs.node.unknown');
    return n.entries.filter((e) => inodes.has(e.ino)).map((e) => {
      const t = inodes.get(e.ino)!;
      return { name: e.name, id: e.ino, kind: kindOfMode(TYPE_BITS[t.mode] ?? 0) };
    });
  };
  const readData = async (id: number, offset: number, length: number): Promise<Uint8Array> => {
    const n = nodeAt(id);
    if (n.symlinkTarget && n.mode === 'lnk') return n.symlinkTarget.slice(Math.max(0, offset), Math.max(0, offset + length));
    if (!n.chunks) throw new DecodeError(`inode ${id} is a ${n.mode}; only regular files and symlinks have data`, n.at, 24, 'puzzlefs.data.not-file');
    const size = n.chunks.reduce((s, c) => s + c.len, 0);
    const end = Math.min(size, offset + length);
    if (offset < 0 || offset >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    let pos = 0;
    for (const c of n.chunks) {
      const from = Math.max(offset, pos);
      const to = Math.min(end, pos + c.len);
      if (from < to) {
        const b = await blob(toHex(c.blob.digest), c.blob.compressed);
        const piece = blobRead(b, c.blob.offset + (from - pos), to - from);
        if (piece.length !== to - from) {
          throw new DecodeError(`inode ${id}: a chunk of ${c.len} bytes at ${c.blob.offset} runs past the end of blob ${b.hex.slice(0, 16)}… (${blobSize(b)} bytes)`, 0, 0, 'puzzlefs.chunk.out-of-range');
        }
        out.set(piece, from - offset);
      }
      pos += c.len;
      if (pos >= end) break;
    }
    return out;
  };
  const tag = chosen.desc.annotations[OCI_TAG_ANNOTATION];
  const info = (): ImageInfo => ({
    format: 'puzzlefs',
    size: firstLayer?.length ?? 0,
    inodes: inodes.size,
    fields: [
      { label: 'Format', value: 'PuzzleFS (OCI image layout, Cap\'n Proto metadata)' },
      { label: 'Manifest version', value: String(rootfs.manifestVersion) },
      { label: 'Tag', value: tag ?? '(untagged)' },
      { label: 'Manifest', value: `sha256:${chosen.desc.hex}` },
      { label: 'Rootfs blob', value: rootfsDesc.digest },
      { label: 'Metadata layers', value: String(rootfs.metadatas.length) },
      { label: 'Chunk blobs', value: String(chosen.layers.length - 1) },
      { label: 'fs-verity digests recorded', value: String(rootfs.fsVerityData.length) },
      { label: 'Inodes', value: String(inodes.size) },
    ],
    features: ['puzzlefs', `manifest-v${rootfs.manifestVersion}`, ...(rootfs.fsVerityData.length ? ['fs-verity'] : []), ...(chosen.layers.some((l) => l.mediaType.endsWith('+zstd')) ? ['zstd-seekable'] : [])],
  });
  const firstBytes = firstLayer ?? new Uint8Array(0);
  return {
    format: 'puzzlefs',
    rootId: ROOT_INO,
    size: firstBytes.length,
    tag,
    manifest: { hex: chosen.desc.hex, layers: chosen.layers },
    rootfs,
    rootfsBlob: rootfsDesc,
    inodes,
    blob,
    info,
    node: async (id) => imageNode(nodeAt(id)),
    tryNode: (id) => imageNode(nodeAt(id)),
    children: async (id) => children(id),
    tryChildren: (id) => (nodeAt(id).entries ? children(id) : undefined),
    readData,
    findings: () => decodeFindings.slice(),
    bytes: async (offset, length) => firstBytes.slice(Math.max(0, offset), Math.max(0, Math.min(firstBytes.length, offset + length))),
    close: async () => {
      await source.close?.();
    },
  };
}

/** sha256 of a blob's stored bytes equals its name. */
export const blobDigestOk = (b: Blob): boolean => toHex(sha256(b.bytes)) === b.hex;
export const refHex = (r: BlobRef): string => toHex(r.digest);
