/**
 * On-disk constants of EROFS, named as in the kernel's fs/erofs/erofs_fs.h so the code can be read
 * side by side with the specification.
 */

export const EROFS_SUPER_OFFSET = 1024;
export const EROFS_SUPER_MAGIC_V1 = 0xe0f5e1e2;
export const EROFS_SB_SIZE = 128;
export const EROFS_ISLOTBITS = 5; // inode slots are 32 bytes; nid = offset / 32
export const EROFS_NAME_LEN = 255;
export const EROFS_NULL_ADDR = 0xffffffff;

export const EROFS_FEATURE_COMPAT_SB_CHKSUM = 0x00000001;
export const EROFS_FEATURE_COMPAT_MTIME = 0x00000002;
export const EROFS_FEATURE_COMPAT_XATTR_FILTER = 0x00000004;
export const EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX = 0x00000008;

export const EROFS_FEATURE_INCOMPAT_ZERO_PADDING = 0x00000001; // a.k.a. LZ4_0PADDING
export const EROFS_FEATURE_INCOMPAT_COMPR_CFGS = 0x00000002;
export const EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER = 0x00000002;
export const EROFS_FEATURE_INCOMPAT_CHUNKED_FILE = 0x00000004;
export const EROFS_FEATURE_INCOMPAT_DEVICE_TABLE = 0x00000008;
export const EROFS_FEATURE_INCOMPAT_COMPR_HEAD2 = 0x00000008;
export const EROFS_FEATURE_INCOMPAT_ZTAILPACKING = 0x00000010;
export const EROFS_FEATURE_INCOMPAT_FRAGMENTS = 0x00000020;
export const EROFS_FEATURE_INCOMPAT_DEDUPE = 0x00000020;
export const EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES = 0x00000040;
export const EROFS_FEATURE_INCOMPAT_48BIT = 0x00000080;
export const EROFS_FEATURE_INCOMPAT_METABOX = 0x00000100;
export const EROFS_ALL_FEATURE_INCOMPAT = 0x000001ff;

export const COMPAT_FEATURE_NAMES: [number, string][] = [
  [EROFS_FEATURE_COMPAT_SB_CHKSUM, 'sb_csum'],
  [EROFS_FEATURE_COMPAT_MTIME, 'mtime'],
  [EROFS_FEATURE_COMPAT_XATTR_FILTER, 'xattr_filter'],
  [EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX, 'shared_ea_in_metabox'],
];
export const INCOMPAT_FEATURE_NAMES: [number, string][] = [
  [EROFS_FEATURE_INCOMPAT_ZERO_PADDING, '0padding'],
  [EROFS_FEATURE_INCOMPAT_COMPR_CFGS, 'compr_cfgs/big_pcluster'],
  [EROFS_FEATURE_INCOMPAT_CHUNKED_FILE, 'chunked_file'],
  [EROFS_FEATURE_INCOMPAT_DEVICE_TABLE, 'device_table/compr_head2'],
  [EROFS_FEATURE_INCOMPAT_ZTAILPACKING, 'ztailpacking'],
  [EROFS_FEATURE_INCOMPAT_FRAGMENTS, 'fragments/dedupe'],
  [EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES, 'xattr_prefixes'],
  [EROFS_FEATURE_INCOMPAT_48BIT, '48bit'],
  [EROFS_FEATURE_INCOMPAT_METABOX, 'metabox'],
];

/* i_format */
export const EROFS_I_VERSION_BIT = 0;
export const EROFS_I_DATALAYOUT_BIT = 1;
export const EROFS_I_DATALAYOUT_BITS = 3;
/** Non-directory compact inodes: nlink is 1 and i_nb holds startblk_hi. */
export const EROFS_I_NLINK_1_BIT = 4;
/** Directories: the "." dirent is omitted. */
export const EROFS_I_DOT_OMITTED_BIT = 4;
export const EROFS_I_ALL_BITS = 5;
export const EROFS_INODE_LAYOUT_COMPACT = 0;
export const EROFS_INODE_LAYOUT_EXTENDED = 1;

export const EROFS_INODE_FLAT_PLAIN = 0;
export const EROFS_INODE_COMPRESSED_FULL = 1;
export const EROFS_INODE_FLAT_INLINE = 2;
export const EROFS_INODE_COMPRESSED_COMPACT = 3;
export const EROFS_INODE_CHUNK_BASED = 4;
export const EROFS_INODE_DATALAYOUT_MAX = 5;

export const DATALAYOUT_NAMES = ['FLAT_PLAIN', 'COMPRESSED_FULL', 'FLAT_INLINE', 'COMPRESSED_COMPACT', 'CHUNK_BASED'];

export const EROFS_INODE_COMPACT_SIZE = 32;
export const EROFS_INODE_EXTENDED_SIZE = 64;

/* chunk_info.format */
export const EROFS_CHUNK_FORMAT_BLKBITS_MASK = 0x001f;
export const EROFS_CHUNK_FORMAT_INDEXES = 0x0020;
export const EROFS_CHUNK_FORMAT_48BIT = 0x0040;
export const EROFS_CHUNK_INDEX_SIZE = 8;
export const EROFS_BLOCK_MAP_ENTRY_SIZE = 4;

/* dirent file types */
export const EROFS_FT_UNKNOWN = 0;
export const EROFS_FT_REG_FILE = 1;
export const EROFS_FT_DIR = 2;
export const EROFS_FT_CHRDEV = 3;
export const EROFS_FT_BLKDEV = 4;
export const EROFS_FT_FIFO = 5;
export const EROFS_FT_SOCK = 6;
export const EROFS_FT_SYMLINK = 7;
export const EROFS_FT_MAX = 8;
export const EROFS_DIRENT_SIZE = 12;

/* xattrs */
export const EROFS_XATTR_INDEX_USER = 1;
export const EROFS_XATTR_INDEX_POSIX_ACL_ACCESS = 2;
export const EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT = 3;
export const EROFS_XATTR_INDEX_TRUSTED = 4;
export const EROFS_XATTR_INDEX_LUSTRE = 5;
export const EROFS_XATTR_INDEX_SECURITY = 6;
export const EROFS_XATTR_LONG_PREFIX = 0x80;
export const EROFS_XATTR_LONG_PREFIX_MASK = 0x7f;
export const EROFS_XATTR_IBODY_HEADER_SIZE = 12;
export const EROFS_XATTR_ENTRY_SIZE = 4;
export const EROFS_XATTR_FILTER_BITS = 32;
export const EROFS_XATTR_FILTER_DEFAULT = 0xffffffff;
export const EROFS_XATTR_FILTER_SEED = 0x25bbe08f;

export const XATTR_PREFIXES: Record<number, string> = {
  [EROFS_XATTR_INDEX_USER]: 'user.',
  [EROFS_XATTR_INDEX_POSIX_ACL_ACCESS]: 'system.posix_acl_access',
  [EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT]: 'system.posix_acl_default',
  [EROFS_XATTR_INDEX_TRUSTED]: 'trusted.',
  [EROFS_XATTR_INDEX_LUSTRE]: 'lustre.',
  [EROFS_XATTR_INDEX_SECURITY]: 'security.',
};
