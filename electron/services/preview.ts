/**
 * The app's content preview: a slice of a file's bytes, where they come from (in the image, or
 * which object in which store), and the file's data extents with their image byte ranges so the
 * hex view can show each one. Reads through content.ts, so the preview shows exactly what
 * `cfs-inspect cat` prints.
 */
import type { ContentExtent, ContentSlice } from '../../shared/api.ts';
import { composefsView } from '../../shared/composefs/overlay.ts';
import { compressedExtents } from '../../shared/erofs/zdata.ts';
import { Z_EROFS_ALGORITHM_NAMES } from '../../shared/erofs/zmap.ts';
import type { ErofsReader } from '../../shared/erofs/reader.ts';
import { S_IFMT, S_IFREG, type ImageNode, type ImageReader } from '../../shared/model.ts';
import type { Resolver } from '../verity/store.ts';
import { contentOrigin, readContentRange, type ContentOrigin } from './content.ts';

/** Largest slice one request returns: previews page through big files on demand. */
export const MAX_PREVIEW_SLICE = 1 << 20;
/** Extents listed per file: a fragmented multi-GiB file keeps its first ones. */
export const MAX_EXTENTS = 4096;

const LAYOUT_TEXT: Record<string, string> = {
  inline: 'inline in the image (in the inode’s metadata block)',
  blocks: 'data blocks in the image',
  chunks: 'chunked data blocks in the image',
  compressed: 'compressed clusters in the image',
  external: 'outside the image',
};

function originText(reader: ImageReader, node: ImageNode, o: ContentOrigin): string {
  switch (o.kind) {
    case 'empty':
      return 'empty file: no data';
    case 'hole':
      return 'no data in the image and no backing object: the file reads as zeros';
    case 'object':
      return `backing object ${o.path.slice(o.store.length + 1)} in the store ${o.store}`;
    case 'unavailable':
      return `backing object ${o.reason}: ${o.message}`;
    case 'image': {
      if (reader.format === 'oci-tar') return 'the tar member’s data in the layer';
      const d = node.data;
      const tail = d.kind === 'blocks' && d.extents.length > 1 ? ' plus a tail inline in the inode’s block' : '';
      const algo = d.kind === 'compressed' ? ` (${d.algorithm})` : '';
      return (LAYOUT_TEXT[o.layout] ?? o.layout) + algo + tail;
    }
  }
}

const isErofs = (r: ImageReader): r is ErofsReader => r.format === 'composefs' || r.format === 'erofs';

/** The file's data extents: blocks, chunks or compressed clusters, each with its image range. */
export async function dataExtents(reader: ImageReader, node: ImageNode): Promise<ContentExtent[]> {
  const d = node.data;
  if (d.kind === 'blocks' && !isErofs(reader)) {
    // A compressed layer's offsets are in the decompressed stream, not the file the hex view shows.
    const inFile = reader.format === 'oci-tar' && (reader as ImageReader & { compression?: string }).compression === 'none';
    return d.extents.slice(0, MAX_EXTENTS).map((e) => ({
      label: 'tar data',
      fileOffset: e.fileOffset,
      length: e.length,
      ...(inFile ? { offset: e.offset, imageLength: e.length } : {}),
    }));
  }
  if (!isErofs(reader)) return [];
  const ino = await reader.rawInode(node.id);
  if (d.kind === 'blocks' || d.kind === 'inline') {
    const tail = reader.inlineTail(ino);
    return (await reader.extents(ino)).slice(0, MAX_EXTENTS).map((e) => ({
      label: e.offset === null ? 'hole' : tail && e.offset === tail.offset ? 'inline tail' : 'blocks',
      fileOffset: e.fileOffset,
      length: e.length,
      ...(e.offset !== null && e.deviceId === undefined ? { offset: e.offset, imageLength: e.length } : {}),
      ...(e.deviceId !== undefined ? { note: `on device ${e.deviceId}` } : {}),
    }));
  }
  if (d.kind === 'chunks') {
    const { layout, chunks } = await reader.chunks(ino);
    return chunks.slice(0, MAX_EXTENTS).map((c, i) => {
      const fileOffset = i * layout.chunkSize;
      const length = Math.max(0, Math.min(layout.chunkSize, node.size - fileOffset));
      if (c.blkaddr === null) return { label: `chunk ${i} (hole)`, fileOffset, length };
      const onDevice = c.deviceId !== 0;
      return {
        label: `chunk ${i}`,
        fileOffset,
        length,
        ...(onDevice ? { note: `on device ${c.deviceId}` } : { offset: c.blkaddr * reader.blockSize, imageLength: length }),
      };
    });
  }
  if (d.kind === 'compressed') {
    const { extents } = await compressedExtents(reader, ino);
    return extents.slice(0, MAX_EXTENTS).map((e) => ({
      label: e.fragment ? 'fragment (packed inode)' : `${Z_EROFS_ALGORITHM_NAMES[e.algorithm] ?? 'cluster'}${e.inline ? ' (inline tail)' : ''}`,
      fileOffset: e.la,
      length: e.llen,
      ...(e.fragment ? {} : { offset: e.pa, imageLength: e.plen }),
    }));
  }
  return [];
}

/** One slice of a regular file's content with its origin; the extents come with the first slice. */
export async function previewSlice(reader: ImageReader, resolver: Resolver, nodeId: number, offset: number, length: number): Promise<ContentSlice> {
  const node = await reader.node(nodeId);
  const view = reader.format === 'composefs' || reader.format === 'legacy-cfs' ? composefsView(node) : undefined;
  const mode = view?.mode ?? node.mode;
  if ((mode & S_IFMT) !== S_IFREG) throw new Error(`node ${nodeId} is a ${node.kind}: only regular files have content`);
  const size = view?.size ?? node.size;
  const origin = contentOrigin(node, view ?? { mode: node.mode, size: node.size, rdev: node.rdev, xattrs: node.xattrs, whiteout: false, opaque: false }, resolver);
  const from = Math.max(0, Math.min(offset, size));
  const want = Math.max(0, Math.min(length, MAX_PREVIEW_SLICE, size - from));
  const slice: ContentSlice = {
    nodeId,
    size,
    offset: from,
    bytes: new Uint8Array(0),
    origin: { kind: origin.kind === 'image' ? (origin.layout as ContentSlice['origin']['kind']) : origin.kind, text: originText(reader, node, origin) },
  };
  if (origin.kind === 'object') slice.origin.objectPath = origin.path;
  if (origin.kind === 'unavailable') {
    slice.error = `${origin.reason}: ${origin.message}`;
    if (origin.objectPath) slice.origin.objectPath = origin.objectPath;
  } else {
    try {
      slice.bytes = await readContentRange(reader, nodeId, size, origin, from, want);
    } catch (e) {
      slice.error = (e as Error).message;
    }
  }
  if (from === 0) {
    try {
      slice.extents = await dataExtents(reader, node);
    } catch (e) {
      slice.extentsError = (e as Error).message;
    }
  }
  return slice;
}
