/**
 * casync's on-disk constants, named as in casync's src/caformat.h. Record types and feature flags
 * are 64-bit values, kept as bigint so every bit (CA_FORMAT_EXCLUDE_NODUMP is bit 63) is exact.
 */

// The archive file format (catar).
export const CA_FORMAT_ENTRY = 0x1396fabcea5bbb51n;
export const CA_FORMAT_USER = 0xf453131aaeeaccb3n;
export const CA_FORMAT_GROUP = 0x25eb6ac969396a52n;
export const CA_FORMAT_XATTR = 0xb8157091f80bc486n;
export const CA_FORMAT_ACL_USER = 0x297dc88b2ef12fafn;
export const CA_FORMAT_ACL_GROUP = 0x36f2acb56cb3dd0bn;
export const CA_FORMAT_ACL_GROUP_OBJ = 0x23047110441f38f3n;
export const CA_FORMAT_ACL_DEFAULT = 0xfe3eeda6823c8cd0n;
export const CA_FORMAT_ACL_DEFAULT_USER = 0xbdf03df9bd010a91n;
export const CA_FORMAT_ACL_DEFAULT_GROUP = 0xa0cb1168782d1f51n;
export const CA_FORMAT_FCAPS = 0xf7267db0afed0629n;
export const CA_FORMAT_SELINUX = 0x46faf0602fd26c59n;
export const CA_FORMAT_QUOTA_PROJID = 0x161baf2d8772a72bn;
export const CA_FORMAT_SYMLINK = 0x664a6fb6830e0d6cn;
export const CA_FORMAT_DEVICE = 0xac3dace369dfe643n;
export const CA_FORMAT_PAYLOAD = 0x8b9e1d93d6dcffc9n;
export const CA_FORMAT_FILENAME = 0x6dbb6ebcb3161f0bn;
export const CA_FORMAT_GOODBYE = 0xdfd35c5e8327c403n;
/** The end marker used in the GOODBYE object. */
export const CA_FORMAT_GOODBYE_TAIL_MARKER = 0x57446fa533702943n;

// The index file format (caidx, caibx).
export const CA_FORMAT_INDEX = 0x96824d9c7b129ff9n;
export const CA_FORMAT_TABLE = 0xe75b9e112f17417dn;
/** The end marker used in the TABLE object. */
export const CA_FORMAT_TABLE_TAIL_MARKER = 0x4b4f050e5549ecd1n;

/** struct CaFormatHeader: le64 size (of the whole record), le64 type. */
export const CA_FORMAT_HEADER_SIZE = 16;
/** struct CaFormatEntry: header + feature_flags, mode, flags, uid, gid, mtime. */
export const CA_FORMAT_ENTRY_SIZE = 64;
export const CA_FORMAT_DEVICE_SIZE = 32;
export const CA_FORMAT_GOODBYE_ITEM_SIZE = 24;
/** struct CaFormatGoodbyeTail: entry_offset, size, marker. */
export const CA_FORMAT_GOODBYE_TAIL_SIZE = 24;
export const CA_FORMAT_INDEX_SIZE = 48;
/** struct CaFormatTableItem: le64 offset (end of the chunk in the blob), chunk id. */
export const CA_CHUNK_ID_SIZE = 32;
export const CA_FORMAT_TABLE_ITEM_SIZE = 8 + CA_CHUNK_ID_SIZE;
export const CA_FORMAT_TABLE_TAIL_SIZE = 40;

// The *_SIZE_MAX bounds of caformat.h: the largest record of each kind casync accepts.
export const CA_FORMAT_USER_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 256;
export const CA_FORMAT_GROUP_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 256;
export const CA_FORMAT_XATTR_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 255 + 1 + 64 * 1024;
export const CA_FORMAT_FCAPS_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 64 * 1024;
export const CA_FORMAT_ACL_USER_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 16 + 256;
export const CA_FORMAT_ACL_GROUP_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 16 + 256;
export const CA_FORMAT_SELINUX_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 4096;
export const CA_FORMAT_SYMLINK_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 4096;
export const CA_FORMAT_FILENAME_SIZE_MAX = CA_FORMAT_HEADER_SIZE + 256;

// Feature flags.
export const CA_FORMAT_WITH_16BIT_UIDS = 0x1n;
export const CA_FORMAT_WITH_32BIT_UIDS = 0x2n;
export const CA_FORMAT_WITH_USER_NAMES = 0x4n;
export const CA_FORMAT_WITH_SEC_TIME = 0x8n;
export const CA_FORMAT_WITH_USEC_TIME = 0x10n;
export const CA_FORMAT_WITH_NSEC_TIME = 0x20n;
export const CA_FORMAT_WITH_2SEC_TIME = 0x40n;
export const CA_FORMAT_WITH_READ_ONLY = 0x80n;
export const CA_FORMAT_WITH_PERMISSIONS = 0x100n;
export const CA_FORMAT_WITH_SYMLINKS = 0x200n;
export const CA_FORMAT_WITH_DEVICE_NODES = 0x400n;
export const CA_FORMAT_WITH_FIFOS = 0x800n;
export const CA_FORMAT_WITH_SOCKETS = 0x1000n;
export const CA_FORMAT_WITH_FLAG_HIDDEN = 0x2000n;
export const CA_FORMAT_WITH_FLAG_SYSTEM = 0x4000n;
export const CA_FORMAT_WITH_FLAG_ARCHIVE = 0x8000n;
export const CA_FORMAT_WITH_FLAG_APPEND = 0x10000n;
export const CA_FORMAT_WITH_FLAG_NOATIME = 0x20000n;
export const CA_FORMAT_WITH_FLAG_COMPR = 0x40000n;
export const CA_FORMAT_WITH_FLAG_NOCOW = 0x80000n;
export const CA_FORMAT_WITH_FLAG_NODUMP = 0x100000n;
export const CA_FORMAT_WITH_FLAG_DIRSYNC = 0x200000n;
export const CA_FORMAT_WITH_FLAG_IMMUTABLE = 0x400000n;
export const CA_FORMAT_WITH_FLAG_SYNC = 0x800000n;
export const CA_FORMAT_WITH_FLAG_NOCOMP = 0x1000000n;
export const CA_FORMAT_WITH_FLAG_PROJINHERIT = 0x2000000n;
export const CA_FORMAT_WITH_SUBVOLUME = 0x4000000n;
export const CA_FORMAT_WITH_SUBVOLUME_RO = 0x8000000n;
export const CA_FORMAT_WITH_XATTRS = 0x10000000n;
export const CA_FORMAT_WITH_ACL = 0x20000000n;
export const CA_FORMAT_WITH_SELINUX = 0x40000000n;
export const CA_FORMAT_WITH_FCAPS = 0x80000000n;
export const CA_FORMAT_WITH_QUOTA_PROJID = 0x100000000n;
export const CA_FORMAT_EXCLUDE_FILE = 0x1000000000000000n;
export const CA_FORMAT_SHA512_256 = 0x2000000000000000n;
export const CA_FORMAT_EXCLUDE_SUBMOUNTS = 0x4000000000000000n;
export const CA_FORMAT_EXCLUDE_NODUMP = 0x8000000000000000n;

/** casync's own names for the feature flags (--with=NAME, caformat-util.c). */
export const FEATURE_NAMES: readonly [bigint, string][] = [
  [CA_FORMAT_WITH_16BIT_UIDS, '16bit-uids'],
  [CA_FORMAT_WITH_32BIT_UIDS, '32bit-uids'],
  [CA_FORMAT_WITH_USER_NAMES, 'user-names'],
  [CA_FORMAT_WITH_SEC_TIME, 'sec-time'],
  [CA_FORMAT_WITH_USEC_TIME, 'usec-time'],
  [CA_FORMAT_WITH_NSEC_TIME, 'nsec-time'],
  [CA_FORMAT_WITH_2SEC_TIME, '2sec-time'],
  [CA_FORMAT_WITH_READ_ONLY, 'read-only'],
  [CA_FORMAT_WITH_PERMISSIONS, 'permissions'],
  [CA_FORMAT_WITH_SYMLINKS, 'symlinks'],
  [CA_FORMAT_WITH_DEVICE_NODES, 'device-nodes'],
  [CA_FORMAT_WITH_FIFOS, 'fifos'],
  [CA_FORMAT_WITH_SOCKETS, 'sockets'],
  [CA_FORMAT_WITH_FLAG_HIDDEN, 'flag-hidden'],
  [CA_FORMAT_WITH_FLAG_SYSTEM, 'flag-system'],
  [CA_FORMAT_WITH_FLAG_ARCHIVE, 'flag-archive'],
  [CA_FORMAT_WITH_FLAG_APPEND, 'flag-append'],
  [CA_FORMAT_WITH_FLAG_NOATIME, 'flag-noatime'],
  [CA_FORMAT_WITH_FLAG_COMPR, 'flag-compr'],
  [CA_FORMAT_WITH_FLAG_NOCOW, 'flag-nocow'],
  [CA_FORMAT_WITH_FLAG_NODUMP, 'flag-nodump'],
  [CA_FORMAT_WITH_FLAG_DIRSYNC, 'flag-dirsync'],
  [CA_FORMAT_WITH_FLAG_IMMUTABLE, 'flag-immutable'],
  [CA_FORMAT_WITH_FLAG_SYNC, 'flag-sync'],
  [CA_FORMAT_WITH_FLAG_NOCOMP, 'flag-nocomp'],
  [CA_FORMAT_WITH_FLAG_PROJINHERIT, 'flag-projinherit'],
  [CA_FORMAT_WITH_SUBVOLUME, 'subvolume'],
  [CA_FORMAT_WITH_SUBVOLUME_RO, 'subvolume-ro'],
  [CA_FORMAT_WITH_XATTRS, 'xattrs'],
  [CA_FORMAT_WITH_ACL, 'acl'],
  [CA_FORMAT_WITH_SELINUX, 'selinux'],
  [CA_FORMAT_WITH_FCAPS, 'fcaps'],
  [CA_FORMAT_WITH_QUOTA_PROJID, 'quota-projid'],
  [CA_FORMAT_EXCLUDE_FILE, 'exclude-file'],
  [CA_FORMAT_SHA512_256, 'sha512-256'],
  [CA_FORMAT_EXCLUDE_SUBMOUNTS, 'exclude-submounts'],
  [CA_FORMAT_EXCLUDE_NODUMP, 'exclude-nodump'],
];

export const KNOWN_FEATURES = FEATURE_NAMES.reduce((m, [bit]) => m | bit, 0n);

export const featureNames = (flags: bigint): string[] => FEATURE_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);

/** The record type's name as casync prints it (caformat-util.c ca_format_type_name). */
export function recordTypeName(type: bigint): string {
  switch (type) {
    case CA_FORMAT_ENTRY: return 'entry';
    case CA_FORMAT_USER: return 'user';
    case CA_FORMAT_GROUP: return 'group';
    case CA_FORMAT_XATTR: return 'xattr';
    case CA_FORMAT_ACL_USER: return 'acl-user';
    case CA_FORMAT_ACL_GROUP: return 'acl-group';
    case CA_FORMAT_ACL_GROUP_OBJ: return 'acl-group-obj';
    case CA_FORMAT_ACL_DEFAULT: return 'acl-default';
    case CA_FORMAT_ACL_DEFAULT_USER: return 'acl-default-user';
    case CA_FORMAT_ACL_DEFAULT_GROUP: return 'acl-default-group';
    case CA_FORMAT_FCAPS: return 'fcaps';
    case CA_FORMAT_SELINUX: return 'selinux';
    case CA_FORMAT_QUOTA_PROJID: return 'quota-projid';
    case CA_FORMAT_SYMLINK: return 'symlink';
    case CA_FORMAT_DEVICE: return 'device';
    case CA_FORMAT_PAYLOAD: return 'payload';
    case CA_FORMAT_FILENAME: return 'filename';
    case CA_FORMAT_GOODBYE: return 'goodbye';
    case CA_FORMAT_INDEX: return 'index';
    case CA_FORMAT_TABLE: return 'table';
    default: return `unknown (0x${type.toString(16)})`;
  }
}

/** The chunk id / digest algorithm the feature flags select (ca_feature_flags_to_digest_type). */
export const digestName = (flags: bigint): 'sha512-256' | 'sha256' => (flags & CA_FORMAT_SHA512_256 ? 'sha512-256' : 'sha256');

/** Does a file begin like a catar (a 64-byte ENTRY) or a casync index (a 48-byte INDEX)? */
export function casyncContainerOf(head: Uint8Array): 'catar' | 'index' | undefined {
  if (head.length < 16) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, 16);
  const size = dv.getBigUint64(0, true);
  const type = dv.getBigUint64(8, true);
  if (type === CA_FORMAT_ENTRY && size === BigInt(CA_FORMAT_ENTRY_SIZE)) return 'catar';
  if (type === CA_FORMAT_INDEX && size === BigInt(CA_FORMAT_INDEX_SIZE)) return 'index';
  return undefined;
}

/** The feature bits that describe archive metadata: an index with none of them indexes a blob (caibx). */
export const CA_FORMAT_WITH_MASK = FEATURE_NAMES.reduce((m, [bit]) => (bit <= CA_FORMAT_WITH_QUOTA_PROJID ? m | bit : m), 0n);
