/**
 * The composefs meaning of overlayfs xattrs, applied exactly as libcomposefs (1.0.x) does when it
 * loads an image, so that what we show matches `composefs-info`:
 *  - trusted.overlay.redirect on a regular file is its backing object path (leading '/' removed);
 *  - trusted.overlay.metacopy of 4 + 32 bytes carries the object's fs-verity digest;
 *  - trusted.overlay.overlay.whiteout on a regular file turns it back into a 0:0 whiteout;
 *  - other trusted.overlay.* are bookkeeping and hidden; trusted.overlay.overlay.X is the user's
 *    own trusted.overlay.X, escaped, and is shown unescaped.
 * Pre-1.0 images (mkcomposefs 0.1.x) kept the digest in trusted.overlay.verity instead.
 */
import { FS_VERITY_HASH_ALG_SHA512, FS_VERITY_MAX_DIGEST_SIZE } from '../verity/descriptor.ts';
import { bytesEqual, S_IFCHR, S_IFMT, S_IFREG, stringToBytes, type FormatId, type ImageNode, type Xattr } from '../model.ts';

export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
export const OVERLAY_XATTR_ESCAPE_PREFIX = 'trusted.overlay.overlay.';
export const OVERLAY_XATTR_REDIRECT = 'trusted.overlay.redirect';
export const OVERLAY_XATTR_METACOPY = 'trusted.overlay.metacopy';
export const OVERLAY_XATTR_OPAQUE = 'trusted.overlay.opaque';
export const OVERLAY_XATTR_VERITY_LEGACY = 'trusted.overlay.verity';
export const OVERLAY_XATTR_ESCAPED_WHITEOUT = 'trusted.overlay.overlay.whiteout';
export const OVERLAY_XATTR_ESCAPED_WHITEOUTS = 'trusted.overlay.overlay.whiteouts';
export const OVERLAY_XATTR_ESCAPED_OPAQUE = 'trusted.overlay.overlay.opaque';
export const OVERLAY_XATTR_USERXATTR_WHITEOUT = 'user.overlay.whiteout';
export const OVERLAY_XATTR_USERXATTR_WHITEOUTS = 'user.overlay.whiteouts';
export const OVERLAY_XATTR_USERXATTR_OPAQUE = 'user.overlay.opaque';

export const LCFS_DIGEST_SIZE = 32;
/** struct ovl_metacopy: version, len, flags, digest_algo, then the digest. */
export const OVL_METACOPY_HEADER_SIZE = 4;
export const FS_VERITY_HASH_ALG_SHA256 = 1;

const B = (s: string) => stringToBytes(s);
const REDIRECT = B(OVERLAY_XATTR_REDIRECT);
const METACOPY = B(OVERLAY_XATTR_METACOPY);
const VERITY_LEGACY = B(OVERLAY_XATTR_VERITY_LEGACY);
const ESC_WHITEOUT = B(OVERLAY_XATTR_ESCAPED_WHITEOUT);
const SKIPPED = [OVERLAY_XATTR_ESCAPED_WHITEOUTS, OVERLAY_XATTR_USERXATTR_WHITEOUT, OVERLAY_XATTR_USERXATTR_WHITEOUTS].map(B);
const PREFIX = B(OVERLAY_XATTR_PREFIX);
const OPAQUE = B(OVERLAY_XATTR_OPAQUE);
const T = 0x74; // 't': every name this module interprets starts with "trusted." or "user.overlay."
const U = 0x75;
const ESC_PREFIX = B(OVERLAY_XATTR_ESCAPE_PREFIX);

export function startsWith(a: Uint8Array, p: Uint8Array): boolean {
  if (a.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (a[i] !== p[i]) return false;
  return true;
}

export interface Metacopy {
  version: number;
  len: number;
  flags: number;
  digestAlgo: number;
  digest?: Uint8Array;
}

/** Decodes struct ovl_metacopy; undefined when the value is not one. */
export function decodeMetacopy(v: Uint8Array): Metacopy | undefined {
  if (v.length === 0) return { version: 0, len: 0, flags: 0, digestAlgo: 0 };
  if (v.length < OVL_METACOPY_HEADER_SIZE) return undefined;
  return {
    version: v[0]!,
    len: v[1]!,
    flags: v[2]!,
    digestAlgo: v[3]!,
    ...(v.length > OVL_METACOPY_HEADER_SIZE ? { digest: v.subarray(OVL_METACOPY_HEADER_SIZE) } : {}),
  };
}

/** struct ovl_metacopy for a digest: version 0, no flags, sha256 (1) or sha512 (2) by the digest's length. */
export function encodeMetacopy(digest: Uint8Array): Uint8Array {
  const out = new Uint8Array(OVL_METACOPY_HEADER_SIZE + digest.length);
  out[1] = out.length; // len
  out[3] = digest.length === FS_VERITY_MAX_DIGEST_SIZE ? FS_VERITY_HASH_ALG_SHA512 : FS_VERITY_HASH_ALG_SHA256;
  out.set(digest, OVL_METACOPY_HEADER_SIZE);
  return out;
}

export interface ComposefsView {
  /** Mode after whiteout conversion (a regular file marked as escaped whiteout becomes char 0:0). */
  mode: number;
  size: number;
  rdev: number;
  /** Backing object path, relative to the object store (redirect minus its leading '/'). */
  payload?: Uint8Array;
  /** fs-verity digest recorded in the metacopy xattr. */
  digest?: Uint8Array;
  /** Digest from the pre-1.0 trusted.overlay.verity xattr (composefs-info does not show it). */
  legacyDigest?: Uint8Array;
  /** xattrs as composefs-info shows them: bookkeeping hidden, escaping undone, stored order. */
  xattrs: Xattr[];
  whiteout: boolean;
  opaque: boolean;
  /** Which stored xattrs were bookkeeping (index into node.xattrs -> meaning). */
  bookkeeping: { index: number; meaning: string }[];
}

/** Is this a real (kernel-level) whiteout: a char device 0:0? */
export const isRealWhiteout = (node: Pick<ImageNode, 'mode' | 'rdev'>): boolean =>
  (node.mode & S_IFMT) === S_IFCHR && node.rdev === 0;

/** Is a root entry name one of the 256 two-hex-digit names "00".."ff"? */
export function isBookkeepingName(name: Uint8Array): boolean {
  if (name.length !== 2) return false;
  const hex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
  return hex(name[0]!) && hex(name[1]!);
}

/** Format versions 0 and 1 (libcomposefs) carry the whiteout table; version 2 (composefs-rs) has none. */
export const LAST_VERSION_WITH_WHITEOUT_TABLE = 1;

/** The image as the bookkeeping test needs it: its format, and the composefs header when there is one. */
export interface ImageKind {
  format: FormatId;
  header?: { composefsVersion: number };
}

/**
 * Is this one of the 256 whiteouts "00".."ff" that mkcomposefs adds to the root of every composefs
 * image of format 0 or 1 (for overlayfs data-only lower layers)? composefs-info leaves them out,
 * and so do we. Only those: a user's whiteout in a composefs image is escaped (a regular file), in
 * a plain EROFS or legacy image a char device 0:0 is the user's own whiteout and is shown like any
 * entry, and a format 2 image has no table, so nothing at its root is bookkeeping.
 */
export function isBookkeepingWhiteout(image: ImageKind, depth: number, name: Uint8Array, node: Pick<ImageNode, 'mode' | 'rdev'>): boolean {
  return (
    image.format === 'composefs' &&
    (image.header?.composefsVersion ?? 0) <= LAST_VERSION_WITH_WHITEOUT_TABLE &&
    depth === 1 &&
    isBookkeepingName(name) &&
    isRealWhiteout(node)
  );
}

/**
 * Lists longer than this get a name index, so interpreting n xattrs costs O(n), not O(n^2) (one
 * inode may carry 32,767 inline xattrs); shorter ones are scanned, which is faster at that size.
 */
const SCAN_MAX = 16;

/** A name as a map key: one char per byte, so distinct byte strings stay distinct. */
function nameKey(name: Uint8Array): string {
  let s = '';
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(name[i]!);
  return s;
}

/** lcfs_node_set_xattr replaces an existing value of the same name in place. */
function addVisible(list: Xattr[], x: Xattr, byName?: Map<string, number>): void {
  if (byName) {
    const k = nameKey(x.name);
    const at = byName.get(k);
    if (at !== undefined) list[at] = x;
    else {
      byName.set(k, list.length);
      list.push(x);
    }
    return;
  }
  for (let i = 0; i < list.length; i++) {
    if (bytesEqual(list[i]!.name, x.name)) {
      list[i] = x;
      return;
    }
  }
  list.push(x);
}

const isOneOf = (name: Uint8Array, list: Uint8Array[]): boolean => {
  for (const s of list) if (bytesEqual(name, s)) return true;
  return false;
};

/** The composefs reading of a node without the list of bookkeeping xattrs. */
export type ComposefsContent = Omit<ComposefsView, 'bookkeeping'>;

/*
 * Runs once per node of every walk, dump and diff: a plain loop with no closure per call (esbuild's
 * keepNames turns each one into a defineProperty), and no spread building the result.
 * `bookkeeping` collects what the hidden xattrs mean, when asked for. With `share`, a node whose
 * stored xattrs are all visible as they are gets its own array back rather than a copy.
 */
function interpret(node: ImageNode, bookkeeping: { index: number; meaning: string }[] | undefined, share: boolean): ComposefsContent {
  let mode = node.mode;
  let size = node.size;
  let rdev = node.rdev;
  let payload: Uint8Array | undefined;
  let digest: Uint8Array | undefined;
  let legacyDigest: Uint8Array | undefined;
  let whiteout = false;
  let opaque = false;
  const stored = node.xattrs;
  // Undefined while the visible list is still stored[0..index): then nothing needs copying yet.
  // A long list is built from the start with a name index instead (see SCAN_MAX).
  const byName = stored.length > SCAN_MAX ? new Map<string, number>() : undefined;
  let xattrs: Xattr[] | undefined = byName ? [] : undefined;

  for (let index = 0; index < stored.length; index++) {
    const x = stored[index]!;
    const name = x.name;
    const v = x.value;
    if (name[0] !== T && name[0] !== U) {
      if (xattrs) addVisible(xattrs, x, byName);
      else if (hasName(stored, index, name)) addVisible((xattrs = stored.slice(0, index)), x);
      continue;
    }
    xattrs ??= stored.slice(0, index);
    const isReg = (mode & S_IFMT) === S_IFREG;
    if (bytesEqual(name, REDIRECT)) {
      if (isReg) payload = v.length > 1 && v[0] === 0x2f ? v.subarray(1) : v;
      note(bookkeeping, index, 'redirect: path of the backing object in the object store');
      continue;
    }
    if (bytesEqual(name, METACOPY)) {
      // sha256 as libcomposefs writes it; sha512 (algorithm 2, 64 bytes) as composefs-rs repositories may.
      if (isReg && (v.length === OVL_METACOPY_HEADER_SIZE + LCFS_DIGEST_SIZE || (v.length === OVL_METACOPY_HEADER_SIZE + 64 && v[3] === 2))) {
        digest = v.subarray(OVL_METACOPY_HEADER_SIZE);
      }
      note(bookkeeping, index, 'metacopy: data lives in the redirect target; carries its fs-verity digest');
      continue;
    }
    if (bytesEqual(name, ESC_WHITEOUT) && isReg) {
      mode = (mode & ~S_IFMT) | S_IFCHR;
      rdev = 0;
      size = 0;
      whiteout = true;
      note(bookkeeping, index, 'escaped whiteout: this entry is an overlayfs whiteout (char 0:0) in the composed tree');
      continue;
    }
    if (isOneOf(name, SKIPPED)) {
      note(bookkeeping, index, 'overlay whiteout marker for the parent directory');
      continue;
    }
    if (startsWith(name, PREFIX)) {
      if (startsWith(name, ESC_PREFIX)) {
        const un = new Uint8Array(name.length - (ESC_PREFIX.length - PREFIX.length));
        un.set(PREFIX);
        un.set(name.subarray(ESC_PREFIX.length), PREFIX.length);
        // Appended without replacing, as before; a later plain one replaces the first of a name.
        if (byName && !byName.has(nameKey(un))) byName.set(nameKey(un), xattrs.length);
        xattrs.push({ ...x, name: un });
        continue;
      }
      if (bytesEqual(name, VERITY_LEGACY)) {
        if (v.length === LCFS_DIGEST_SIZE) legacyDigest = v;
        note(bookkeeping, index, 'pre-1.0 composefs: fs-verity digest of the backing object');
        continue;
      }
      if (bytesEqual(name, OPAQUE)) {
        opaque = v.length === 1 && (v[0] === 0x79 || v[0] === 0x78);
        note(bookkeeping, index, 'opaque: overlayfs does not look into lower layers below this directory');
        continue;
      }
      note(bookkeeping, index, 'overlayfs bookkeeping (hidden by composefs)');
      continue;
    }
    addVisible(xattrs, x, byName);
  }
  if ((mode & S_IFMT) === S_IFCHR && rdev === 0) whiteout = true; // isRealWhiteout, without an object
  const view: ComposefsContent = { mode, size, rdev, xattrs: xattrs ?? (share ? stored : stored.slice()), whiteout, opaque };
  if (payload) view.payload = payload;
  if (digest) view.digest = digest;
  if (legacyDigest) view.legacyDigest = legacyDigest;
  return view;
}

function note(bookkeeping: { index: number; meaning: string }[] | undefined, index: number, meaning: string): void {
  bookkeeping?.push({ index, meaning });
}

/** Does one of stored[0..end) carry this name? (A later one would replace it, as addVisible does.) */
function hasName(stored: Xattr[], end: number, name: Uint8Array): boolean {
  for (let i = 0; i < end; i++) if (bytesEqual(stored[i]!.name, name)) return true;
  return false;
}

export function composefsView(node: ImageNode): ComposefsView {
  const bookkeeping: { index: number; meaning: string }[] = [];
  const content = interpret(node, bookkeeping, false);
  const view: ComposefsView = { mode: content.mode, size: content.size, rdev: content.rdev, xattrs: content.xattrs, whiteout: content.whiteout, opaque: content.opaque, bookkeeping };
  if (content.payload) view.payload = content.payload;
  if (content.digest) view.digest = content.digest;
  if (content.legacyDigest) view.legacyDigest = content.legacyDigest;
  return view;
}

/**
 * composefsView for bulk comparison (the diff): no bookkeeping list, and `xattrs` is the node's
 * own array when every stored xattr is visible unchanged, so it must be treated as read-only.
 */
export function composefsContent(node: ImageNode): ComposefsContent {
  return interpret(node, undefined, true);
}
