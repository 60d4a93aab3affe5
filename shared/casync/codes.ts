/**
 * Every finding code the casync reader and checker can report, with its default severity and the
 * rule it enforces (the shape of CHECK_CODES, LEGACY_CODES and OCI_CODES, so the tables merge).
 * Rules come from casync's caformat.h and from what its decoder (cadecoder.c) refuses.
 */
import { DecodeError } from '../bytes/cursor.ts';
import { ruleError as e, ruleInfo as i, ruleWarning as w, type CodeInfo, type Finding, type Severity } from '../model.ts';

export const CASYNC_CODES = {
  // Records (CaFormatHeader and the record structs)
  'casync.record.bad-size': e('a record\'s size covers its 16-byte header and whatever its struct needs'),
  'casync.record.bad-string': e('names, targets and labels are NUL-terminated, with no NUL before the end'),
  'casync.record.too-large': e('records are bounded by the *_SIZE_MAX limits of caformat.h'),
  'casync.record.unexpected': e('records follow the order of caformat.h: ENTRY, metadata, then PAYLOAD/SYMLINK/DEVICE, or FILENAME…GOODBYE for a directory'),
  'casync.record.unknown-type': e('every record type is one caformat.h defines'),
  'casync.record.not-in-features': w('a record appears only when the archive\'s feature flags include it (e.g. XATTR needs CA_FORMAT_WITH_XATTRS)'),
  'casync.record.out-of-range': e('numeric record fields fit the Linux types they stand for'),
  'casync.entry.expected': e('a node\'s serialization begins with an ENTRY record'),
  'casync.entry.bad-size': e('an ENTRY record is exactly 64 bytes'),
  'casync.entry.out-of-range': e('mode, uid and gid fit 32 bits'),
  'casync.entry.bad-mode': e('mode holds one of the seven file types'),
  'casync.entry.feature-flags': e('every ENTRY carries the same feature flags as the archive\'s first ENTRY'),
  'casync.entry.unknown-features': w('feature flags use only bits caformat.h defines'),
  'casync.entry.missing-record': e('a regular file has a PAYLOAD, a symlink a SYMLINK, a device a DEVICE record'),
  'casync.entry.uid-16bit': w('with CA_FORMAT_WITH_16BIT_UIDS, uid and gid fit 16 bits'),
  'casync.filename.invalid': e('a FILENAME is one path component: non-empty, not "." or "..", no "/"'),
  'casync.filename.unsorted': e('directory entries are strictly ordered by name (strcmp), with no duplicates'),
  'casync.symlink.empty': e('a symlink target is not empty'),
  'casync.device.out-of-range': e('device numbers fit Linux\'s 12-bit major and 20-bit minor'),
  'casync.xattr.bad-name': e('an xattr is "name\\0value" with a name of 1 to 255 bytes'),
  'casync.acl.bad-permissions': e('ACL permissions are rwx bits (0..7)'),
  'casync.acl.bad-id': e('ACL uids and gids fit 32 bits'),

  // The goodbye table (CaFormatGoodbye)
  'casync.goodbye.expected': e('a directory\'s entries end with its GOODBYE record'),
  'casync.goodbye.bad-size': e('a GOODBYE record is 16 bytes + 24 per item + a 24-byte tail'),
  'casync.goodbye.bad-tail': e('the tail ends with CA_FORMAT_GOODBYE_TAIL_MARKER'),
  'casync.goodbye.tail-offset': e('the tail\'s entry_offset leads back to the directory\'s ENTRY'),
  'casync.goodbye.tail-size': e('the tail repeats the GOODBYE record\'s size'),
  'casync.goodbye.count': e('the table has one item per directory entry'),
  'casync.goodbye.item-offset': e('each item\'s offset leads back to one entry\'s FILENAME record'),
  'casync.goodbye.item-size': e('each item\'s size is the size of its entry\'s whole serialization'),
  'casync.goodbye.hash': e('each item\'s hash is the SipHash-2-4 of its entry\'s name under CA_FORMAT_GOODBYE_HASH_KEY'),
  'casync.goodbye.order': e('the items form a binary search tree by hash (item i\'s children at 2i+1 and 2i+2, camakebst.c)'),

  // The archive as a whole
  'casync.archive.truncated': e('the archive holds every record its structure announces'),
  'casync.archive.trailing-data': e('nothing follows the root\'s serialization'),
  'casync.archive.too-deep': e('directories nest at most 4096 levels (a budget of this reader)'),
  'casync.archive.too-many-nodes': e('an archive holds at most 10,000,000 entries (a budget of this reader)'),

  // Index files (CaFormatIndex, CaFormatTable) and the chunk store
  'casync.index.bad-header': e('an index begins with a 48-byte INDEX record with min <= avg <= max chunk sizes'),
  'casync.index.bad-table': e('the TABLE record follows the INDEX, has size UINT64_MAX, and ends with a tail naming both'),
  'casync.index.bad-offset': e('chunk end offsets in the table strictly increase'),
  'casync.index.chunk-too-large': e('no chunk is larger than the index\'s chunk_size_max (such a chunk is not read)'),
  'casync.chunk.missing': e('every chunk the index lists is in the chunk store'),
  'casync.chunk.corrupt': e('every chunk decompresses (zstd, xz or gzip) to exactly its size in the table'),
  'casync.chunk.id-mismatch': e('a chunk\'s id is the digest (SHA-512/256 or SHA-256, per the feature flags) of its uncompressed bytes'),
  'casync.chunk.unsupported': w('chunks compressed with xz cannot be read by this tool, so they are not verified'),
  'casync.store.missing': e('an index is read against its chunk store (default.castr beside it)'),
  'casync.blob.synthetic': i('a blob index (caibx) holds no file tree; the blob is shown as the one file /blob'),

  // ImageReader.readData rejections
  'casync.data.not-file': e('only regular files and symlinks have data'),
  'casync.node.unknown': e('node ids index the archive\'s entries'),
} as const satisfies Record<string, CodeInfo>;

export type CasyncCode = keyof typeof CASYNC_CODES;

export const isCasyncCode = (code: string): code is CasyncCode => Object.hasOwn(CASYNC_CODES, code);

export function casyncFinding(
  code: CasyncCode,
  offset: number,
  length: number,
  message: string,
  extra: { severity?: Severity; nodeId?: number; path?: string; expected?: string; actual?: string } = {},
): Finding {
  const { severity = CASYNC_CODES[code].severity, ...rest } = extra;
  return { code, severity, offset, length, message, ...rest };
}

/** A DecodeError as a finding: its own code when the table has it, else a truncation/structure error. */
export function findingOfError(err: DecodeError, fallback: CasyncCode = 'casync.archive.truncated'): Finding {
  return casyncFinding(isCasyncCode(err.code) ? err.code : fallback, err.offset, err.length, err.message);
}
