/**
 * The files of one image as the sharing analysis reads them: every regular file once (a second
 * name of a hard-linked inode is skipped), its content from the image (inline, blocks, chunked or
 * compressed data) or, for composefs files, from the backing object in the object store. Object
 * lookups use verify's resolver, so a redirect can never read outside the store.
 */
import { closeSync, openSync, readSync, constants as fsc } from 'node:fs';
import { createHash, hash } from 'node:crypto';
import { S_IFDIR, S_IFMT, S_IFREG, type ImageReader } from '../../shared/model.ts';
import { walkComposefs } from '../../shared/composefs/dump.ts';
import type { ShareFile, UnitHasher } from '../../shared/share/units.ts';
import { createResolver } from '../verity/store.ts';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ShareSource {
  files: ShareFile[];
  /** Files whose content could not be found (a missing object, a redirect out of the store). */
  skipped: SkippedFile[];
}

/** Native SHA-256: several times faster than the pure-JS one for the many small block units. */
export const nodeUnitHasher: UnitHasher = {
  // One call per unit: no Hash object per 4 KiB block.
  digest: (bytes) => hash('sha256', bytes, 'buffer'),
  create: () => {
    const h = createHash('sha256');
    return { update: (b: Uint8Array) => void h.update(b), digest: () => h.digest() };
  },
};

const text = (path: Uint8Array) => Buffer.from(path).toString('utf8');

/** Reads from an object file, opening it per call: thousands of objects must not hold thousands of fds. */
function objectReader(path: string): ShareFile['read'] {
  return async (offset, length) => {
    const fd = openSync(path, fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0) | (fsc.O_NONBLOCK ?? 0));
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * Lists the image's regular files in catar order (depth-first, name-sorted), each with the
 * depth-first index of its directory for PuzzleFS's order.
 */
export async function shareSource(reader: ImageReader, stores: string[]): Promise<ShareSource> {
  const resolver = createResolver(stores);
  const files: ShareFile[] = [];
  const skipped: SkippedFile[] = [];
  const dirIndex = new Map<string, number>();
  await walkComposefs(reader, (e) => {
    const type = e.view.mode & S_IFMT;
    const path = text(e.path);
    if (type === S_IFDIR) {
      dirIndex.set(path, dirIndex.size);
      return;
    }
    if (type !== S_IFREG || e.hardlinkOf) return;
    const parent = path.slice(0, Math.max(1, path.lastIndexOf('/')));
    const dirOrder = dirIndex.get(parent) ?? 0;
    const size = e.view.size;
    if (e.view.payload && size > 0) {
      const r = resolver.resolve(e.view.payload);
      if (!r.ok) {
        skipped.push({ path, reason: `${r.reason}: ${r.message}` });
        return;
      }
      if (r.size !== size) {
        skipped.push({ path, reason: `size-mismatch: the object is ${r.size} bytes, the image says ${size}` });
        return;
      }
      files.push({ path, size, dirOrder, read: objectReader(r.path) });
      return;
    }
    const id = e.id;
    files.push({ path, size, dirOrder, read: (offset, length) => reader.readData(id, offset, length) });
  }, (p) => skipped.push({ path: text(p.path), reason: `unreadable: ${(p.error as Error)?.message ?? p.reason}` }));
  return { files, skipped };
}
