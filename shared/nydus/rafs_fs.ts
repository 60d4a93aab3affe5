/**
 * Nydus RAFS constants, named as in the Nydus source: rafs/src/metadata/layout/v5.rs and v6.rs,
 * rafs/src/metadata/mod.rs (RafsSuperFlags), storage/src/device.rs (BlobFeatures, BlobChunkFlags)
 * and nydus-utils (compress::Algorithm, digest::Algorithm, crypt::Algorithm).
 */

/** "RAFS" read as a little-endian u32: the bytes "SFAR" at offset 0 of a v5 bootstrap. */
export const RAFSV5_SUPER_MAGIC = 0x52414653;
export const RAFS_SUPER_VERSION_V4 = 0x400;
export const RAFS_SUPER_VERSION_V5 = 0x500;
export const RAFS_SUPER_VERSION_V6 = 0x600;
export const RAFSV5_SUPERBLOCK_SIZE = 8192;
export const RAFSV5_ALIGNMENT = 8;
export const RAFSV5_EXT_BLOB_ENTRY_SIZE = 64;
export const RAFSV5_INODE_SIZE = 128;
/** struct RafsV5ChunkInfo, also the entry of the RAFS v6 chunk table. */
export const RAFS_CHUNK_INFO_SIZE = 80;
export const RAFS_V5_ROOT_INODE = 1;
export const RAFS_MAX_NAME = 255;
export const RAFS_DEFAULT_CHUNK_SIZE = 1024 * 1024;
export const RAFS_MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const RAFS_MAX_CHUNKS_PER_BLOB = 1 << 24;

/** RAFS v6: EROFS compat bit Nydus sets (EROFS_FEATURE_COMPAT_RAFS_V6). */
export const EROFS_FEATURE_COMPAT_RAFS_V6 = 0x40000000;
/** RafsV6SuperBlockExt follows the 128-byte superblock at 1024. */
export const EROFS_EXT_SUPER_BLOCK_OFFSET = 1024 + 128;
export const EROFS_EXT_SUPER_BLOCK_SIZE = 256;
/** struct RafsV6Blob. */
export const RAFSV6_BLOB_ENTRY_SIZE = 256;
/** The device table Nydus writes follows the extended superblock (slot 11 of 128 bytes). */
export const EROFS_DEVTABLE_OFFSET = 1024 + 128 + 256;
export const BLOB_SHA256_LEN = 64;

/** RafsSuperFlags (s_flags of the v5 superblock and the v6 extended superblock). */
export const RAFS_SUPER_FLAGS: readonly (readonly [bit: number, name: string])[] = [
  [0x0000_0001, 'COMPRESSION_NONE'],
  [0x0000_0002, 'COMPRESSION_LZ4'],
  [0x0000_0004, 'HASH_BLAKE3'],
  [0x0000_0008, 'HASH_SHA256'],
  [0x0000_0010, 'EXPLICIT_UID_GID'],
  [0x0000_0020, 'HAS_XATTR'],
  [0x0000_0040, 'COMPRESSION_GZIP'],
  [0x0000_0080, 'COMPRESSION_ZSTD'],
  [0x0000_0100, 'INLINED_CHUNK_DIGEST'],
  [0x0000_0200, 'TARTFS_MODE'],
  [0x0100_0000, 'ENCRYPTION_NONE'],
  [0x0200_0000, 'ENCRYPTION_ASE_128_XTS'],
  [0x0400_0000, 'PRESERVED_COMPAT_5'],
  [0x0800_0000, 'PRESERVED_COMPAT_4'],
  [0x1000_0000, 'PRESERVED_COMPAT_3'],
  [0x2000_0000, 'PRESERVED_COMPAT_2'],
  [0x4000_0000, 'PRESERVED_COMPAT_1'],
  [0x8000_0000, 'PRESERVED_COMPAT_0'],
];
export const RAFS_FLAG_COMPRESSION_NONE = 0x1;
export const RAFS_FLAG_COMPRESSION_LZ4 = 0x2;
export const RAFS_FLAG_HASH_BLAKE3 = 0x4;
export const RAFS_FLAG_HASH_SHA256 = 0x8;
export const RAFS_FLAG_HAS_XATTR = 0x20;
export const RAFS_FLAG_COMPRESSION_GZIP = 0x40;
export const RAFS_FLAG_COMPRESSION_ZSTD = 0x80;
export const RAFS_FLAG_ENCRYPTION_ASE_128_XTS = 0x0200_0000;
export const RAFS_FLAGS_COMPRESSION = RAFS_FLAG_COMPRESSION_NONE | RAFS_FLAG_COMPRESSION_LZ4 | RAFS_FLAG_COMPRESSION_GZIP | RAFS_FLAG_COMPRESSION_ZSTD;
export const RAFS_FLAGS_HASH = RAFS_FLAG_HASH_BLAKE3 | RAFS_FLAG_HASH_SHA256;
export const RAFS_FLAGS_KNOWN = RAFS_SUPER_FLAGS.reduce((m, [bit]) => m | bit, 0) >>> 0;

/** BlobFeatures (features of a RafsV6Blob and of the blob's compression context header). */
export const BLOB_FEATURES: readonly (readonly [bit: number, name: string])[] = [
  [0x0000_0001, 'ALIGNED'],
  [0x0000_0002, 'INLINED_FS_META'],
  [0x0000_0004, 'CHUNK_INFO_V2'],
  [0x0000_0008, 'ZRAN'],
  [0x0000_0010, 'SEPARATE'],
  [0x0000_0020, 'INLINED_CHUNK_DIGEST'],
  [0x0000_0040, 'TARFS'],
  [0x0000_0080, 'BATCH'],
  [0x0000_0100, 'ENCRYPTED'],
  [0x1000_0000, 'HAS_TAR_HEADER'],
  [0x2000_0000, 'HAS_TOC'],
  [0x4000_0000, 'CAP_TAR_TOC'],
];
export const BLOB_FEATURE_CHUNK_INFO_V2 = 0x4;
export const BLOB_FEATURE_ZRAN = 0x8;
export const BLOB_FEATURE_BATCH = 0x80;
export const BLOB_FEATURE_ENCRYPTED = 0x100;
/** storage/src/device.rs: incompatible feature bits live in the low 16 bits; only 0x0fff are defined. */
export const BLOB_FEATURE_INCOMPAT_MASK = 0x0000_ffff;
export const BLOB_FEATURE_INCOMPAT_VALUE = 0x0000_0fff;

/** BlobChunkFlags (RafsV5ChunkInfo.flags). */
export const BLOB_CHUNK_FLAGS: readonly (readonly [bit: number, name: string])[] = [
  [0x1, 'COMPRESSED'],
  [0x2, 'HOLECHUNK'],
  [0x4, 'ENCYPTED'],
  [0x8, 'BATCH'],
];
export const BLOB_CHUNK_COMPRESSED = 0x1;
export const BLOB_CHUNK_ENCRYPTED = 0x4;
export const BLOB_CHUNK_BATCH = 0x8;

/** RafsV5InodeFlags. */
export const RAFSV5_INODE_FLAGS: readonly (readonly [bit: number, name: string])[] = [
  [0x1, 'SYMLINK'],
  [0x2, 'HARDLINK'],
  [0x4, 'XATTR'],
  [0x8, 'HAS_HOLE'],
];
export const RAFSV5_INODE_XATTR = 0x4;
export const RAFSV5_INODE_HAS_HOLE = 0x8;

/** nydus_utils::compress::Algorithm as stored in RafsV6Blob.compression_algo / ci_compressor. */
export const COMPRESS_ALGORITHMS = ['none', 'lz4_block', 'gzip', 'zstd'] as const;
export type CompressAlgorithm = (typeof COMPRESS_ALGORITHMS)[number];
/** nydus_utils::digest::Algorithm as stored in RafsV6Blob.digest_algo. */
export const DIGEST_ALGORITHMS = ['blake3', 'sha256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
/** nydus_utils::crypt::Algorithm as stored in RafsV6Blob.cipher_algo. */
export const CIPHER_ALGORITHMS = ['none', 'aes128xts', 'aes256xts', 'aes256gcm'] as const;

/** Names of the set bits of `value` from a bit table, with any unnamed rest in hex. */
export function flagNames(value: number, table: readonly (readonly [number, string])[]): string[] {
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [bit, name] of table) {
    if (rest & bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) names.push('0x' + rest.toString(16));
  return names;
}

/** Compression named by the superblock flags (the v5 way, and v6's default for every blob). */
export function compressionOfFlags(flags: number): CompressAlgorithm | undefined {
  switch (flags & RAFS_FLAGS_COMPRESSION) {
    case RAFS_FLAG_COMPRESSION_NONE: return 'none';
    case RAFS_FLAG_COMPRESSION_LZ4: return 'lz4_block';
    case RAFS_FLAG_COMPRESSION_GZIP: return 'gzip';
    case RAFS_FLAG_COMPRESSION_ZSTD: return 'zstd';
    default: return undefined;
  }
}

export function digestOfFlags(flags: number): DigestAlgorithm | undefined {
  switch (flags & RAFS_FLAGS_HASH) {
    case RAFS_FLAG_HASH_BLAKE3: return 'blake3';
    case RAFS_FLAG_HASH_SHA256: return 'sha256';
    default: return undefined;
  }
}

/** rafsv5_align: round up to RAFSV5_ALIGNMENT. */
export const rafsv5Align = (n: number): number => Math.ceil(n / RAFSV5_ALIGNMENT) * RAFSV5_ALIGNMENT;
