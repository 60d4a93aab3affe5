/**
 * Where a regular file's bytes are, as a mount shows them: in the image (by layout) or elsewhere
 * (a backing object, a tar member, nowhere for an empty file or one made only of holes). `info`
 * counts, `verify` reports and the diff compares files by this one answer.
 */
import { bytesEqual, S_IFMT, S_IFREG, stringToBytes, type FormatId, type ImageNode } from '../model.ts';
import { OVERLAY_XATTR_METACOPY, type ComposefsView } from './overlay.ts';

/** How a file's in-image bytes are stored. */
export type ImageDataLayout = 'inline' | 'blocks' | 'chunks' | 'compressed';

export const IMAGE_DATA_LAYOUTS: readonly ImageDataLayout[] = ['inline', 'blocks', 'chunks', 'compressed'];

const METACOPY_NAME = stringToBytes(OVERLAY_XATTR_METACOPY);

/**
 * In a composefs image, a redirect, a recorded digest or a bare metacopy marker means overlayfs
 * takes the file's bytes from elsewhere (the object store or a lower layer), whatever block
 * addresses the inode holds: mkcomposefs writes an oversized chunk map out of line, and read as
 * plain EROFS the following inodes look like chunk addresses.
 */
export function hasBackingObject(format: FormatId, node: ImageNode, view: Pick<ComposefsView, 'payload' | 'digest' | 'legacyDigest'>): boolean {
  if (format !== 'composefs') return false;
  if (view.payload !== undefined || view.digest !== undefined || view.legacyDigest !== undefined) return true;
  for (const x of node.xattrs) if (bytesEqual(x.name, METACOPY_NAME)) return true;
  return false;
}

/** The layout of a regular file's bytes held in the image, or undefined when none are (empty, holes only, elsewhere). */
export function imageDataLayout(format: FormatId, node: ImageNode, view: Pick<ComposefsView, 'mode' | 'payload' | 'digest' | 'legacyDigest'>): ImageDataLayout | undefined {
  if ((view.mode & S_IFMT) !== S_IFREG || node.kind !== 'file' || node.size === 0) return undefined;
  const d = node.data;
  let layout: ImageDataLayout | undefined;
  switch (d.kind) {
    case 'inline':
    case 'blocks':
    case 'compressed':
      layout = d.kind;
      break;
    case 'chunks':
      layout = d.nullCount < d.count ? 'chunks' : undefined;
      break;
    default:
      layout = undefined;
  }
  return layout && !hasBackingObject(format, node, view) ? layout : undefined;
}
