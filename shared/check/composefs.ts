/**
 * composefs rules: what the overlayfs xattrs must look like for a composefs mount (overlayfs over
 * this EROFS image with the object store as data-only layer) to show the intended tree. After
 * overlayfs's ovl_get_redirect_xattr() / ovl_check_metacopy_xattr() / ovl_path_is_whiteout() and
 * the way libcomposefs writes files, whiteouts and their parents.
 */
import { hex } from '../bytes/cursor.ts';
import { FS_VERITY_HASH_ALG_SHA512 } from '../verity/descriptor.ts';
import {
  FS_VERITY_HASH_ALG_SHA256,
  LCFS_DIGEST_SIZE,
  OVERLAY_XATTR_ESCAPED_OPAQUE,
  OVERLAY_XATTR_ESCAPED_WHITEOUT,
  OVERLAY_XATTR_ESCAPED_WHITEOUTS,
  OVERLAY_XATTR_METACOPY,
  OVERLAY_XATTR_OPAQUE,
  OVERLAY_XATTR_REDIRECT,
  OVERLAY_XATTR_VERITY_LEGACY,
  OVL_METACOPY_HEADER_SIZE,
} from '../composefs/overlay.ts';
import { latin1 } from '../composefs/escape.ts';
import { EROFS_INODE_CHUNK_BASED } from '../erofs/erofs_fs.ts';
import { toHex } from '../model.ts';
import { finding, type CheckCode } from './codes.ts';
import { subjectExtra, type CheckContext, type Subject } from './context.ts';
import { fieldRange, type InodeInfo } from './inode.ts';
import { storedAs, xattrIs, type CheckedXattr } from './xattr.ts';

/** struct ovl_metacopy is at most 4 + 64 bytes (OVL_METACOPY_MAX_SIZE). */
export const OVL_METACOPY_MAX_SIZE = OVL_METACOPY_HEADER_SIZE + 64;
export const OVL_METACOPY_VERSION = 0;

const NAME = {
  redirect: storedAs(OVERLAY_XATTR_REDIRECT),
  metacopy: storedAs(OVERLAY_XATTR_METACOPY),
  verity: storedAs(OVERLAY_XATTR_VERITY_LEGACY),
  opaque: storedAs(OVERLAY_XATTR_OPAQUE),
  escWhiteout: storedAs(OVERLAY_XATTR_ESCAPED_WHITEOUT),
  escWhiteouts: storedAs(OVERLAY_XATTR_ESCAPED_WHITEOUTS),
  escOpaque: storedAs(OVERLAY_XATTR_ESCAPED_OPAQUE),
};
type Name = (typeof NAME)[keyof typeof NAME];

function find(xs: CheckedXattr[], name: Name): CheckedXattr | undefined {
  for (const x of xs) if (xattrIs(x, name.index, name.suffix)) return x;
  return undefined;
}

type More = { expected?: string; actual?: string };
/** A finding about one xattr entry: its bytes are the range. */
const report = (ctx: CheckContext, subject: Subject, code: CheckCode, x: CheckedXattr, message: string, more: More = {}) =>
  ctx.add(finding(code, x.offset, x.size, message, { ...subjectExtra(subject), ...more }));

const SLASH = 0x2f;
const OPAQUE_YES = 0x79; // 'y'
const OPAQUE_XWHITEOUTS = 0x78; // 'x'

/** A parent directory marks that it holds escaped whiteouts with escaped opaque "x" (or the older whiteouts marker). */
export function marksWhiteouts(dir: InodeInfo): boolean {
  const o = find(dir.xattrs, NAME.escOpaque);
  return (o !== undefined && o.value.length === 1 && o.value[0] === OPAQUE_XWHITEOUTS) || find(dir.xattrs, NAME.escWhiteouts) !== undefined;
}

export function checkOverlay(ctx: CheckContext, info: InodeInfo, parent: InodeInfo | undefined, subject: Subject): void {
  const xs = info.xattrs;
  if (xs.length === 0 && !(ctx.composefs && info.kind === 'file')) return;
  const isFile = info.kind === 'file';
  const isDir = info.kind === 'dir';

  const redirect = find(xs, NAME.redirect);
  const metacopy = find(xs, NAME.metacopy);
  for (const x of [redirect, metacopy]) {
    if (x && !isFile) report(ctx, subject, 'composefs.overlay.misplaced', x, `${x === redirect ? OVERLAY_XATTR_REDIRECT : OVERLAY_XATTR_METACOPY} on a ${info.kind}, where composefs ignores it`);
  }
  if (isFile) {
    const digest = metacopy ? checkMetacopy(ctx, subject, metacopy) : undefined;
    if (redirect) checkRedirect(ctx, subject, redirect, metacopy, digest);
    const verity = find(xs, NAME.verity);
    if (verity && verity.value.length !== LCFS_DIGEST_SIZE) {
      report(ctx, subject, 'composefs.verity.size', verity, `${OVERLAY_XATTR_VERITY_LEGACY} holds ${verity.value.length} bytes, not a ${LCFS_DIGEST_SIZE}-byte digest`, {
        expected: String(LCFS_DIGEST_SIZE),
        actual: String(verity.value.length),
      });
    }
    if (ctx.composefs && !redirect && !metacopy && info.raw.size > 0 && !holdsData(info)) {
      ctx.add(finding('composefs.file.no-data', ...fieldRange(info.raw, 'i_size'), `regular file of ${info.raw.size} bytes has neither a backing object (redirect) nor data in the image: it reads as zeros`, {
        ...subjectExtra(subject),
        actual: `size ${info.raw.size}, no ${OVERLAY_XATTR_REDIRECT}`,
      }));
    }
  }

  const escWhiteout = find(xs, NAME.escWhiteout);
  if (escWhiteout) {
    if (!isFile || info.raw.size !== 0) {
      report(ctx, subject, 'composefs.whiteout.misplaced', escWhiteout, `escaped whiteout marker on a ${isFile ? `${info.raw.size}-byte file` : info.kind}; overlayfs honours it only on empty regular files`);
    } else if (parent && !marksWhiteouts(parent)) {
      report(ctx, subject, 'composefs.whiteout.parent-unmarked', escWhiteout, `escaped whiteout whose parent directory has neither escaped opaque "x" nor the whiteouts marker: overlayfs will not look for it`);
    }
  }

  for (const name of [NAME.opaque, NAME.escOpaque, NAME.escWhiteouts]) {
    const x = find(xs, name);
    if (!x) continue;
    if (!isDir) {
      report(ctx, subject, 'composefs.whiteout.marker-misplaced', x, `directory marker on a ${info.kind}, where overlayfs ignores it`);
      continue;
    }
    if (name !== NAME.escWhiteouts && !(x.value.length === 1 && (x.value[0] === OPAQUE_YES || x.value[0] === OPAQUE_XWHITEOUTS))) {
      report(ctx, subject, 'composefs.opaque.value', x, `opaque marker value must be "y" or "x"`, { expected: 'y or x', actual: JSON.stringify(latin1(x.value.subarray(0, 16))) });
    }
  }
}

/** Data in the image: a flat layout, or a chunk map with at least one real chunk. */
function holdsData(info: InodeInfo): boolean {
  if (info.raw.datalayout !== EROFS_INODE_CHUNK_BASED) return true;
  return info.chunks?.chunks.some((c) => c.blkaddr !== null) ?? false;
}


/** Returns the sha256 digest when the value is a valid composefs metacopy carrying one. */
function checkMetacopy(ctx: CheckContext, subject: Subject, x: CheckedXattr): Uint8Array | undefined {
  const v = x.value;
  if (v.length === 0) return undefined; // a metacopy without digest: allowed
  if (v.length < OVL_METACOPY_HEADER_SIZE || v.length > OVL_METACOPY_MAX_SIZE) {
    report(ctx, subject, 'composefs.metacopy.size', x, `metacopy value is ${v.length} bytes`, { expected: `0 or ${OVL_METACOPY_HEADER_SIZE}..${OVL_METACOPY_MAX_SIZE}`, actual: String(v.length) });
    return undefined;
  }
  const [version, len, flags, algo] = [v[0]!, v[1]!, v[2]!, v[3]!];
  if (version !== OVL_METACOPY_VERSION) {
    report(ctx, subject, 'composefs.metacopy.version', x, `struct ovl_metacopy version ${version}`, { expected: String(OVL_METACOPY_VERSION), actual: String(version) });
    return undefined;
  }
  if (len !== v.length) {
    report(ctx, subject, 'composefs.metacopy.len', x, `struct ovl_metacopy len ${len} differs from the xattr size ${v.length}`, { expected: String(v.length), actual: String(len) });
    return undefined;
  }
  if (flags !== 0) {
    report(ctx, subject, 'composefs.metacopy.flags', x, `struct ovl_metacopy flags ${hex(flags)}`, { expected: '0', actual: hex(flags) });
  }
  if (v.length === OVL_METACOPY_HEADER_SIZE) return undefined;
  // libcomposefs records sha256; composefs-rs repositories may use sha512, which overlayfs checks alike.
  const sha256 = algo === FS_VERITY_HASH_ALG_SHA256 && v.length === OVL_METACOPY_HEADER_SIZE + LCFS_DIGEST_SIZE;
  const sha512 = algo === FS_VERITY_HASH_ALG_SHA512 && v.length === OVL_METACOPY_HEADER_SIZE + SHA512_DIGEST_SIZE;
  if (!sha256 && !sha512) {
    report(ctx, subject, 'composefs.metacopy.algorithm', x, `metacopy digest algorithm ${algo} with ${v.length - OVL_METACOPY_HEADER_SIZE} digest bytes; composefs records sha256 (1) with 32 or sha512 (2) with 64`, {
      expected: `algorithm ${FS_VERITY_HASH_ALG_SHA256}, ${LCFS_DIGEST_SIZE} bytes, or ${FS_VERITY_HASH_ALG_SHA512}, ${SHA512_DIGEST_SIZE} bytes`,
      actual: `algorithm ${algo}, ${v.length - OVL_METACOPY_HEADER_SIZE} bytes`,
    });
    return undefined;
  }
  return v.subarray(OVL_METACOPY_HEADER_SIZE);
}

const DOT = 0x2e;
const SHA512_DIGEST_SIZE = 64;
/** Length of the digest path "/XX/<rest of the hex digest>" composefs derives from a digest. */
const digestPathLength = (digest: Uint8Array) => 1 + 2 + 1 + 2 * digest.length - 2;
const HEX = '0123456789abcdef';
const isLowerHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);

/** "/XX/<62 hex>": the shape composefs gives an object path derived from a digest. */
function isDigestPath(v: Uint8Array): boolean {
  if (v[0] !== SLASH || v[3] !== SLASH) return false;
  for (let k = 1; k < v.length; k++) if (k !== 3 && !isLowerHex(v[k]!)) return false;
  return true;
}

/** Does the digest path spell this digest? Compared byte by byte, no strings built. */
function namesDigest(v: Uint8Array, digest: Uint8Array): boolean {
  let at = 1;
  for (let k = 0; k < digest.length; k++) {
    if (k === 1) at++; // the "/" after the first byte's two hex digits
    const b = digest[k]!;
    if (v[at++] !== HEX.charCodeAt(b >> 4) || v[at++] !== HEX.charCodeAt(b & 15)) return false;
  }
  return true;
}

/** Walks the components of an absolute path: the first rule it breaks, if any. */
function pathProblem(v: Uint8Array): 'composefs.redirect.invalid' | 'composefs.redirect.escape' | undefined {
  let depth = 0;
  let start = 1;
  for (let k = 1; k <= v.length; k++) {
    if (k < v.length && v[k] !== SLASH) continue;
    const len = k - start;
    if (len === 0) return 'composefs.redirect.invalid';
    if (len === 2 && v[start] === DOT && v[start + 1] === DOT) depth--;
    else if (!(len === 1 && v[start] === DOT)) depth++;
    if (depth < 0) return 'composefs.redirect.escape';
    start = k + 1;
  }
  return undefined;
}

const shown = (v: Uint8Array) => JSON.stringify(latin1(v.subarray(0, 80)));

function checkRedirect(ctx: CheckContext, subject: Subject, x: CheckedXattr, metacopy: CheckedXattr | undefined, digest: Uint8Array | undefined): void {
  const v = x.value;
  if (v.length === 0) {
    report(ctx, subject, 'composefs.redirect.empty', x, 'redirect is empty; overlayfs rejects it');
    return;
  }
  if (v.includes(0)) {
    report(ctx, subject, 'composefs.redirect.nul', x, `redirect ${shown(v)} contains NUL; overlayfs stops the path there`);
  }
  if (v[0] !== SLASH) {
    report(ctx, subject, 'composefs.redirect.relative', x, `redirect ${shown(v)} is not absolute; overlayfs looks it up beside the file instead of in the object store`, {
      expected: 'a path starting with "/"',
    });
  } else {
    const problem = pathProblem(v);
    if (problem === 'composefs.redirect.invalid') report(ctx, subject, problem, x, `redirect ${shown(v)} has an empty path component; overlayfs rejects it`);
    if (problem === 'composefs.redirect.escape') report(ctx, subject, problem, x, `redirect ${shown(v)} climbs above the object store with ".."`);
  }
  if (!metacopy) {
    report(ctx, subject, 'composefs.redirect.no-metacopy', x, `redirect without ${OVERLAY_XATTR_METACOPY}: overlayfs ignores it and shows the image's empty chunks`);
  }
  if (digest && v.length === digestPathLength(digest) && isDigestPath(v) && !namesDigest(v, digest)) {
    const path = latin1(v);
    const want = `/${toHex(digest.subarray(0, 1))}/${toHex(digest.subarray(1))}`;
    report(ctx, subject, 'composefs.redirect.digest-mismatch', x, `redirect names object ${path.slice(1)} but the metacopy digest is ${toHex(digest)}`, {
      expected: want,
      actual: path,
    });
  }
}
