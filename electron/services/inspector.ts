/**
 * The inspector service: the data half of the renderer contract (shared/api.ts) over the real format
 * core. It owns the open image sessions (file handles through openImageFile), remembers what the
 * last check and verify found per node, runs verify jobs in the background and tells subscribers
 * about their progress. Electron's ipc layer and the e2e harness both sit on top of this one object;
 * neither adds behaviour of its own beyond dialogs, recent files and OS open requests.
 */
import type { InspectorCore } from '../ipc.ts';
import type { ImageReader } from '../../shared/model.ts';
import { findObjectStores } from '../object-store.ts';
import { openImageFile, type OpenFileOptions } from './open-file.ts';
import { checkJobs } from './check-jobs.ts';
import { nodeDetails } from './details.ts';
import { diffJobs } from './diff-jobs.ts';
import { repoJobs } from './repo-jobs.ts';
import { createRegistry } from './sessions.ts';
import { treePages } from './tree-pages.ts';
import { createSearchService } from './search.ts';
import { layoutViews } from './layout-view.ts';
import { previewSlice } from './preview.ts';
import { createResolver } from '../verity/store.ts';
import { MEASURE_ON_SELECT_MAX, verifyJobs } from './verify-jobs.ts';
import { shareJobs } from './share-jobs.ts';

// The pieces, for callers and tests that name them through this module.
export { MAX_BYTES, MAX_PAGE, PREFETCH_LIMIT, LISTING_CACHE_ENTRIES } from './sessions.ts';
export { MAX_INLINE_SHOWN } from './details.ts';
export { MEASURE_ON_SELECT_MAX } from './verify-jobs.ts';
export { decodeRdev, modeString, mtimeText, parseDisplay, readableField, xattrViews } from './present.ts';

export interface Inspector extends InspectorCore {
  /** Closes every image and cancels every job (app quit, test teardown). */
  closeAll(): Promise<void>;
}

export interface InspectorOptions {
  /** Opens an image file; the real openImageFile unless a test swaps in a counting source. */
  openReader?: (path: string, options?: OpenFileOptions) => Promise<ImageReader>;
  /** Object stores for a freshly opened image; `objects/` beside it (or one level up) by default. */
  findStores?: (imagePath: string) => Promise<string[]>;
  /** Cap on findings one check keeps. */
  maxFindings?: number;
  /**
   * Selecting a file measures its object's fs-verity digest on the spot when the object is at most
   * this big; larger ones wait for a verify job. 0 turns measuring on selection off.
   */
  measureOnSelectMax?: number;
}

/**
 * One small module per service over a shared session registry: sessions.ts (open images and
 * their caches), tree-pages.ts, details.ts, check-jobs.ts, verify-jobs.ts, diff-jobs.ts.
 */
export function createInspector(options: InspectorOptions = {}): Inspector {
  const registry = createRegistry({ openReader: options.openReader ?? openImageFile, findStores: options.findStores ?? findObjectStores });
  const verify = verifyJobs(registry, options.measureOnSelectMax ?? MEASURE_ON_SELECT_MAX);
  const tree = treePages(registry);
  const details = nodeDetails(registry, verify.measureOne);
  const checks = checkJobs(registry, options.maxFindings ?? 10_000);
  const diffs = diffJobs(registry);
  const shares = shareJobs((id) => registry.summaryOf(registry.get(id)));
  const search = createSearchService();
  const layouts = layoutViews();

  // Repositories open their images through this inspector's own openImage and setObjectStores.
  const repos = repoJobs({ openImage: (p) => api.openImage(p), setObjectStores: (id, dirs) => api.setObjectStores(id, dirs) });
  const { close: closeRepos, ...repoMethods } = repos;

  const api: Inspector = {
    ...repoMethods,
    async openImage(path) {
      // The search index is built when the search box is first used, not here: opening stays cheap.
      return registry.open(path);
    },
    async closeImage(imageId) {
      search.drop(imageId);
      await registry.close(imageId);
    },
    listImages: async () => [...registry.sessions.values()].map(registry.summaryOf),
    children: tree.children,
    node: details.node,
    lookup: tree.lookup,
    bytes: tree.bytes,
    check: checks.check,
    cancelCheck: checks.cancelCheck,
    onCheckProgress: checks.onCheckProgress,
    setObjectStores: verify.setObjectStores,
    verify: verify.verify,
    cancelVerify: verify.cancelVerify,
    onVerifyProgress: verify.onVerifyProgress,
    onVerifyDone: verify.onVerifyDone,
    diff: diffs.diff,
    share: shares.share,
    cancelShare: shares.cancelShare,
    onShareProgress: shares.onShareProgress,
    onShareDone: shares.onShareDone,
    layoutAt: async (imageId, offset) => {
      const s = registry.get(imageId);
      return layouts.at(s.reader, offset, s.check?.findings ?? []);
    },
    blockMap: async (imageId, buckets) => {
      const s = registry.get(imageId);
      return layouts.blockMap(s.reader, buckets, s.check?.findings ?? []);
    },
    content: async (imageId, nodeId, offset, length) => {
      const s = registry.get(imageId);
      return previewSlice(s.reader, createResolver(s.summary.objectStores), nodeId, offset, length);
    },
    search: async (imageId, query, limit) => search.search(imageId, registry.get(imageId).reader, query, limit),
    async closeAll() {
      await Promise.all([...registry.sessions.keys()].map((id) => registry.close(id)));
      shares.cancelAll();
      await closeRepos();
      await verify.close();
    },
  };
  return api;
}
