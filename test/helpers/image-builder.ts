/**
 * Small composefs images for tests, made by our own writer:
 *
 *   const image = buildImage({ entries: [{ path: '/etc/hostname', content: 'box\n' }] });
 *   const fromDump = imageFromDump('/ 4096 40755 2 0 0 0 0.0 - - -\n');
 *
 * Entries follow EntrySpec (shared/composefs/writer-tree.ts): paths, a type, inline content or an
 * external size + digest, xattrs; parents are created as needed.
 */
import { parseDump, type DumpEntry, type DumpParseOptions } from '../../shared/composefs/dumpfile.ts';
import { writeComposefs, type WriteOptions } from '../../shared/composefs/writer.ts';
import { treeFromSpecs, type EntrySpec } from '../../shared/composefs/writer-tree.ts';
import { memorySource } from '../../shared/bytes/source.ts';
import { openImage } from '../../shared/open.ts';
import type { ImageReader } from '../../shared/model.ts';

export type { EntrySpec } from '../../shared/composefs/writer-tree.ts';
export { objectPath } from '../../shared/composefs/writer-tree.ts';

export interface BuildOptions extends WriteOptions {
  entries: EntrySpec[];
}

export function buildTree(options: BuildOptions): DumpEntry {
  return treeFromSpecs(options.entries);
}

export function buildImage(options: BuildOptions): Uint8Array {
  return writeComposefs(treeFromSpecs(options.entries), options);
}

export function imageFromDump(text: string | Uint8Array, options: WriteOptions & DumpParseOptions = {}): Uint8Array {
  return writeComposefs(parseDump(text, options), options);
}

/** An in-memory image opened with the project's reader. */
export function openBytes(image: Uint8Array): Promise<ImageReader> {
  return openImage(memorySource(image));
}
