/**
 * The format-independent image model. Every reader (composefs/EROFS, legacy CFS, OCI tar, ...) turns
 * its bytes into these shapes; verity, check, diff, the CLI and the UI only ever see these.
 */

export type FormatId = 'composefs' | 'erofs' | 'legacy-cfs' | 'oci-tar' | 'nydus-v5' | 'nydus-v6' | 'casync' | 'puzzlefs';

export type NodeKind = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket' | 'unknown';

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export function kindOfMode(mode: number): NodeKind {
  switch (mode & S_IFMT) {
    case S_IFREG: return 'file';
    case S_IFDIR: return 'dir';
    case S_IFLNK: return 'symlink';
    case S_IFCHR: return 'chardev';
    case S_IFBLK: return 'blockdev';
    case S_IFIFO: return 'fifo';
    case S_IFSOCK: return 'socket';
    default: return 'unknown';
  }
}

/** A labelled range of image bytes, used by the hex view and by findings. */
export interface ByteRange {
  label: string;
  offset: number;
  length: number;
}

export interface Timestamp {
  sec: number;
  nsec: number;
}

/** One extended attribute exactly as stored (full name with its prefix expanded). */
export interface Xattr {
  name: Uint8Array;
  value: Uint8Array;
  /** Stored once in the shared xattr area and referenced by id. */
  shared?: boolean;
  range?: ByteRange;
}

/** Where a regular file's data lives. */
export type DataLocation =
  | { kind: 'none' } // empty file, or data only through a redirect (composefs CHUNK_BASED with null chunks)
  | { kind: 'inline'; offset: number; length: number } // wholly in the image metadata
  | { kind: 'blocks'; extents: { offset: number; length: number; fileOffset: number }[] } // plain data blocks
  | { kind: 'chunks'; chunkSize: number; count: number; nullCount: number; deviceIds?: number[] }
  | { kind: 'compressed'; algorithm: string }
  | { kind: 'external' }; // data outside the image (tar member, legacy backing file)

/** A run of a file's bytes: stored data, or a hole that reads as zeros. */
export interface DataSpan {
  fileOffset: number;
  length: number;
  hole: boolean;
}

/** One decoded inode (or the equivalent record in another format). */
export interface ImageNode {
  /** Reader-specific stable id: the nid for EROFS. Hardlinks share it. */
  id: number;
  kind: NodeKind;
  /** Full st_mode including the S_IFMT type bits. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Timestamp;
  nlink: number;
  rdev: number;
  /** The on-disk inode number field, where the format has one. */
  ino?: number;
  /** Format-specific description of the on-disk layout ("compact FLAT_INLINE", ...). */
  layout?: string;
  /** Symlink target bytes. */
  target?: Uint8Array;
  xattrs: Xattr[];
  data: DataLocation;
  /** The node's own structures in the image, for the hex view. */
  ranges: ByteRange[];
}

/** A name in a directory. Names are bytes: images carry non-UTF-8 names. */
export interface DirEntry {
  name: Uint8Array;
  id: number;
  /** The kind the directory entry claims (may disagree with the inode; check reports that). */
  kind: NodeKind;
  range?: ByteRange;
}

export type Severity = 'error' | 'warning' | 'info';

/** A problem found in an image: what, where (byte range), and why. */
export interface Finding {
  /** Stable, greppable code, e.g. "erofs.dirent.unsorted". */
  code: string;
  severity: Severity;
  offset: number;
  length: number;
  nodeId?: number;
  path?: string;
  expected?: string;
  actual?: string;
  message: string;
  /** Stable within one report ("code@offset+length"); `cause` of other findings refers to it. */
  id?: string;
  /** The id of the finding this one follows from (its root cause); absent on roots. */
  cause?: string;
  /** The bytes the bad value spoils, when they are not the finding's own range (the bad field). */
  region?: { offset: number; length: number };
}

/** A finding code's default severity and the one-line rule it enforces (the code tables' shape). */
export interface CodeInfo {
  severity: Severity;
  explanation: string;
}

/** Builders for the code tables: an error, a warning or an info rule. */
export const ruleError = (explanation: string): CodeInfo => ({ severity: 'error', explanation });
export const ruleWarning = (explanation: string): CodeInfo => ({ severity: 'warning', explanation });
export const ruleInfo = (explanation: string): CodeInfo => ({ severity: 'info', explanation });

/** What a finding may carry besides its code, range and message; severity defaults to the code table's. */
export interface FindingExtra {
  severity?: Severity;
  nodeId?: number;
  path?: string;
  expected?: string;
  actual?: string;
}

/** A finding for a code listed in `table`; only the extra fields that are set are copied. */
export function tableFinding(table: Record<string, CodeInfo>, code: string, offset: number, length: number, message: string, extra: FindingExtra = {}): Finding {
  const { severity = table[code]!.severity, ...rest } = extra;
  const out: Finding = { code, severity, offset, length, message };
  if (rest.nodeId !== undefined) out.nodeId = rest.nodeId;
  if (rest.path !== undefined) out.path = rest.path;
  if (rest.expected !== undefined) out.expected = rest.expected;
  if (rest.actual !== undefined) out.actual = rest.actual;
  return out;
}

/** Label/value facts about the image for `info` and the UI's summary. */
export interface InfoField {
  label: string;
  value: string;
  range?: ByteRange;
}

export interface ImageInfo {
  format: FormatId;
  size: number;
  /** Inode count where the format records one. */
  inodes?: number;
  blockSize?: number;
  fields: InfoField[];
  features: string[];
}

/**
 * What every format reader provides. Everything is lazy: opening reads headers and the root only;
 * nodes and directories are decoded on demand. Methods reject with DecodeError on bad bytes.
 */
export interface ImageReader {
  readonly format: FormatId;
  readonly rootId: number;
  info(): ImageInfo;
  node(id: number): Promise<ImageNode>;
  /** Directory entries in on-disk order, without "." and "..". */
  children(id: number): Promise<DirEntry[]>;
  /**
   * Optional synchronous forms for bulk walks: the same result as node()/children() when every
   * byte needed is already in memory, undefined otherwise. Errors are thrown as by the async forms.
   */
  tryNode?(id: number): ImageNode | undefined;
  tryChildren?(id: number): DirEntry[] | undefined;
  /** Bytes of a regular file's or symlink's data held inside the image (inline/blocks/compressed). */
  readData(id: number, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Where a regular file's bytes lie, in file order, covering its whole size: holes read as zeros
   * without any read, so a sparse file of terabytes is compared or hashed by its data alone.
   * Absent where a format has no holes (every byte is data).
   */
  dataMap?(id: number): Promise<DataSpan[]>;
  /** Problems met while decoding so far (bad fields that did not stop decoding). */
  findings(): Finding[];
  /** Raw bytes of the image itself (hex view). */
  bytes(offset: number, length: number): Promise<Uint8Array>;
  readonly size: number;
  close(): Promise<void>;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const enc = new TextEncoder();

export const bytesToString = (b: Uint8Array): string => utf8.decode(b);
export const stringToBytes = (s: string): Uint8Array => enc.encode(s);

/** Is the byte string valid UTF-8? (UI shows invalid names escaped.) */
export function isUtf8(b: Uint8Array): boolean {
  try {
    utf8Strict.decode(b);
    return true;
  } catch {
    return false;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Byte-wise comparison, as strcmp/memcmp order names on disk. */
/** The parts back to back in one new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The fs-verity hash a hex digest's length implies: 128 digits are sha512, anything else sha256. */
export const digestAlgorithm = (hex: string | undefined): 'sha256' | 'sha512' => (hex?.length === 128 ? 'sha512' : 'sha256');

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}
