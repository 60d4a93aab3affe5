/**
 * Diff two opened images of any format the core reads, as composefs-info would show them.
 * See diff.ts for the walk and format.ts for the one-line form.
 */
import type { DiffOptions } from '../api.ts';
import { composefsView } from '../composefs/overlay.ts';
import { kindOfMode, type ImageNode, type ImageReader } from '../model.ts';
import type { ContentView } from './compare.ts';
import { diffWithView, type DiffResult } from './diff.ts';

export { formatChange } from './format.ts';
export type { DiffResult } from './diff.ts';

/** Pre-1.0 images keep the digest elsewhere; it identifies the same content, so it compares as the digest. */
export function contentView(node: ImageNode): ContentView {
  const v = composefsView(node);
  const digest = v.digest ?? v.legacyDigest;
  return {
    kind: kindOfMode(v.mode),
    mode: v.mode,
    size: v.size,
    rdev: v.rdev,
    xattrs: v.xattrs,
    whiteout: v.whiteout,
    opaque: v.opaque,
    ...(v.payload ? { payload: v.payload } : {}),
    ...(digest ? { digest } : {}),
  };
}

export function diffImages(a: ImageReader, b: ImageReader, options?: DiffOptions): Promise<DiffResult> {
  return diffWithView(a, b, contentView, options);
}
