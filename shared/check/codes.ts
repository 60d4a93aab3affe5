/**
 * Every finding code the checker (and the EROFS decoders it relies on) can report, with its
 * default severity and the one-line rule it enforces. The UI shows `explanation` next to a finding;
 * tests assert that every code the checker emits is listed here.
 */
import { BUDGET_CODES } from '../budgets.ts';
import { LEGACY_CODES } from '../legacy/codes.ts';
import { ruleError as e, ruleInfo as i, ruleWarning as w, tableFinding, type CodeInfo, type Finding, type FindingExtra } from '../model.ts';
import { OCI_CODES } from '../oci/codes.ts';
import { NYDUS_CODES } from '../nydus/codes.ts';


export const CHECK_CODES = {
  // Whole image and decoder-level codes (raised by the readers, reported unchanged).
  'image.truncated': e('a structure runs past the end of the image file'),
  'image.unknown-format': e('the file carries no composefs, EROFS, legacy composefs or OCI tar signature'),
  'decode.out-of-bounds': e('a field lies outside the bytes that hold its structure'),

  // struct lcfs_erofs_header_s
  'composefs.header.magic': e('a composefs image starts with LCFS_EROFS_MAGIC (0xd078629a)'),
  'composefs.header.version': e('the composefs header version must be LCFS_EROFS_VERSION (1)'),
  'composefs.header.format-version': w('the composefs format version is 0 or 1 (libcomposefs) or 2 (composefs-rs); later versions are unknown to this checker'),
  'composefs.header.flags': w('only LCFS_EROFS_FLAGS_HAS_ACL may be set in the header flags'),
  'composefs.header.acl-flag': w('an image of format 0 or 1 holding POSIX ACL xattrs must set LCFS_EROFS_FLAGS_HAS_ACL, or libcomposefs mounts ignore the ACLs'),
  'composefs.blocksize': w('composefs images use 4096-byte blocks; other sizes do not mount on 4 KiB-page systems'),
  'composefs.extra-devices': w('composefs images keep all metadata in one device; extra devices are not used'),

  // struct erofs_super_block
  'erofs.superblock.magic': e('the superblock at 1024 must carry EROFS_SUPER_MAGIC_V1 (0xe0f5e1e2)'),
  'erofs.superblock.blksize': e('blkszbits must describe a block size from 512 bytes to 64 KiB'),
  'erofs.superblock.meta_blkaddr': e('the inode metadata area must start inside the image'),
  'erofs.superblock.unknown-incompat': e('unknown incompatible feature bits make the kernel refuse the image'),
  'erofs.superblock.unknown-compat': i('unknown compatible feature bits are ignored by the kernel'),
  'erofs.superblock.dirblkbits': e('dirblkbits must be 0: directory blocks are as large as filesystem blocks'),
  'erofs.superblock.checksum': e('with the sb_csum feature, the crc32c of the superblock block must match its checksum field'),
  'erofs.superblock.extslots': e('sb_extslots must keep the superblock within its block'),
  'erofs.superblock.blocks': e('the block count must cover exactly the blocks the structures use, and no more than the image holds'),
  'erofs.superblock.inos': w('the inode count should equal the number of inodes reachable from the root'),
  'erofs.superblock.build-time-nsec': w('nanoseconds of the build time must be below 10^9'),
  'erofs.superblock.xattr_blkaddr': e('the shared xattr area must start inside the image'),
  'erofs.superblock.compr-cfgs': e('the compression configurations after the superblock must hold one well-formed record per available algorithm'),
  'erofs.superblock.device-table': e('the device table (extra_devices slots at devt_slotoff) must lie inside the image'),
  'erofs.root.not-dir': e('the root inode must be a directory'),
  'erofs.superblock.root-nid': e('root_nid must point at a decodable inode'),

  // inodes
  'erofs.metadata.too-large': e('a single metadata structure (directory, chunk map, xattr area) must fit the reader\'s block cache'),
  'erofs.nid.invalid': e('a nid must be a non-negative integer'),
  'erofs.nid.out-of-bounds': e('a nid must place its inode inside the image'),
  'erofs.inode.format': e('i_format may only use the version and data layout bits'),
  'erofs.inode.layout': e('the data layout must be one of FLAT_PLAIN, COMPRESSED_FULL, FLAT_INLINE, COMPRESSED_COMPACT, CHUNK_BASED'),
  'erofs.inode.size': e('i_size must be below 2^53 bytes'),
  'erofs.inode.mode': e('i_mode must name a file type: regular, directory, symlink, char/block device, fifo or socket'),
  'erofs.inode.overlaps-superblock': e('an inode must not lie over the composefs header or the superblock'),
  'erofs.inode.overlap': e('two inodes (with their xattrs and inline data) must not share bytes'),
  'erofs.inode.mtime-nsec': w('nanoseconds of i_mtime must be below 10^9'),
  'erofs.data.out-of-bounds': e('data blocks of a file, directory or symlink must lie inside the image'),
  'erofs.data.device': w('data on an extra device is not in this image and cannot be checked'),
  'erofs.data.device-id': e('a chunk must name a device the device table declares'),
  'erofs.data.compressed': e('compressed data needs a decompressor for its algorithm'),
  'erofs.inline.crosses-block': e('an inline (tail-packed) data tail must end within the block it starts in'),
  'erofs.chunk.format': e('chunk_info.format may only use the block bits, INDEXES and 48BIT flags'),
  'erofs.chunk.out-of-bounds': e('a chunk map must lie inside the image'),
  'erofs.chunk.addr-out-of-bounds': e('a chunk must point at blocks inside the image'),
  'erofs.chunk.device': e('a chunk index must name an existing device'),
  'erofs.symlink.too-long': w('a symlink target longer than 4095 bytes is cut short by the kernel'),
  'erofs.symlink.size': e('a symlink target must fit in one block to be read'),

  // xattrs
  'erofs.xattr.out-of-bounds': e("an inode's xattr area must lie inside the image"),
  'erofs.xattr.header-only': e('an xattr area of just the 12-byte header is refused by the kernel (xattr_isize 12)'),
  'erofs.xattr.shared-count': e("h_shared_count ids must fit in the inode's xattr area"),
  'erofs.xattr.entry-out-of-bounds': e("an inline xattr entry, name and value must fit in the inode's xattr area"),
  'erofs.xattr.shared-out-of-bounds': e('a shared xattr id must point at an entry inside the image'),
  'erofs.xattr.prefix': e('e_name_index must name a known xattr prefix'),
  'erofs.xattr.long-prefix': e('the long xattr prefix table must lie inside the image (or packed inode) and hold whole records'),
  'erofs.xattr.filter': e('with the xattr_filter feature, h_name_filter must not mark a present name as absent'),

  // directories and dirents
  'erofs.dir.not-dir': e('only directories hold dirents'),
  'erofs.dir.empty': e('a directory must hold at least "." and ".."'),
  'erofs.dir.hole': e('a directory must not have holes'),
  'erofs.dir.out-of-bounds': e('directory blocks must lie inside the image'),
  'erofs.dir.block-repeated': e("a directory's block map must not name the same block twice (the directory would list its entries again and again)"),
  'erofs.dir.missing-dot': e('every directory must have a "." entry'),
  'erofs.dir.missing-dotdot': e('every directory must have a ".." entry'),
  'erofs.dirent.block': e('a directory block must hold at least one 12-byte dirent'),
  'erofs.dirent.nameoff': e('nameoff must point into the name area of its block, in increasing order'),
  'erofs.dirent.namelen': e('a name must end inside its block and be at most 255 bytes'),
  'erofs.dirent.name-empty': e('a name must not be empty'),
  'erofs.dirent.name-slash': e('a name must not contain "/"'),
  'erofs.dirent.name-nul': e('a name must not contain a NUL byte'),
  'erofs.dirent.unsorted': e('names must be in strictly increasing byte order (lookups binary-search them)'),
  'erofs.dirent.duplicate': e('a name may appear only once in a directory'),
  'erofs.dirent.dot': e('"." must point at the directory itself, once'),
  'erofs.dirent.dotdot': e('".." must point at the parent directory (the root at itself), once'),
  'erofs.dirent.file-type': e('file_type must be below EROFS_FT_MAX (8)'),
  'erofs.dirent.type-mismatch': w("file_type should match the inode's mode"),
  'erofs.dirent.nid': e('a dirent must point at a decodable inode'),

  // the tree as a whole
  'erofs.tree.cycle': e('a directory must not contain one of its ancestors'),
  'erofs.tree.dir-hardlink': e('a directory must be reachable through one name only'),
  'erofs.tree.too-deep': e('the tree is deeper than the checker follows'),
  'erofs.tree.nlink': w('i_nlink should count the names of an inode (for a directory: 2 + its subdirectories)'),

  // composefs meaning of overlayfs xattrs
  'composefs.file.no-data': e('a non-empty regular file needs a redirect to a backing object or data in the image'),
  'composefs.redirect.empty': e('trusted.overlay.redirect must not be empty'),
  'composefs.redirect.relative': e('a composefs redirect must be an absolute path in the object store'),
  'composefs.redirect.invalid': e('a redirect must not contain empty path components'),
  'composefs.redirect.escape': e('a redirect must not climb out of the object store with ".."'),
  'composefs.redirect.nul': e('a redirect must not contain NUL (overlayfs cuts the path there)'),
  'composefs.redirect.no-metacopy': e('overlayfs follows a redirect on a regular file only together with trusted.overlay.metacopy'),
  'composefs.redirect.digest-mismatch': w('a digest-shaped redirect (XX/62 hex) should name the digest in the metacopy xattr'),
  'composefs.overlay.misplaced': w('redirect and metacopy xattrs only mean something on regular files'),
  'composefs.metacopy.size': e('trusted.overlay.metacopy must be empty or 4 to 68 bytes'),
  'composefs.metacopy.version': e('struct ovl_metacopy version must be 0'),
  'composefs.metacopy.len': e('struct ovl_metacopy len must equal the xattr size'),
  'composefs.metacopy.flags': e('struct ovl_metacopy flags must be 0'),
  'composefs.metacopy.algorithm': e('the metacopy digest must be sha256 (algorithm 1) with a 32-byte digest'),
  'composefs.verity.size': w('the pre-1.0 trusted.overlay.verity digest must be 32 bytes'),
  'composefs.symlink.empty': e('a symlink must have a non-empty target'),
  'composefs.whiteout.misplaced': w('an escaped whiteout marker only means something on an empty regular file'),
  'composefs.whiteout.parent-unmarked': w('the parent of an escaped whiteout must be marked (escaped opaque "x" or whiteouts xattr)'),
  'composefs.whiteout.marker-misplaced': w('opaque and whiteouts markers only mean something on directories'),
  'composefs.opaque.value': w('an opaque marker must be "y" (opaque) or "x" (has whiteouts)'),

  // the layout map (shared/layout): every byte owned once
  'layout.unaccounted': w('every non-zero byte must belong to a structure: content nothing points at is hidden from every reader'),
  'layout.overlap': e('two structures must not claim the same bytes'),
  'layout.wild-size': e('a length field must keep its structure clear of the structures after it'),
  'layout.wild-pointer': e('a pointer must place its structure where no other structure lies'),
  // the inspector's own limits (shared/budgets.ts)
  ...BUDGET_CODES,

  // the checker itself
  'check.internal': e('the checker met an unexpected error (a bug): the bytes at this range could not be checked'),
} as const satisfies Record<string, CodeInfo>;

export type CheckCode = keyof typeof CHECK_CODES;

export const isCheckCode = (code: string): code is CheckCode => Object.hasOwn(CHECK_CODES, code);

/**
 * Codes the compressed-data decoders raise come in families; each family shares one rule. (The
 * decoders name the exact field in the finding's message and range.)
 */
export const CODE_FAMILIES: readonly (readonly [prefix: string, info: CodeInfo])[] = [
  ['erofs.zmap.', e('the compression map (z_erofs_map_header and lcluster indexes) must describe extents inside the image')],
  ['erofs.zdata.', e('compressed extents must decode to exactly the bytes the map promises')],
  ['erofs.lz4.', e('an LZ4 block must be well formed and stay inside its input and output')],
  ['unsupported.', i('a feature this reader cannot decode yet: the bytes were skipped, not judged (check exits 3)')],
];

/**
 * Codes for features this reader does not decode. Raising one (as a DecodeError) says "not
 * checked", never "corrupt": the check lists it apart from the findings.
 */
export const UNSUPPORTED_PREFIX = 'unsupported.';
export const isUnsupportedCode = (code: string): boolean => code.startsWith(UNSUPPORTED_PREFIX);

const familyOf = (code: string) => CODE_FAMILIES.find(([prefix]) => code.startsWith(prefix))?.[1];

/** Every format's code table: the checker's own, the legacy descriptor's, the OCI layer's and Nydus's. */
const ALL_CODES: Readonly<Record<string, CodeInfo>> = { ...LEGACY_CODES, ...OCI_CODES, ...NYDUS_CODES, ...CHECK_CODES };

/** The one-line rule behind a finding code, for any format; undefined for codes nobody lists. */
export function explainCode(code: string): string | undefined {
  return Object.hasOwn(ALL_CODES, code) ? ALL_CODES[code]!.explanation : familyOf(code)?.explanation;
}

export type { FindingExtra };

/** A finding for a listed code: severity defaults to the table's, the range is [offset, offset+length). */
export function finding(code: CheckCode, offset: number, length: number, message: string, extra: FindingExtra = {}): Finding {
  return tableFinding(CHECK_CODES, code, offset, length, message, extra);
}
