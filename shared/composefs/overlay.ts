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
import { bytesEqual, S_IFCHR, S_IFMT, S_IFREG, stringToBytes, type ImageNode, type Xattr } from '../model.ts';

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

const startsWith = (a: Uint8Array, p: Uint8Array) => a.length >= p.length && bytesEqual(a.subarray(0, p.length), p);

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

/** Is this a real (kernel-level) whiteout: a char device 0:0? composefs-info hides these. */
export const isRealWhiteout = (node: Pick<ImageNode, 'mode' | 'rdev'>): boolean =>
  (node.mode & S_IFMT) === S_IFCHR && node.rdev === 0;

/** lcfs_node_set_xattr replaces an existing value of the same name in place. */
function addVisible(list: Xattr[], x: Xattr): void {
  for (let i = 0; i < list.length; i++) {
    if (bytesEqual(list[i]!.name, x.name)) {
      list[i] = x;
      return;
    }
  }
  list.push(x);
}

export function composefsView(node: ImageNode): ComposefsView {
  let mode = node.mode;
  let size = node.size;
  let rdev = node.rdev;
  let payload: Uint8Array | undefined;
  let digest: Uint8Array | undefined;
  let legacyDigest: Uint8Array | undefined;
  let whiteout = false;
  let opaque = false;
  const xattrs: Xattr[] = [];
  const bookkeeping: { index: number; meaning: string }[] = [];
  const isReg = () => (mode & S_IFMT) === S_IFREG;

  node.xattrs.forEach((x, index) => {
    const name = x.name;
    const v = x.value;
    if (name[0] !== T && name[0] !== U) {
      addVisible(xattrs, x);
      return;
    }
    if (bytesEqual(name, REDIRECT)) {
      if (isReg()) payload = v.length > 1 && v[0] === 0x2f ? v.subarray(1) : v;
      bookkeeping.push({ index, meaning: 'redirect: path of the backing object in the object store' });
      return;
    }
    if (bytesEqual(name, METACOPY)) {
      if (isReg() && v.length === OVL_METACOPY_HEADER_SIZE + LCFS_DIGEST_SIZE) digest = v.subarray(OVL_METACOPY_HEADER_SIZE);
      bookkeeping.push({ index, meaning: 'metacopy: data lives in the redirect target; carries its fs-verity digest' });
      return;
    }
    if (bytesEqual(name, ESC_WHITEOUT) && isReg()) {
      mode = (mode & ~S_IFMT) | S_IFCHR;
      rdev = 0;
      size = 0;
      whiteout = true;
      bookkeeping.push({ index, meaning: 'escaped whiteout: this entry is an overlayfs whiteout (char 0:0) in the composed tree' });
      return;
    }
    if (SKIPPED.some((s) => bytesEqual(name, s))) {
      bookkeeping.push({ index, meaning: 'overlay whiteout marker for the parent directory' });
      return;
    }
    if (startsWith(name, PREFIX)) {
      if (startsWith(name, ESC_PREFIX)) {
        const un = new Uint8Array(name.length - (ESC_PREFIX.length - PREFIX.length));
        un.set(PREFIX);
        un.set(name.subarray(ESC_PREFIX.length), PREFIX.length);
        xattrs.push({ ...x, name: un });
        return;
      }
      if (bytesEqual(name, VERITY_LEGACY)) {
        if (v.length === LCFS_DIGEST_SIZE) legacyDigest = v;
        bookkeeping.push({ index, meaning: 'pre-1.0 composefs: fs-verity digest of the backing object' });
        return;
      }
      if (bytesEqual(name, OPAQUE)) {
        opaque = v.length === 1 && (v[0] === 0x79 || v[0] === 0x78);
        bookkeeping.push({ index, meaning: 'opaque: overlayfs does not look into lower layers below this directory' });
        return;
      }
      bookkeeping.push({ index, meaning: 'overlayfs bookkeeping (hidden by composefs)' });
      return;
    }
    addVisible(xattrs, x);
  });
  if (isRealWhiteout({ mode, rdev })) whiteout = true;
  return {
    mode, size, rdev, xattrs, whiteout, opaque, bookkeeping,
    ...(payload ? { payload } : {}),
    ...(digest ? { digest } : {}),
    ...(legacyDigest ? { legacyDigest } : {}),
  };
}
