/**
 * Diff two writer-built images both ways — the raw-byte shortcut and decoding every node — and
 * require the same result, so every diff test also proves the shortcut exact.
 */
import assert from 'node:assert/strict';
import { buildImage, openBytes, type EntrySpec } from '../../helpers/image-builder.ts';
import { diffImages, formatChange, contentView } from '../../../shared/diff/index.ts';
import { diffWithView, type DiffResult } from '../../../shared/diff/diff.ts';
import type { DiffOptions } from '../../../shared/api.ts';

export async function diff(a: EntrySpec[], b: EntrySpec[], options: DiffOptions = {}): Promise<DiffResult> {
  const [ia, ib] = [buildImage({ entries: a }), buildImage({ entries: b })];
  const fast = await diffImages(await openBytes(ia), await openBytes(ib), options);
  const slow = await diffWithView(await openBytes(ia), await openBytes(ib), contentView, { ...options, exhaustive: true });
  assert.deepEqual(fast, slow, 'the raw-byte shortcut agrees with decoding every node');
  return fast;
}

/** The changes as the CLI prints them. */
export const lines = async (a: EntrySpec[], b: EntrySpec[], options?: DiffOptions) => (await diff(a, b, options)).changes.map(formatChange);
