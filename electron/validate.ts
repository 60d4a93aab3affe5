/**
 * Argument validation for everything that crosses IPC from the renderer. The renderer is treated as
 * untrusted input: a compromised page may send any structured-clone value on any channel, so each
 * channel declares the exact tuple it accepts and anything else is refused before a service sees it.
 * Pure: no Electron, no Node I/O.
 */
import type { DiffOptions, InspectorApi } from '../shared/api.ts';
import { CHANNELS } from '../shared/api.ts';
import { MAX_IMAGES } from '../shared/share/ledger.ts';

/** Thrown for a malformed IPC argument; the message names the argument and what was wrong with it. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/**
 * Caps chosen so that one message cannot make the main process allocate or walk without bound,
 * while staying far above what the UI legitimately asks for (hex pages, tree pages, store lists).
 */
export const LIMITS = {
  idLength: 128,
  /** Host paths: PATH_MAX on Linux is 4096; leave room for other platforms' longer forms. */
  hostPathLength: 32 * 1024,
  /** Paths inside an image have no PATH_MAX: deep trees of 255-byte names exceed 4096. */
  imagePathLength: 1024 * 1024,
  /** One hex-view request. */
  bytesLength: 4 * 1024 * 1024,
  /** One children page; a single directory may hold a few hundred thousand entries. */
  pageCount: 1 << 20,
  objectStores: 64,
  /** Block-map strip slices: more than a screen is wide helps nobody. */
  blockMapBuckets: 8192,
  xattrPatterns: 256,
  xattrPatternLength: 1024,
  searchQuery: 4096,
  searchResults: 1000,
  /** A repository ref or OCI tag (refs are paths under images/refs or streams/refs). */
  repositoryName: 4096,
} as const;

type Validator<T> = (value: unknown, what: string) => T;

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : String(value);
  return typeof value;
};

const fail = (what: string, expected: string, value: unknown): never => {
  throw new ArgumentError(`${what} must be ${expected}, got ${describe(value)}`);
};

export function boundedString(maxLength: number, minLength = 1): Validator<string> {
  return (value, what) => {
    if (typeof value !== 'string') return fail(what, 'a string', value);
    if (value.length < minLength || value.length > maxLength) {
      return fail(what, `a string of ${minLength}..${maxLength} characters`, value);
    }
    return value;
  };
}

/** Non-negative integer no larger than `max` (default: the largest exactly representable integer). */
export function nonNegativeInteger(max: number = Number.MAX_SAFE_INTEGER): Validator<number> {
  return (value, what) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
      return fail(what, `an integer in 0..${max}`, value);
    }
    return value;
  };
}

/** Ids the inspector hands out (image ids, verify job ids): short and printable, nothing path-like. */
export const opaqueId: Validator<string> = (value, what) => {
  const s = boundedString(LIMITS.idLength)(value, what);
  if (!/^[A-Za-z0-9._:-]+$/.test(s)) fail(what, 'an id of letters, digits and ._:-', value);
  return s;
};

/** A file or directory path on this machine; relative paths are refused because the renderer has no cwd. */
export const hostPath: Validator<string> = (value, what) => {
  const s = boundedString(LIMITS.hostPathLength)(value, what);
  if (s.includes('\0')) fail(what, 'a path without NUL characters', value);
  const absolute = s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\');
  if (!absolute) fail(what, 'an absolute path', value);
  return s;
};

/** An absolute path inside an image ("/usr/bin/sh"). */
export const imagePath: Validator<string> = (value, what) => {
  const s = boundedString(LIMITS.imagePathLength)(value, what);
  if (!s.startsWith('/')) fail(what, 'an absolute path inside the image (starting with /)', value);
  return s;
};

export function arrayOf<T>(item: Validator<T>, maxItems: number): Validator<T[]> {
  return (value, what) => {
    if (!Array.isArray(value)) return fail(what, 'an array', value);
    if (value.length > maxItems) return fail(what, `an array of at most ${maxItems} items`, value);
    return value.map((v, i) => item(v, `${what}[${i}]`));
  };
}

export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (value, what) => (value === undefined ? undefined : inner(value, what));
}

/** An fs-verity digest as hex (sha256 or sha512), optionally prefixed with its algorithm as fsverity prints it. */
export const digestText: Validator<string> = (value, what) => {
  const s = boundedString(7 + 128)(value, what);
  if (!/^(?:sha256:)?[0-9a-fA-F]{64}$|^(?:sha512:)?[0-9a-fA-F]{128}$/.test(s)) {
    fail(what, 'a sha256 or sha512 digest in hex', value);
  }
  return s;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export const diffOptions: Validator<DiffOptions> = (value, what) => {
  if (!isPlainObject(value)) return fail(what, 'an options object', value);
  const known = new Set(['ignoreMtime', 'ignoreOwnership', 'ignoreXattrs', 'dirSizes']);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ArgumentError(`${what} has an unknown option '${key.slice(0, 64)}'`);
  }
  const out: DiffOptions = {};
  for (const key of ['ignoreMtime', 'ignoreOwnership', 'dirSizes'] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') fail(`${what}.${key}`, 'a boolean', v);
    out[key] = v as boolean;
  }
  if (value.ignoreXattrs !== undefined) {
    out.ignoreXattrs = arrayOf(boundedString(LIMITS.xattrPatternLength), LIMITS.xattrPatterns)(
      value.ignoreXattrs,
      `${what}.ignoreXattrs`,
    );
  }
  return out;
};

/** Methods that are invoked over IPC (every CHANNELS key), with their argument tuples. */
export type Method = keyof typeof CHANNELS;
export type ArgsOf<M extends Method> = Parameters<InspectorApi[M]>;

type Spec = { name: string; check: Validator<unknown>; required: boolean };
const req = (name: string, check: Validator<unknown>): Spec => ({ name, check, required: true });
const opt = (name: string, check: Validator<unknown>): Spec => ({ name, check: optional(check), required: false });

const imageIdArg = req('imageId', opaqueId);
const nodeIdArg = req('nodeId', nonNegativeInteger());
/** An image's or stream's digest, ref or OCI tag in a repository. */
const repoNameArg = req('name', boundedString(LIMITS.repositoryName, 1));

/** Share options: only the block size, a power of two from 512 B to 1 MiB (the CLI's bounds). */
export const shareOptions: Validator<{ blockSize?: number }> = (value, what) => {
  if (!isPlainObject(value)) return fail(what, 'an options object', value);
  for (const key of Object.keys(value)) {
    if (key !== 'blockSize') throw new ArgumentError(`${what} has an unknown option '${key.slice(0, 64)}'`);
  }
  if (value.blockSize === undefined) return {};
  const b = nonNegativeInteger(1 << 20)(value.blockSize, `${what}.blockSize`);
  if (b < 512 || (b & (b - 1)) !== 0) fail(`${what}.blockSize`, 'a power of two from 512 to 1048576', b);
  return { blockSize: b };
};

const SPECS: { [M in Method]: Spec[] } = {
  openImage: [req('path', hostPath)],
  openDialog: [],
  closeImage: [imageIdArg],
  listImages: [],
  recentFiles: [],
  children: [imageIdArg, nodeIdArg, opt('start', nonNegativeInteger()), opt('count', nonNegativeInteger(LIMITS.pageCount))],
  node: [imageIdArg, nodeIdArg],
  lookup: [imageIdArg, req('path', imagePath)],
  bytes: [imageIdArg, req('offset', nonNegativeInteger()), req('length', nonNegativeInteger(LIMITS.bytesLength))],
  check: [imageIdArg],
  cancelCheck: [imageIdArg],
  layoutAt: [imageIdArg, req('offset', nonNegativeInteger())],
  blockMap: [imageIdArg, req('buckets', nonNegativeInteger(LIMITS.blockMapBuckets))],
  setObjectStores: [imageIdArg, req('dirs', arrayOf(hostPath, LIMITS.objectStores))],
  chooseObjectStore: [imageIdArg],
  verify: [imageIdArg, opt('expectedImageDigest', digestText)],
  cancelVerify: [req('jobId', opaqueId)],
  diff: [req('a', opaqueId), req('b', opaqueId), opt('options', diffOptions)],
  content: [imageIdArg, nodeIdArg, req('offset', nonNegativeInteger()), req('length', nonNegativeInteger(LIMITS.bytesLength))],
  search: [imageIdArg, req('query', boundedString(LIMITS.searchQuery, 0)), opt('limit', nonNegativeInteger(LIMITS.searchResults))],
  share: [req('imageIds', arrayOf(opaqueId, MAX_IMAGES)), opt('options', shareOptions)],
  cancelShare: [req('jobId', opaqueId)],
  openRepository: [req('path', hostPath)],
  openRepositoryImage: [req('repoPath', hostPath), repoNameArg],
  openRepositoryStream: [req('repoPath', hostPath), repoNameArg],
  repositoryStreamJson: [req('repoPath', hostPath), repoNameArg],
  checkRepository: [req('repoPath', hostPath)],
  cancelRepositoryCheck: [req('jobId', opaqueId)],
};

/**
 * Checks one call's arguments against its method's tuple and returns them (normalised: options
 * objects are rebuilt from known keys only). Throws ArgumentError on anything else, including
 * extra arguments, so a caller cannot smuggle data past the declared shape.
 */
export function validateArgs<M extends Method>(method: M, args: readonly unknown[]): ArgsOf<M> {
  const specs: Spec[] | undefined = Object.prototype.hasOwnProperty.call(SPECS, method) ? SPECS[method] : undefined;
  if (!specs) throw new ArgumentError(`unknown method '${String(method).slice(0, 64)}'`);
  if (args.length > specs.length) {
    throw new ArgumentError(`${method} takes at most ${specs.length} arguments, got ${args.length}`);
  }
  const out = specs.map((spec, i) => {
    if (spec.required && args[i] === undefined) throw new ArgumentError(`${method}: ${spec.name} is required`);
    return spec.check(args[i], `${method}: ${spec.name}`);
  });
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out as ArgsOf<M>;
}

/** The argument names per method, for error messages and for tests that walk the whole contract. */
export function methodArity(method: Method): { required: number; total: number } {
  const specs = SPECS[method];
  return { required: specs.filter((s) => s.required).length, total: specs.length };
}
