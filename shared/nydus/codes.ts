/**
 * Every finding code the Nydus RAFS readers and checker report, with its default severity and the
 * rule it enforces (the shape of CHECK_CODES, so the tables merge). Rules cite the Nydus source:
 * the validate() functions of rafs/src/metadata/layout/v5.rs and v6.rs, direct_v5.rs, and
 * storage/src/meta.
 */
import { ruleError as e, ruleInfo as i, ruleWarning as w, tableFinding, type CodeInfo, type Finding, type FindingExtra } from '../model.ts';

export const NYDUS_CODES = {
  // Both versions.
  'nydus.bootstrap.truncated': e('every table the superblock points at must lie inside the bootstrap'),
  'nydus.superblock.flags': e('exactly one compression flag and one digest flag are set, and no unknown flag (RafsSuperFlags)'),
  'nydus.superblock.chunk-size': e('the chunk size is a power of two from 4 KiB to 16 MiB'),
  'nydus.blob.missing': i('a data blob the bootstrap names was not found beside it, in blobs/ or in the chosen blob directory; its files cannot be read'),
  'nydus.blob.id': e('a blob id is the 64-character sha256 hex of the blob'),
  'nydus.blob.algorithm': e('a blob names a known compression, digest and cipher algorithm'),
  'nydus.blob.features': e('blob feature bits must be ones nydusd knows (BlobFeatures)'),
  'nydus.blob.size': w('the blob file should be as long as the compressed size the bootstrap records'),
  'nydus.chunk.blob-index': e('a chunk must name a blob of the blob table'),
  'nydus.chunk.out-of-bounds': e('a chunk\'s compressed bytes must lie inside its blob'),
  'nydus.chunk.corrupt': e('a compressed chunk must decompress to exactly its uncompressed size'),
  'nydus.chunk.size': e('a chunk is at most 16 MiB, compressed or not'),
  'nydus.chunk.digest': e('a chunk\'s uncompressed bytes must hash (sha256 or blake3) to its recorded digest'),
  'nydus.chunk.encrypted': i('encrypted chunks cannot be read without the key'),
  'nydus.blob.out-of-range': e('a read must stay inside the blob\'s uncompressed size'),

  // RAFS v6 (EROFS-based).
  'nydus.v6.superblock.blocks': e('the superblock block count may cover the bootstrap and the blocks the device table maps, no more'),
  'nydus.v6.blob-table': e('the blob table lies block-aligned after the device table, a whole number of 256-byte entries (RafsV6SuperBlockExt::validate)'),
  'nydus.v6.chunk-table': e('the chunk table lies block-aligned inside the bootstrap, a whole number of 80-byte records'),
  'nydus.v6.prefetch-table': e('the prefetch table is a whole number of u32 inode numbers inside the bootstrap'),
  'nydus.v6.blob.index': e('blob table entry N records blob_index N'),
  'nydus.v6.blob.chunk-size': e('a blob\'s chunk size equals the extended superblock\'s'),
  'nydus.v6.device.blob': e('each device slot names, by id, a blob of the blob table'),
  'nydus.v6.device.blocks': e('a device slot records how many blocks its blob maps (not 0)'),
  'nydus.v6.chunk.addr': e('each chunk index of a file must match a chunk table record (blob, chunk index and block address)'),
  'nydus.v6.chunk.ci-table': e('the blob\'s own chunk info array must agree with the bootstrap\'s chunk table'),
  'nydus.v6.prefetch.ino': w('a prefetch table entry should name an inode of the image'),

  // RAFS v5.
  'nydus.v5.superblock.version': e('a RAFS v5 superblock has s_fs_version 0x500 (v4: 0x400)'),
  'nydus.v5.superblock.size': e('s_sb_size is 8192'),
  'nydus.v5.superblock.inode-table': e('the inode table lies in the bootstrap and has an entry for every inode'),
  'nydus.v5.superblock.blob-table': e('the blob table lies in the bootstrap and does not overlap the inode table'),
  'nydus.v5.superblock.prefetch-table': e('the prefetch table lies in the bootstrap'),
  'nydus.v5.inode-table.offset': e('an inode table entry points, in units of 8 bytes, past the superblock and inside the bootstrap'),
  'nydus.v5.inode': e('an inode has a non-zero ino, link count and name, a valid mode, and fits in the bootstrap (OndiskInodeWrapper::validate)'),
  'nydus.v5.inode.children': e('a directory\'s children are inode table entries after its own'),
  'nydus.v5.inode.chunks': e('a regular file without holes has one chunk per chunk-size of data'),
  'nydus.v5.inode.digest': w('an inode\'s digest is the hash of its chunk digests (files), target (symlinks) or children\'s digests (directories)'),
  'nydus.v5.xattr': e('the xattr table lists "name\\0value" pairs, each with its u32 size, filling the size the table records'),
  'nydus.v5.tree.cycle': e('the tree reached through child indexes must not contain a directory inside itself'),
} as const satisfies Record<string, CodeInfo>;

export type NydusCode = keyof typeof NYDUS_CODES;

export type NydusExtra = FindingExtra;

export function nydusFinding(code: NydusCode, offset: number, length: number, message: string, extra: NydusExtra = {}): Finding {
  return tableFinding(NYDUS_CODES, code, offset, length, message, extra);
}
