/**
 * Format detection and opening: one entry point for every format the core reads. Readers for the
 * other formats are loaded on demand so a composefs-only walk does not pay for them.
 */
import { Cursor, DecodeError } from './bytes/cursor.ts';
import type { ByteSource, SiblingFiles } from './bytes/source.ts';
import type { FormatId, ImageReader } from './model.ts';
import { LCFS_EROFS_MAGIC } from './composefs/header.ts';
import { EROFS_SUPER_MAGIC_V1, EROFS_SUPER_OFFSET } from './erofs/erofs_fs.ts';
import { openErofs } from './erofs/reader.ts';
import { casyncContainerOf } from './casync/caformat.ts';
import { looksLikeOciIndex } from './puzzlefs/layout.ts';

export const LEGACY_CFS_MAGIC = 0xc078629a;

export type DetectedFormat = FormatId | 'oci-tar-gzip' | 'oci-tar-zstd';

/** Detects the format from the first bytes (at least 1028 of them when the image has them). */
export function detectFormat(head: Uint8Array): DetectedFormat | undefined {
  const u32 = (at: number) => (head.length >= at + 4 ? new Cursor(head, 0, at).u32('magic') : undefined);
  const m0 = u32(0);
  if (u32(EROFS_SUPER_OFFSET) === EROFS_SUPER_MAGIC_V1) return m0 === LCFS_EROFS_MAGIC ? 'composefs' : 'erofs';
  if (m0 === LCFS_EROFS_MAGIC) return 'composefs'; // header present, superblock damaged: still ours to diagnose
  if (u32(4) === LEGACY_CFS_MAGIC) return 'legacy-cfs'; // after the 4-byte version field
  if (head[0] === 0x1f && head[1] === 0x8b) return 'oci-tar-gzip';
  if (m0 === 0xfd2fb528) return 'oci-tar-zstd';
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'oci-tar';
  if (casyncContainerOf(head)) return 'casync';
  if (looksLikeOciIndex(head)) return 'puzzlefs'; // an OCI layout's index.json
  return undefined;
}

export interface OpenOptions {
  /** Files beside the image: a casync index's chunk store, a PuzzleFS layout's blobs. */
  siblings?: SiblingFiles;
}

export async function openImage(source: ByteSource, options: OpenOptions = {}): Promise<ImageReader> {
  const head = await source.read(0, Math.min(source.size, EROFS_SUPER_OFFSET + 128));
  const format = detectFormat(head);
  switch (format) {
    case 'composefs':
    case 'erofs': {
      const z = await import('./erofs/zdata.ts').catch(() => undefined);
      return openErofs(source, z ? { decompressor: z.createDecompressor() } : {});
    }
    case 'legacy-cfs': {
      const { openLegacy } = await import('./legacy/reader.ts');
      return openLegacy(source);
    }
    case 'oci-tar':
    case 'oci-tar-gzip':
    case 'oci-tar-zstd': {
      const { openOciTar } = await import('./oci/reader.ts');
      return openOciTar(source);
    }
    case 'casync': {
      const { openCasync } = await import('./casync/reader.ts');
      return openCasync(source, options);
    }
    case 'puzzlefs': {
      const { openPuzzlefs } = await import('./puzzlefs/reader.ts');
      return openPuzzlefs(source, options);
    }
    default:
      throw new DecodeError(
        source.size === 0
          ? 'the file is empty'
          : 'not a composefs image: no composefs, EROFS, legacy composefs, OCI tar, casync or PuzzleFS signature found',
        0,
        Math.min(source.size, 4),
        'image.unknown-format',
      );
  }
}
