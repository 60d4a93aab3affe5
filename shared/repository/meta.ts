/**
 * meta.json (composefs-rs doc/repository.md): `version` (1 today; refuse a newer one), `algorithm`
 * as `fsverity-<hash>-<lg_blocksize>`, and optional `features` with `compatible`,
 * `read-only-compatible` and `incompatible` lists. Without meta.json the hash follows the length of
 * the object names (64 or 128 hex digits), never a silent default.
 */
import type { RepositoryMeta, VerityHashName } from './model.ts';

export const REPOSITORY_VERSION = 1;
/** Features this reader knows, per list. None are defined yet upstream. */
export const KNOWN_READ_ONLY_COMPATIBLE: readonly string[] = [];
export const KNOWN_INCOMPATIBLE: readonly string[] = [];

export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryError';
  }
}

export function parseAlgorithm(algorithm: string): { hash: VerityHashName; blockSizeLog2: number } {
  const m = /^fsverity-(sha256|sha512)-(\d+)$/.exec(algorithm);
  if (!m) throw new RepositoryError(`meta.json: algorithm ${JSON.stringify(algorithm)} is not fsverity-sha256-N or fsverity-sha512-N`);
  const blockSizeLog2 = Number(m[2]);
  if (blockSizeLog2 < 10 || blockSizeLog2 > 16) throw new RepositoryError(`meta.json: block size 2^${blockSizeLog2} in ${algorithm} is outside 1 KiB..64 KiB`);
  return { hash: m[1] as VerityHashName, blockSizeLog2 };
}

const stringList = (v: unknown, what: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new RepositoryError(`meta.json: ${what} must be a list of strings`);
  return v as string[];
};

export function parseMeta(text: string): RepositoryMeta {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RepositoryError(`meta.json is not JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RepositoryError('meta.json must hold an object');
  const o = json as Record<string, unknown>;
  if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1) throw new RepositoryError('meta.json: version must be a positive integer');
  if (o.version > REPOSITORY_VERSION) {
    throw new RepositoryError(`meta.json: repository format version ${o.version} is newer than this inspector understands (${REPOSITORY_VERSION}); refusing to read it`);
  }
  if (typeof o.algorithm !== 'string') throw new RepositoryError('meta.json: algorithm must be a string such as "fsverity-sha512-12"');
  const features = (o.features ?? {}) as Record<string, unknown>;
  if (typeof features !== 'object' || features === null || Array.isArray(features)) throw new RepositoryError('meta.json: features must be an object');
  const compatible = stringList(features.compatible, 'features.compatible');
  const readOnlyCompatible = stringList(features['read-only-compatible'], 'features.read-only-compatible');
  const incompatible = stringList(features.incompatible, 'features.incompatible');
  const unknownIncompatible = incompatible.filter((f) => !KNOWN_INCOMPATIBLE.includes(f));
  if (unknownIncompatible.length > 0) {
    throw new RepositoryError(`meta.json: the repository uses incompatible feature${unknownIncompatible.length > 1 ? 's' : ''} ${unknownIncompatible.join(', ')}, which this inspector does not know; refusing to read it`);
  }
  return {
    version: o.version,
    algorithm: o.algorithm,
    ...parseAlgorithm(o.algorithm),
    compatible,
    readOnlyCompatible,
    incompatible,
    unknownReadOnlyCompatible: readOnlyCompatible.filter((f) => !KNOWN_READ_ONLY_COMPATIBLE.includes(f)),
    synthesized: false,
  };
}

/** No meta.json: decide by the object names' length; both lengths, or none, cannot decide. */
export function metaFromNames(hexLengths: Set<number>): RepositoryMeta {
  const has64 = hexLengths.has(64);
  const has128 = hexLengths.has(128);
  if (has64 && has128) throw new RepositoryError('no meta.json, and objects/ holds both 64- and 128-digit names: cannot tell sha256 from sha512');
  if (!has64 && !has128) throw new RepositoryError('no meta.json, and objects/ holds no digest-named object: cannot tell sha256 from sha512');
  const hash: VerityHashName = has128 ? 'sha512' : 'sha256';
  return {
    version: REPOSITORY_VERSION,
    algorithm: `fsverity-${hash}-12`,
    hash,
    blockSizeLog2: 12,
    compatible: [],
    readOnlyCompatible: [],
    incompatible: [],
    unknownReadOnlyCompatible: [],
    synthesized: true,
  };
}

export const digestHexLength = (hash: VerityHashName): number => (hash === 'sha512' ? 128 : 64);

/** streams/refs/oci/<tag>: percent-encoded ("/" as %2F). A bad escape is kept as written. */
export function decodeOciTag(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
