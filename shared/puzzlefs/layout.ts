/**
 * The OCI image layout around a PuzzleFS image: index.json names manifests (tagged with
 * org.opencontainers.image.ref.name); a PuzzleFS manifest's first layer is the rootfs blob
 * (application/vnd.puzzlefs.image.rootfs.v1, its fs-verity digest in an annotation), the other
 * layers its chunk blobs (application/vnd.puzzlefs.image.filedata.v1, "+zstd" when compressed).
 * Blobs live in blobs/sha256/<hex digest>.
 */
import { DecodeError } from '../bytes/cursor.ts';

export const PUZZLEFS_ROOTFS = 'application/vnd.puzzlefs.image.rootfs.v1';
export const PUZZLEFS_CHUNK_DATA = 'application/vnd.puzzlefs.image.filedata.v1';
export const VERITY_ROOT_HASH_ANNOTATION = 'io.puzzlefsoci.puzzlefs.puzzlefs_verity_root_hash';
export const OCI_TAG_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  /** The hex part of a sha256 digest. */
  hex: string;
  size: number;
  annotations: Record<string, string>;
}

export const blobPath = (hexDigest: string): string => `blobs/sha256/${hexDigest}`;

const invalid = (what: string, why: string) => new DecodeError(`${what}: ${why}`, 0, 0, 'puzzlefs.layout.invalid');

export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw invalid(what, `not JSON (${(e as Error)?.message ?? e})`);
  }
}

export function descriptor(v: unknown, what: string): Descriptor {
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') throw invalid(what, 'a descriptor must be an object');
  const { mediaType, digest, size, annotations } = o;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(what, 'a descriptor needs a mediaType, a digest and a size');
  }
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw invalid(what, `digest "${digest.slice(0, 80)}" is not a sha256 digest`);
  const ann: Record<string, string> = {};
  if (annotations && typeof annotations === 'object') for (const [k, val] of Object.entries(annotations)) if (typeof val === 'string') ann[k] = val;
  return { mediaType, digest, hex: m[1]!, size, annotations: ann };
}

export function manifestList(index: unknown): Descriptor[] {
  const list = (index as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(list)) throw invalid('index.json', 'it has no "manifests" list');
  return list.slice(0, 1024).map((d, i) => descriptor(d, `index.json manifests[${i}]`));
}

export function layerList(manifest: unknown, what: string): Descriptor[] {
  const list = (manifest as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(list)) throw invalid(what, 'it has no "layers" list');
  return list.slice(0, 1 << 20).map((d, i) => descriptor(d, `${what} layers[${i}]`));
}

/** Does the file start like an OCI index.json (a JSON object naming manifests)? */
export function looksLikeOciIndex(head: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(head.subarray(0, 4096));
  return /^\s*\{/.test(text) && text.includes('"manifests"');
}
