/**
 * Every finding code the PuzzleFS reader and checker can report (the shape of the other formats'
 * tables). Rules come from PuzzleFS's reader (puzzlefs-lib: oci.rs, reader/puzzlefs.rs) and the
 * OCI image layout it lives in.
 */
import { ruleError as e, ruleWarning as w, type CodeInfo, type Finding, type Severity } from '../model.ts';

export const PUZZLEFS_CODES = {
  'puzzlefs.layout.invalid': e('index.json and the manifest are OCI image-layout JSON documents'),
  'puzzlefs.layout.not-puzzlefs': e('the manifest\'s layers begin with the PuzzleFS rootfs (application/vnd.puzzlefs.image.rootfs.v1)'),
  'puzzlefs.blob.missing': e('every blob the layout names is in blobs/sha256/'),
  'puzzlefs.blob.digest': e('a blob\'s sha256 is its name'),
  'puzzlefs.blob.too-large': e('a blob is at most 1 GiB (a budget of this reader)'),
  'puzzlefs.blob.bad-seek-table': e('a compressed chunk blob ends with a valid zstd seek table'),
  'puzzlefs.blob.corrupt': e('every zstd frame of a compressed blob decompresses'),
  'puzzlefs.verity.missing': w('the rootfs lists an fs-verity digest for every blob the image uses'),
  'puzzlefs.verity.mismatch': e('each blob\'s fs-verity digest equals the one the rootfs (or, for the rootfs, the manifest annotation) records'),
  'puzzlefs.capnp.malformed': e('metadata is a well-formed Cap\'n Proto message'),
  'puzzlefs.metadata.invalid': e('metadata fields hold values the schema and reader accept'),
  'puzzlefs.manifest-version': w('the rootfs\'s manifestVersion is one this reader knows (2 or 3)'),
  'puzzlefs.inode.missing': e('every directory entry names an inode some metadata layer holds'),
  'puzzlefs.inode.duplicate': e('an inode number appears once per metadata layer, in increasing order'),
  'puzzlefs.chunk.out-of-range': e('a file chunk lies inside its blob'),
  'puzzlefs.dir.cycle': e('directories form a tree: no directory contains itself'),
  'puzzlefs.node.unknown': e('node ids are inode numbers the image holds'),
  'puzzlefs.data.not-file': e('only regular files and symlinks have data'),
} as const satisfies Record<string, CodeInfo>;

export type PuzzlefsCode = keyof typeof PUZZLEFS_CODES;
export const isPuzzlefsCode = (c: string): c is PuzzlefsCode => Object.hasOwn(PUZZLEFS_CODES, c);

export function puzzlefsFinding(code: PuzzlefsCode, offset: number, length: number, message: string, extra: { severity?: Severity; nodeId?: number; expected?: string; actual?: string } = {}): Finding {
  const { severity = PUZZLEFS_CODES[code].severity, ...rest } = extra;
  return { code, severity, offset, length, message, ...rest };
}
