/**
 * OCI layer whiteouts (image-spec layer.md), presented the way overlayfs and composefs store them:
 * `.wh.<name>` hides <name> in lower layers and becomes a 0:0 character device named <name>;
 * `.wh..wh..opq` hides everything lower layers put in its directory and becomes
 * `trusted.overlay.opaque=y` on that directory.
 */
import { S_IFCHR, stringToBytes, type Xattr } from '../model.ts';

export const WHITEOUT_PREFIX = stringToBytes('.wh.');
/** AUFS bookkeeping names (`.wh..wh.plnk`, `.wh..wh.aufs`, ...) share this prefix with the opaque marker. */
export const WHITEOUT_META_PREFIX = stringToBytes('.wh..wh.');
export const WHITEOUT_OPAQUE = stringToBytes('.wh..wh..opq');

export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

/** overlayfs makes whiteouts with mknod(S_IFCHR, 0): no permission bits, device 0:0. */
export const WHITEOUT_MODE = S_IFCHR;

export type WhiteoutName =
  | { kind: 'none' }
  | { kind: 'opaque' }
  | { kind: 'whiteout'; target: Uint8Array }
  /** Other `.wh..wh.*` names: AUFS metadata, not content; extractors skip them. */
  | { kind: 'meta' }
  /** `.wh.`, `.wh..`, `.wh...`: would hide "", "." or "..", i.e. the directory itself or its parent. */
  | { kind: 'invalid'; reason: string };

const hasPrefix = (name: Uint8Array, prefix: Uint8Array): boolean =>
  name.length >= prefix.length && prefix.every((b, i) => name[i] === b);

export function classifyWhiteout(name: Uint8Array): WhiteoutName {
  if (!hasPrefix(name, WHITEOUT_PREFIX)) return { kind: 'none' };
  if (name.length === WHITEOUT_OPAQUE.length && hasPrefix(name, WHITEOUT_OPAQUE)) return { kind: 'opaque' };
  if (hasPrefix(name, WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  const target = name.subarray(WHITEOUT_PREFIX.length);
  const isDots = target.every((b) => b === 0x2e) && target.length <= 2;
  if (isDots) {
    return { kind: 'invalid', reason: `a whiteout of "${String.fromCharCode(...target)}" would hide ${target.length === 2 ? 'the parent directory' : 'its own directory'}` };
  }
  return { kind: 'whiteout', target };
}

export const opaqueXattr = (): Xattr => ({ name: stringToBytes(OVERLAY_OPAQUE_XATTR), value: stringToBytes('y') });

export const isOpaqueXattr = (x: Xattr): boolean =>
  x.name.length === OVERLAY_OPAQUE_XATTR.length && String.fromCharCode(...x.name) === OVERLAY_OPAQUE_XATTR;
