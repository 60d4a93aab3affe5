/**
 * A composefs repository as bootc and composefs-rs (`cfsctl`) keep it (composefs-rs doc/repository.md):
 *
 *   meta.json                     version, algorithm ("fsverity-sha512-12"), feature lists
 *   objects/XX/<rest of digest>   content-addressed files, named by their fs-verity digest
 *   images/<digest>               symlinks into objects/: the EROFS images meant to be mounted
 *   images/refs/**                names for images (symlinks to images/<digest>)
 *   streams/<name>                symlinks into objects/: splitstreams (OCI manifests, configs, layers)
 *   streams/refs/**               names for streams; OCI tags under streams/refs/oci/, percent-encoded
 *
 * These are the types the service builds and the CLI and the app show.
 */
export type VerityHashName = 'sha256' | 'sha512';

export interface RepositoryMeta {
  version: number;
  /** As written, e.g. "fsverity-sha512-12". */
  algorithm: string;
  hash: VerityHashName;
  blockSizeLog2: number;
  compatible: string[];
  readOnlyCompatible: string[];
  incompatible: string[];
  /** Read-only-compatible features this reader does not know: shown, never hidden. */
  unknownReadOnlyCompatible: string[];
  /** No meta.json: the hash was decided by the length of the object names. */
  synthesized: boolean;
}

export interface RepoImage {
  /** The name under images/ (the image's fs-verity digest). */
  digest: string;
  /** Names under images/refs/ that lead to it. */
  refs: string[];
  size: number;
  /** e.g. "composefs v1", "erofs", or why it could not be told. */
  format: string;
  /** Repository-relative path of the object the link resolves to, when it does. */
  objectPath?: string;
}

export interface RepoStream {
  /** The name under streams/ (a digest, or e.g. "oci-layer-sha256:…"). */
  name: string;
  /** The digest of the splitstream object the link resolves to. */
  digest?: string;
  refs: string[];
  /** Refs under streams/refs/oci/, percent-decoded: the OCI tags. */
  ociTags: string[];
  contentType: string;
  size: number;
  objectPath?: string;
}

export interface RepositorySummary {
  path: string;
  meta: RepositoryMeta;
  images: RepoImage[];
  streams: RepoStream[];
  objectCount: number;
  objectBytes: number;
}

export type RepoFindingCode =
  | 'repo.ref.dangling'
  | 'repo.image.name-mismatch'
  | 'repo.stream.name-mismatch'
  | 'repo.object.name-mismatch'
  | 'repo.object.bad-name'
  | 'repo.object.missing'
  | 'repo.object.orphan'
  | 'repo.image.unlinked'
  | 'repo.stream.unreadable'
  | 'repo.image.unreadable'
  | 'repo.feature.unknown-ro';

export interface RepoFinding {
  code: RepoFindingCode;
  severity: 'error' | 'warning' | 'info';
  /** Repository-relative path concerned. */
  path: string;
  message: string;
  /** Bytes (orphans: what garbage collection would free). */
  size?: number;
}

export interface RepoHealth {
  findings: RepoFinding[];
  orphanBytes: number;
  objectsChecked: number;
  objectsTotal: number;
  /** False when the time budget or a cancel stopped the digest pass early. */
  complete: boolean;
}
