/**
 * The one contract between the renderer and the Node side. The preload exposes exactly this
 * (window.cfs), the e2e harness implements it over the same services in-process, and the
 * renderer only ever calls it. Everything crossing it is structured-clone safe.
 */
import type { ByteRange, Finding, ImageInfo, NodeKind } from './model.ts';
import type { ShareReport } from './share/analysis.ts';
import type { RepoHealth, RepositorySummary } from './repository/model.ts';

export type ImageId = string;

export interface ImageSummary {
  imageId: ImageId;
  path: string;
  /** File name for titles and tabs. */
  name: string;
  info: ImageInfo;
  rootId: number;
  /** Object store directories in the order they are tried (like basedir=). */
  objectStores: string[];
}

export interface TreeEntry {
  id: number;
  /** Display name: UTF-8 decoded, with control and invalid bytes escaped as \xNN. */
  name: string;
  kind: NodeKind;
  /** Only for directories: number of entries (without . and ..). */
  childCount?: number;
  /** Regular files with a backing object: the redirect path relative to the store. */
  redirect?: string;
  symlinkTarget?: string;
  /** composefs whiteout (char 0:0 or escaped whiteout xattr). */
  whiteout?: boolean;
  /** The hidden 00..ff root whiteouts every composefs image carries. */
  hidden?: boolean;
}

export interface ChildPage {
  total: number;
  start: number;
  entries: TreeEntry[];
}

export interface XattrView {
  /** Name as composefs-info shows it (overlay escaping undone). */
  name: string;
  /** Name as stored, when it differs (escaped overlay names). */
  storedName?: string;
  text: string;
  hex: string;
  size: number;
  shared: boolean;
  /** One line explaining overlay/composefs bookkeeping xattrs. */
  explanation?: string;
  range?: ByteRange;
}

export type VerityStatus =
  | 'verified'
  | 'mismatch'
  | 'missing'
  /** No object store is chosen for the image: nothing was looked for (not the same as missing). */
  | 'no-store'
  | 'unreadable'
  | 'size-mismatch'
  | 'no-digest'
  | 'inline'
  /** No backing object and no bytes in the image: an empty file, or one made only of holes. */
  | 'empty'
  | 'escape';

export interface VerityResult {
  nodeId: number;
  path: string;
  status: VerityStatus;
  /** Expected fs-verity digest (hex) from the metacopy xattr. */
  expected?: string;
  /** Digest measured from the object (hex). */
  actual?: string;
  /** Absolute path of the backing object that was (or would have been) opened. */
  objectPath?: string;
  expectedSize?: number;
  actualSize?: number;
  message?: string;
}

export interface NodeDetails {
  id: number;
  path: string;
  name: string;
  kind: NodeKind;
  mode: number;
  /** "-rwxr-xr-x" style. */
  modeString: string;
  uid: number;
  gid: number;
  size: number;
  mtime: { sec: number; nsec: number };
  /** ISO-like text with nanoseconds, UTC. */
  mtimeText: string;
  nlink: number;
  rdev?: { major: number; minor: number };
  ino?: number;
  layout?: string;
  symlinkTarget?: string;
  /** Redirect (backing object path relative to the store) and recorded fs-verity digest. */
  redirect?: string;
  digest?: string;
  /** The first bytes (up to 4 KiB) of file content stored in the image, hex; `dataKind` says how it is stored. */
  inlineHex?: string;
  /** How a regular file's data is stored in the image (the DataLocation kind: inline, blocks, chunks, compressed, ...). */
  dataKind?: string;
  whiteout?: boolean;
  opaque?: boolean;
  xattrs: XattrView[];
  ranges: ByteRange[];
  findings: Finding[];
  verity?: VerityResult;
  /** Other paths of the same inode (hardlinks) where known. */
  hardlinks?: string[];
}

export interface CheckReport {
  imageId: ImageId;
  findings: Finding[];
  nodesChecked: number;
  /** True when the walk stopped early (limits reached). */
  truncated: boolean;
}

/** How far the running check of an image has got: inodes checked of the image's inode count. */
export interface CheckProgress {
  imageId: ImageId;
  checked: number;
  total: number;
}

/** check() of an image whose check was cancelled rejects with a message starting with this. */
export const CHECK_CANCELLED = 'check cancelled';

/** One structure of the layout map as the hex view shows it: its fields with raw bytes and its findings. */
export interface StructureView {
  kind: string;
  name: string;
  offset: number;
  length: number;
  paths: string[];
  morePaths?: number;
  placedBy?: { name: string; offset: number; length: number };
  sizedBy?: { name: string; offset: number; length: number };
  /** Offsets relative to the structure; raw is the field's bytes in hex. */
  fields: { name: string; offset: number; size: number; value: string; raw: string }[];
  /** The last check's findings whose range (or affected region) touches the structure. */
  findings: Finding[];
}

/** What owns one byte: the structures claiming it (several where they overlap), or the gap it lies in. */
export interface LayoutAt {
  offset: number;
  structures: StructureView[];
  gap?: { kind: 'padding' | 'unaccounted'; offset: number; length: number };
}

/** The whole file in `buckets` equal slices: the kind owning most of each, and what is wrong there. */
export interface BlockMapView {
  size: number;
  bucketBytes: number;
  /** Per bucket: a structure kind, "padding" or "unaccounted". */
  kinds: string[];
  /** Per bucket: "root" (a root finding's bytes), "finding", "unaccounted" or "". */
  marks: string[];
}

export interface VerifyProgress {
  jobId: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface VerifySummary {
  jobId: string;
  imageId: ImageId;
  cancelled: boolean;
  counts: Partial<Record<VerityStatus, number>>;
  /** Image's own fs-verity digest, and the expected one if the user gave it. */
  imageDigest?: string;
  expectedImageDigest?: string;
  results: VerityResult[];
}

export interface DiffOptions {
  ignoreMtime?: boolean;
  ignoreOwnership?: boolean;
  /** Glob-like patterns of xattr names to ignore ("security.*"). */
  ignoreXattrs?: string[];
  /**
   * Report directories whose only change is their size. A directory's size is the byte count of
   * its on-disk dirents, so it changes whenever an entry is added, removed or renamed in it, and
   * those entries are reported themselves: by default such a directory is not reported as modified.
   */
  dirSizes?: boolean;
}

export type ChangeKind = 'added' | 'removed' | 'modified' | 'renamed';

export interface FieldChange {
  field: string;
  before?: string;
  after?: string;
  /**
   * The values as the details pane shows the same field elsewhere (ls -l mode, UTC time, major:minor),
   * for fields whose raw diff form is not how people read them. Set by the inspector, not the diff engine.
   */
  beforeText?: string;
  afterText?: string;
}

/**
 * What a changed entry is, as composefs-info and `info` name it: an overlayfs whiteout (char 0:0,
 * escaped or not) is a 'whiteout', never a 'chardev'.
 */
export type ChangeNodeKind = NodeKind | 'whiteout';

export interface Change {
  kind: ChangeKind;
  path: string;
  oldPath?: string;
  nodeKind: ChangeNodeKind;
  fields: FieldChange[];
}

export interface DiffReport {
  a: ImageId;
  b: ImageId;
  counts: Record<ChangeKind, number>;
  changes: Change[];
}

/** One run of a file's data: where it sits in the file and, when the hex view can show it, in the image. */
export interface ContentExtent {
  label: string;
  fileOffset: number;
  length: number;
  /** Image byte range of the stored (possibly compressed) data. */
  offset?: number;
  imageLength?: number;
  note?: string;
}

/** A slice of a regular file's content for the preview (electron/services/preview.ts). */
export interface ContentSlice {
  nodeId: number;
  size: number;
  offset: number;
  bytes: Uint8Array;
  /** Where the bytes come from: a layout in the image, a backing object, or nowhere. */
  origin: { kind: 'empty' | 'inline' | 'blocks' | 'chunks' | 'compressed' | 'external' | 'object' | 'hole' | 'unavailable'; text: string; objectPath?: string };
  /** Why the bytes could not be read (missing object, damaged data). */
  error?: string;
  /** With the first slice: the file's data extents. */
  extents?: ContentExtent[];
  extentsError?: string;
}

/** One whole-image search hit (electron/services/search.ts). */
export interface SearchHit {
  /** Display path (escapes as displayBytes writes them), for reveal(). */
  path: string;
  name: string;
  id: number;
  kind: NodeKind;
}

export interface SearchResult {
  query: string;
  /** How the query was read: name substring, glob, or full-path prefix. */
  mode: 'name' | 'glob' | 'path';
  /** Every match in the image; `hits` holds the first of them (in tree order). */
  total: number;
  hits: SearchHit[];
}

export interface ShareOptions {
  /** Block size of the block-level scheme (a power of two, 512 B to 1 MiB); 4 KiB by default. */
  blockSize?: number;
}

export interface ShareProgress {
  jobId: string;
  bytesDone: number;
  /** Total bytes of the images whose file lists are known so far. */
  bytesTotal: number;
}

/** The end of a share job: the report, or why there is none (cancelled, or an error fit to show). */
export interface ShareDone {
  jobId: string;
  imageIds: ImageId[];
  cancelled: boolean;
  report?: ShareReport;
  /** Files whose content could not be read (missing objects), per image id. */
  skipped: { imageId: ImageId; path: string; reason: string }[];
  error?: string;
}

export type Unsubscribe = () => void;

/** A manifest's or config's JSON in a repository, with its named refs resolved where the repository has them. */
export interface RepositoryStreamJson {
  contentType: string;
  json: unknown;
  namedRefs: { name: string; digest: string; stream?: string; image?: string }[];
}

/** A repository health job's progress: objects whose fs-verity digest was measured, of all objects. */
export interface RepositoryCheckProgress {
  jobId: string;
  done: number;
  total: number;
}

/** The end of a repository health job: the findings, or why there are none. */
export interface RepositoryCheckDone {
  jobId: string;
  repoPath: string;
  health?: RepoHealth;
  cancelled?: boolean;
  error?: string;
}

/**
 * Start of the message every request to an image's service gets once that service was stopped (its
 * watchdog or memory ceiling tripped, or it crashed): the renderer shows it in the tab with "Reopen".
 */
export const SERVICE_STOPPED = 'image service stopped';
export const isServiceStopped = (message: string): boolean => message.startsWith(SERVICE_STOPPED);

/** The API itself. Every method may reject with an Error whose message is fit to show a user. */
export interface InspectorApi {
  openImage(path: string): Promise<ImageSummary>;
  /** Shows the native open dialog; null when cancelled. */
  openDialog(): Promise<ImageSummary | null>;
  closeImage(imageId: ImageId): Promise<void>;
  listImages(): Promise<ImageSummary[]>;
  recentFiles(): Promise<string[]>;

  children(imageId: ImageId, nodeId: number, start?: number, count?: number): Promise<ChildPage>;
  node(imageId: ImageId, nodeId: number): Promise<NodeDetails>;
  /** Resolves an absolute path in the image to a node id; null when absent. */
  lookup(imageId: ImageId, path: string): Promise<number | null>;
  bytes(imageId: ImageId, offset: number, length: number): Promise<Uint8Array>;

  check(imageId: ImageId): Promise<CheckReport>;
  /** Stops the image's running check (if any): its check() rejects with CHECK_CANCELLED. */
  cancelCheck(imageId: ImageId): Promise<void>;
  onCheckProgress(cb: (p: CheckProgress) => void): Unsubscribe;
  /** The structure(s) owning the byte at `offset`, with decoded fields (the layout map, built on first use). */
  layoutAt(imageId: ImageId, offset: number): Promise<LayoutAt>;
  /** The block-map strip of the whole image. */
  blockMap(imageId: ImageId, buckets: number): Promise<BlockMapView>;

  setObjectStores(imageId: ImageId, dirs: string[]): Promise<ImageSummary>;
  /** Shows a directory picker and adds the choice as the first store; null when cancelled. */
  chooseObjectStore(imageId: ImageId): Promise<ImageSummary | null>;
  verify(imageId: ImageId, expectedImageDigest?: string): Promise<{ jobId: string }>;
  cancelVerify(jobId: string): Promise<void>;
  onVerifyProgress(cb: (p: VerifyProgress) => void): Unsubscribe;
  onVerifyDone(cb: (s: VerifySummary) => void): Unsubscribe;

  diff(a: ImageId, b: ImageId, options?: DiffOptions): Promise<DiffReport>;

  /** What file, block and chunk deduplication would save over the images, oldest first (a background job). */
  share(imageIds: ImageId[], options?: ShareOptions): Promise<{ jobId: string }>;
  cancelShare(jobId: string): Promise<void>;
  onShareProgress(cb: (p: ShareProgress) => void): Unsubscribe;
  onShareDone(cb: (d: ShareDone) => void): Unsubscribe;

  /** Opens a composefs repository (a directory, or its meta.json) and lists its images and streams. */
  openRepository(path: string): Promise<RepositorySummary>;
  /** Opens an image of an open repository by digest or ref, with the repository's objects/ as its store. */
  openRepositoryImage(repoPath: string, digestOrRef: string): Promise<ImageSummary>;
  /** Opens a stream of the repository (an OCI layer) as a tree, its content read from objects/. */
  openRepositoryStream(repoPath: string, nameOrRef: string): Promise<ImageSummary>;
  /** A manifest's or config's JSON and named refs. */
  repositoryStreamJson(repoPath: string, nameOrRef: string): Promise<RepositoryStreamJson>;
  /** Starts the repository's health check (refs, names, missing, orphan and unlinked objects). */
  checkRepository(repoPath: string): Promise<{ jobId: string }>;
  cancelRepositoryCheck(jobId: string): Promise<void>;
  onRepositoryCheckProgress(cb: (p: RepositoryCheckProgress) => void): Unsubscribe;
  onRepositoryCheckDone(cb: (d: RepositoryCheckDone) => void): Unsubscribe;
  /** Repositories the OS or the menu opened (File > Open Repository, meta.json, a folder). */
  onRepositoryOpenRequest(cb: (summary: RepositorySummary) => void): Unsubscribe;

  /** Searches every path of the image (indexed once, in the background, when it opened). */
  search(imageId: ImageId, query: string, limit?: number): Promise<SearchResult>;
  /** Bytes [offset, offset+length) of a regular file (at most 1 MiB), wherever they live. */
  content(imageId: ImageId, nodeId: number, offset: number, length: number): Promise<ContentSlice>;

  /** Files the OS asked us to open (double-click, second instance, open-file, argv). */
  onOpenRequest(cb: (summary: ImageSummary) => void): Unsubscribe;
}

/** IPC channel names, one per method, shared by main and preload. */
export const CHANNELS = {
  openImage: 'cfs:openImage',
  openDialog: 'cfs:openDialog',
  closeImage: 'cfs:closeImage',
  listImages: 'cfs:listImages',
  recentFiles: 'cfs:recentFiles',
  children: 'cfs:children',
  node: 'cfs:node',
  lookup: 'cfs:lookup',
  bytes: 'cfs:bytes',
  check: 'cfs:check',
  cancelCheck: 'cfs:cancelCheck',
  layoutAt: 'cfs:layoutAt',
  blockMap: 'cfs:blockMap',
  setObjectStores: 'cfs:setObjectStores',
  chooseObjectStore: 'cfs:chooseObjectStore',
  verify: 'cfs:verify',
  cancelVerify: 'cfs:cancelVerify',
  diff: 'cfs:diff',
  search: 'cfs:search',
  content: 'cfs:content',
  share: 'cfs:share',
  cancelShare: 'cfs:cancelShare',
  openRepository: 'cfs:openRepository',
  openRepositoryImage: 'cfs:openRepositoryImage',
  openRepositoryStream: 'cfs:openRepositoryStream',
  repositoryStreamJson: 'cfs:repositoryStreamJson',
  checkRepository: 'cfs:checkRepository',
  cancelRepositoryCheck: 'cfs:cancelRepositoryCheck',
} as const;

export const EVENTS = {
  verifyProgress: 'cfs:event:verifyProgress',
  checkProgress: 'cfs:event:checkProgress',
  verifyDone: 'cfs:event:verifyDone',
  openRequest: 'cfs:event:openRequest',
  shareProgress: 'cfs:event:shareProgress',
  shareDone: 'cfs:event:shareDone',
  repositoryCheckProgress: 'cfs:event:repositoryCheckProgress',
  repositoryCheckDone: 'cfs:event:repositoryCheckDone',
  repositoryOpenRequest: 'cfs:event:repositoryOpenRequest',
} as const;
