/**
 * Format detection and opening: one entry point for every format the core reads. Readers for the
 * other formats are loaded on demand so a composefs-only walk does not pay for them.
 */
import { Cursor, DecodeError } from './bytes/cursor.ts';
import type { ByteSource, SiblingFiles } from './bytes/source.ts';
import type { FormatId, ImageReader } from './model.ts';
import { composefsWrapper, LCFS_EROFS_MAGIC } from './composefs/header.ts';
import { EROFS_SUPER_MAGIC_V1, EROFS_SUPER_OFFSET } from './erofs/erofs_fs.ts';
import { openErofs } from './erofs/reader.ts';
import type { NydusOpenOptions } from './nydus/blobs.ts';
import { EROFS_FEATURE_COMPAT_RAFS_V6, RAFSV5_SUPER_MAGIC } from './nydus/rafs_fs.ts';
import { casyncContainerOf } from './casync/caformat.ts';
import { looksLikeOciIndex } from './puzzlefs/layout.ts';

export const LEGACY_CFS_MAGIC = 0xc078629a;

export type DetectedFormat = FormatId | 'oci-tar-gzip' | 'oci-tar-zstd';

/** Detects the format from the first bytes (at least 1028 of them when the image has them). */
export function detectFormat(head: Uint8Array): DetectedFormat | undefined {
  const u32 = (at: number) => (head.length >= at + 4 ? new Cursor(head, 0, at).u32('magic') : undefined);
  const m0 = u32(0);
  if (u32(EROFS_SUPER_OFFSET) === EROFS_SUPER_MAGIC_V1) {
    if (m0 === LCFS_EROFS_MAGIC) return 'composefs';
    // feature_compat, 8 bytes into the superblock: Nydus marks its EROFS bootstraps.
    return (u32(EROFS_SUPER_OFFSET + 8)! & EROFS_FEATURE_COMPAT_RAFS_V6) !== 0 ? 'nydus-v6' : 'erofs';
  }
  if (m0 === LCFS_EROFS_MAGIC) return 'composefs'; // header present, superblock damaged: still ours to diagnose
  if (m0 === RAFSV5_SUPER_MAGIC) return 'nydus-v5';
  if (u32(4) === LEGACY_CFS_MAGIC) return 'legacy-cfs'; // after the 4-byte version field
  if (head[0] === 0x1f && head[1] === 0x8b) return 'oci-tar-gzip';
  if (m0 === 0xfd2fb528) return 'oci-tar-zstd';
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'oci-tar';
  if (casyncContainerOf(head)) return 'casync';
  if (looksLikeOciIndex(head)) return 'puzzlefs'; // an OCI layout's index.json
  return undefined;
}

/**
 * What opening may need besides the image bytes: EROFS extra devices (the tarball of an index-only
 * image) in device-table order, for Nydus bootstraps a way to find their data blobs, and files
 * beside the image (a casync index's chunk store, a PuzzleFS layout's blobs).
 */
export interface OpenOptions extends NydusOpenOptions {
  devices?: (ByteSource | undefined)[];
  siblings?: SiblingFiles;
}

export async function openImage(source: ByteSource, options: OpenOptions = {}): Promise<ImageReader> {
  const head = await source.read(0, Math.min(source.size, EROFS_SUPER_OFFSET + 128));
  const format = detectFormat(head);
  switch (format) {
    case 'composefs':
    case 'erofs': {
      const z = await import('./erofs/zdata.ts').catch(() => undefined);
      // The EROFS reader does not know composefs: its header is decoded here and handed over.
      const wrapper = format === 'composefs' ? composefsWrapper(head) : undefined;
      return openErofs(source, { ...(z ? { decompressor: z.createDecompressor() } : {}), ...(wrapper ? { wrapper } : {}), ...(options.devices ? { devices: options.devices } : {}) });
    }
    case 'nydus-v6': {
      const { openRafsV6 } = await import('./nydus/reader-v6.ts');
      return openRafsV6(source, options);
    }
    case 'nydus-v5': {
      const { openRafsV5 } = await import('./nydus/reader-v5.ts');
      return openRafsV5(source, options);
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
          : 'not a composefs image: no composefs, EROFS, Nydus RAFS, legacy composefs, OCI tar, casync or PuzzleFS signature found',
        0,
        Math.min(source.size, 4),
        'image.unknown-format',
      );
  }
}
