/**
 * Diff two opened images of any format the core reads, as composefs-info would show them.
 * See diff.ts for the walk and format.ts for the one-line form.
 */
import type { DiffOptions } from '../api.ts';
import { composefsContent } from '../composefs/overlay.ts';
import type { ImageReader } from '../model.ts';
import type { ViewFn } from './compare.ts';
import { diffWithView, type DiffResult, type EngineOptions } from './diff.ts';

export { formatChange } from './format.ts';
export type { DiffResult } from './diff.ts';

/** The composefs reading of every node, so the diff compares what composefs-info shows (xattrs read-only). */
export const contentView: ViewFn = composefsContent;

export function diffImages(a: ImageReader, b: ImageReader, options?: DiffOptions & Pick<EngineOptions, 'onProgress'>): Promise<DiffResult> {
  return diffWithView(a, b, contentView, options);
}
