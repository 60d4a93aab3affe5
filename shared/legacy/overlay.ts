/**
 * How a legacy inode's backing file and digest reach the rest of the app.
 *
 * The legacy descriptor keeps a regular file's backing path (variable_data) and its fs-verity digest
 * (digest) in inode fields, where an EROFS composefs image keeps them in overlayfs xattrs. Rather
 * than teach verify/diff/UI a second representation, the legacy reader synthesizes the xattrs a
 * composefs image would carry for the same file:
 *   trusted.overlay.redirect = "/" + payload
 *   trusted.overlay.metacopy = struct ovl_metacopy { version 0, len 36, flags 0, digest_algo 1 (sha256) }
 *                              + the 32 digest bytes, or empty when no digest is stored
 * so the shared composefs layer (composefsView) presents them like any composefs image. Because
 * that layer reads trusted.overlay.* as bookkeeping, xattrs the image itself stores under
 * trusted.overlay.* are escaped the way composefs escapes them (trusted.overlay.overlay.*), so they
 * come back out unchanged instead of being mistaken for the synthesized ones.
 */
import {
  FS_VERITY_HASH_ALG_SHA256,
  LCFS_DIGEST_SIZE,
  OVERLAY_XATTR_ESCAPE_PREFIX,
  OVERLAY_XATTR_METACOPY,
  OVERLAY_XATTR_PREFIX,
  OVERLAY_XATTR_REDIRECT,
  OVL_METACOPY_HEADER_SIZE,
} from '../composefs/overlay.ts';
import type { ByteRange, Xattr } from '../model.ts';
import { stringToBytes } from '../model.ts';
import type { LegacyXattr } from './xattr.ts';

/** struct ovl_metacopy header: version 0, len (header + digest), flags 0, digest_algo sha256. */
export const OVL_METACOPY_HEADER = [0, OVL_METACOPY_HEADER_SIZE + LCFS_DIGEST_SIZE, 0, FS_VERITY_HASH_ALG_SHA256] as const;

const PREFIX = stringToBytes(OVERLAY_XATTR_PREFIX);
const ESCAPE = stringToBytes(OVERLAY_XATTR_ESCAPE_PREFIX);

const startsWith = (b: Uint8Array, p: Uint8Array): boolean => b.length >= p.length && p.every((x, i) => b[i] === x);

/** The name composefs would store for a user xattr: trusted.overlay.X becomes trusted.overlay.overlay.X. */
export function escapeXattrName(name: Uint8Array): Uint8Array {
  if (!startsWith(name, PREFIX)) return name;
  const out = new Uint8Array(ESCAPE.length + name.length - PREFIX.length);
  out.set(ESCAPE);
  out.set(name.subarray(PREFIX.length), ESCAPE.length);
  return out;
}

export function storedXattr(x: LegacyXattr): Xattr {
  return {
    name: escapeXattrName(x.name),
    value: x.value,
    range: { label: 'xattr', offset: x.dataAt, length: x.name.length + x.value.length },
  };
}

export function redirectXattr(payload: Uint8Array, range?: ByteRange): Xattr {
  const value = new Uint8Array(payload.length + 1);
  value[0] = 0x2f;
  value.set(payload, 1);
  return { name: stringToBytes(OVERLAY_XATTR_REDIRECT), value, range: range && { ...range, label: 'payload (as trusted.overlay.redirect)' } };
}

export function metacopyXattr(digest: Uint8Array | undefined, range?: ByteRange): Xattr {
  let value = new Uint8Array(0);
  if (digest) {
    value = new Uint8Array(OVL_METACOPY_HEADER.length + digest.length);
    value.set(OVL_METACOPY_HEADER);
    value.set(digest, OVL_METACOPY_HEADER.length);
  }
  return { name: stringToBytes(OVERLAY_XATTR_METACOPY), value, range: range && { ...range, label: 'digest (as trusted.overlay.metacopy)' } };
}
