/**
 * Every finding code the OCI layer reader and checker can report, with its default severity and
 * the rule it enforces (the same shape as CHECK_CODES and LEGACY_CODES, so the tables merge).
 * Rules cite where they come from: POSIX pax/ustar, GNU tar's behaviour, or image-spec layer.md.
 */
import { BUDGET_CODES } from '../budgets.ts';
import { ruleError as e, ruleInfo as i, ruleWarning as w, type CodeInfo } from '../model.ts';


export const OCI_CODES = {
  // Reading the stream (reader.findings()).
  'oci.header.checksum': e('a tar header\'s chksum field must equal the sum of its bytes (chksum read as spaces); GNU tar skips to the next valid header'),
  'oci.header.bad-number': e('numeric header fields are octal ASCII or base-256; anything else is unreadable'),
  'oci.header.oversized-extended': e('pax and GNU long-name headers over 16 MiB are refused'),
  'oci.member.truncated': e('the stream must hold every header and all the data each header announces'),
  'oci.pax.malformed': e('pax records are "<length> <keyword>=<value>\\n" with a length that counts the whole record (POSIX pax)'),
  'oci.pax.invalid-value': e('pax size, uid, gid, mtime and xattr values must decode (decimal numbers, base64 for LIBARCHIVE.xattr)'),
  'oci.sparse.bad-map': e('a sparse map lists increasing segments inside the real size, holding no more than the stored data'),
  'oci.tar.no-end-marker': w('a tar archive ends with two zero blocks'),
  'oci.tar.lone-zero-block': w('a single zero block ends the archive early for GNU tar; the end marker is two'),
  'oci.tar.dangling-extended-header': w('extended headers (pax, GNU long name) must be followed by the member they describe'),
  'oci.compression.corrupt': e('the gzip or zstd stream must decompress to its end'),
  // the inspector's own limits (shared/budgets.ts) this reader can reach
  'budget.decompressed-bytes': BUDGET_CODES['budget.decompressed-bytes'],
  'budget.xattrs-per-inode': BUDGET_CODES['budget.xattrs-per-inode'],

  // Applying the members (image-spec layer.md, and what extractors refuse).
  'oci.path.escape': e('a member path (or hardlink target) must not climb above the layer root with ".."'),
  'oci.path.absolute': w('member paths are relative to the layer root; a leading "/" is dropped'),
  'oci.path.dotdot': w('member paths should not contain ".." even when they stay inside the root'),
  'oci.path.duplicate': w('a layer must not include duplicate entries for a path (image-spec layer.md)'),
  'oci.path.conflict': e('a non-directory cannot replace a directory that earlier members filled'),
  'oci.path.parent-not-dir': e('a member\'s parent path must be a directory, never a file or a symlink to follow'),
  'oci.path.root-not-dir': e('a member naming the layer root must be a directory'),
  'oci.hardlink.missing-target': e('a hardlink must point to a path an earlier member of the same layer provides'),
  'oci.hardlink.to-directory': e('hardlinks to directories are not allowed'),
  'oci.whiteout.shadows-entry': w('a whiteout only hides lower layers; one next to the entry it names in the same layer hides nothing (image-spec layer.md)'),
  'oci.whiteout.invalid': e('".wh.", ".wh.." and ".wh..." would hide the directory itself or its parent'),
  'oci.whiteout.aufs-meta': i('".wh..wh.*" names other than the opaque marker are AUFS bookkeeping and are not applied'),
  'oci.whiteout.has-data': i('whiteout markers are empty files'),
  'oci.member.unknown-type': w('unknown type flags are read as regular files, as GNU tar does'),
  'oci.member.unsupported-type': e('GNU multi-volume continuations cannot be applied from one layer'),
  'oci.member.volume-label': i('a GNU volume label is not a file and is not applied'),

  // Members as stored.
  'oci.member.sparse': i('sparse members store only their data segments; their holes read as zeros'),
  'oci.member.data-on-non-file': w('links, devices and fifos store no data (POSIX ustar)'),
} as const satisfies Record<string, CodeInfo>;

export type OciCode = keyof typeof OCI_CODES;

export const isOciCode = (code: string): code is OciCode => Object.hasOwn(OCI_CODES, code);
