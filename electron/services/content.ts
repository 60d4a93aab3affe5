/**
 * A file's content, wherever it lives: in the image (inline, blocks, chunks, compressed clusters,
 * tar members, read through the format core's readData) or in a composefs backing object in an
 * object store (resolved by electron/verity/store.ts, which refuses redirects leaving the store).
 * Used by `cfs-inspect cat`/`extract` and the app's content preview.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ComposefsContent } from '../../shared/composefs/overlay.ts';
import { createFsverityHasher } from '../../shared/verity/merkle.ts';
import { bytesEqual, S_IFMT, S_IFREG, toHex, type DirEntry, type ImageNode, type ImageReader } from '../../shared/model.ts';
import { nodeSha256 } from '../verity/node-hash.ts';
import type { Resolver } from '../verity/store.ts';

/** Where a regular file's bytes come from. */
export type ContentOrigin =
  | { kind: 'empty' }
  /** readData of the image; `layout` is the node's DataLocation kind. */
  | { kind: 'image'; layout: string }
  /** A backing object: its real path in the store, and the digest the image records for it. */
  | { kind: 'object'; path: string; store: string; size: number; digest?: Uint8Array }
  /** Neither an object nor data in the image: the file reads as zeros (a sparse hole). */
  | { kind: 'hole' }
  | { kind: 'unavailable'; reason: 'missing' | 'escape' | 'unreadable' | 'size-mismatch'; message: string; objectPath?: string };

/** Read piece for streaming: large enough to amortise calls, bounded so memory stays flat. */
export const CONTENT_CHUNK = 1 << 20;

/** Does the node keep its own bytes in the image, where readData reaches them? */
export function hasImageData(node: ImageNode): boolean {
  const d = node.data;
  return d.kind === 'inline' || d.kind === 'blocks' || d.kind === 'compressed' || (d.kind === 'chunks' && d.nullCount < d.count);
}

/** Where the content of a regular file (given its composefs reading) comes from. */
export function contentOrigin(node: ImageNode, view: ComposefsContent, resolver: Resolver | undefined): ContentOrigin {
  if ((view.mode & S_IFMT) !== S_IFREG) throw new Error('only regular files have content');
  if (view.size === 0) return { kind: 'empty' };
  if (view.payload) {
    if (!resolver || resolver.roots.length === 0) {
      return { kind: 'unavailable', reason: 'missing', message: 'the file lives in a backing object and no object store was given (--basedir DIR)' };
    }
    const r = resolver.resolve(view.payload);
    if (!r.ok) return { kind: 'unavailable', reason: r.reason === 'no-store' ? 'missing' : r.reason, message: r.message, ...(r.path ? { objectPath: r.path } : {}) };
    if (r.size !== view.size) {
      return { kind: 'unavailable', reason: 'size-mismatch', message: `object is ${r.size} bytes, the inode says ${view.size}`, objectPath: r.path };
    }
    const store = resolver.roots.find((root) => r.path.startsWith(root === '/' ? '/' : root + '/')) ?? '';
    const digest = view.digest ?? view.legacyDigest;
    return { kind: 'object', path: r.path, store, size: r.size, ...(digest ? { digest } : {}) };
  }
  if (hasImageData(node)) return { kind: 'image', layout: node.data.kind };
  return { kind: 'hole' };
}

/** Opens a resolved object without following a symlink that replaced it since it was resolved. */
function openObject(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL', path });
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export class ContentError extends Error {
  constructor(
    message: string,
    readonly reason: 'missing' | 'escape' | 'unreadable' | 'size-mismatch' | 'mismatch',
    readonly objectPath?: string,
  ) {
    super(message);
  }
}

export interface ReadOptions {
  offset?: number;
  length?: number;
  /** Piece size (at most CONTENT_CHUNK is held at once). */
  chunk?: number;
}

/**
 * The bytes [offset, offset+length) of a file, piece by piece. A backing object that is shorter
 * than the inode says is an error, never silently short output.
 */
export async function* readContent(reader: ImageReader, id: number, size: number, origin: ContentOrigin, o: ReadOptions = {}): AsyncGenerator<Uint8Array> {
  const start = Math.max(0, Math.min(o.offset ?? 0, size));
  const end = Math.min(size, start + (o.length ?? size));
  const chunk = Math.max(1, Math.min(o.chunk ?? CONTENT_CHUNK, CONTENT_CHUNK));
  switch (origin.kind) {
    case 'empty':
      return;
    case 'unavailable':
      throw new ContentError(origin.message, origin.reason, origin.objectPath);
    case 'hole':
      for (let at = start; at < end; at += chunk) yield new Uint8Array(Math.min(chunk, end - at));
      return;
    case 'image':
      for (let at = start; at < end; at += chunk) yield await reader.readData(id, at, Math.min(chunk, end - at));
      return;
    case 'object': {
      const fd = openObject(origin.path);
      try {
        for (let at = start; at < end; ) {
          const buf = new Uint8Array(Math.min(chunk, end - at));
          let got = 0;
          while (got < buf.length) {
            const n = readSync(fd, buf, got, buf.length - got, at + got);
            if (n === 0) throw new ContentError(`object shrank to ${at + got} bytes while being read`, 'size-mismatch', origin.path);
            got += n;
          }
          yield buf;
          at += got;
        }
      } finally {
        closeSync(fd);
      }
      return;
    }
  }
}

/** All of a file's content as one array (for small reads: previews, tests). */
export async function readContentRange(reader: ImageReader, id: number, size: number, origin: ContentOrigin, offset: number, length: number): Promise<Uint8Array> {
  const end = Math.min(size, offset + length);
  const out = new Uint8Array(Math.max(0, end - Math.max(0, offset)));
  let at = 0;
  for await (const piece of readContent(reader, id, size, origin, { offset, length })) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Streams a whole object's content to `sink` while measuring its fs-verity digest, and says whether
 * it matches the one the image records. One read serves both, so extracting verifies for free.
 */
export async function copyVerified(
  reader: ImageReader,
  id: number,
  size: number,
  origin: ContentOrigin,
  sink: (piece: Uint8Array) => void | Promise<void>,
): Promise<{ verified: boolean | undefined; actual?: string }> {
  const hasher = origin.kind === 'object' && origin.digest ? createFsverityHasher({ hash: nodeSha256 }) : undefined;
  for await (const piece of readContent(reader, id, size, origin)) {
    hasher?.update(piece);
    await sink(piece);
  }
  if (!hasher || origin.kind !== 'object' || !origin.digest) return { verified: undefined };
  const actual = hasher.digest();
  return { verified: bytesEqual(actual, origin.digest), actual: toHex(actual) };
}

/** Path components of an image path given as bytes; repeated and trailing slashes are ignored. */
export function pathComponents(path: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === 0x2f) {
      if (i > from) parts.push(path.subarray(from, i));
      from = i + 1;
    }
  }
  return parts;
}

/**
 * Finds a path in the image, component by component, without following symlinks (a symlink in the
 * middle of the path is reported, not resolved: the image's links point into someone else's tree).
 */
export async function lookupImagePath(reader: ImageReader, path: Uint8Array): Promise<{ id: number; node: ImageNode } | { missing: string }> {
  let id = reader.rootId;
  let node = await reader.node(id);
  const parts = pathComponents(path);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.length === 1 && part[0] === 0x2e) continue;
    if (node.kind !== 'dir') return { missing: `${node.kind === 'symlink' ? 'a symlink' : 'not a directory'} on the way` };
    const entries: DirEntry[] = await reader.children(id);
    const hit = entries.find((e) => bytesEqual(e.name, part));
    if (!hit) return { missing: 'no such file or directory in the image' };
    id = hit.id;
    node = await reader.node(id);
  }
  return { id, node };
}
