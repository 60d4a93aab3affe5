/**
 * The window's state (zustand): open images, the active one, and per image its tree (loaded pages,
 * expanded paths, flat visible rows, filter), selection and details, check findings, verity job and
 * results, and where the hex view looks. Every call to the Node side goes through the api passed in,
 * so the same store runs in Electron, in the e2e harness and in unit tests.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CheckReport,
  DiffOptions,
  ChangeKind,
  DiffReport,
  ImageId,
  ImageSummary,
  InspectorApi,
  NodeDetails,
  TreeEntry,
  VerifyProgress,
  VerifySummary,
  VerityResult,
} from '../shared/api.ts';
import type { Finding } from '../shared/model.ts';
import { CHECK_CANCELLED, isServiceStopped } from '../shared/api.ts';
import { errorText } from './api.ts';
import {
  PAGE_SIZE,
  childPath,
  flattenTree,
  mergePage,
  missingPages,
  parentPath,
  pathComponents,
  type DirListing,
  type VisibleRows,
} from './tree.ts';
import { buildOverlay, changeAt, type DiffOverlay, type RowChange } from './diff-tree.ts';
import { INITIAL_SEARCH, searchSlice, type SearchActions, type SearchState } from './search-slice.ts';
import { contentSlice, type ContentActions } from './content-slice.ts';
import { copySlice, type CopyActions, type CopyState } from './copy-slice.ts';
import { sharingSlice, type SharingActions, type SharingState } from './share-slice.ts';
import { INITIAL_REPOSITORY, repositorySlice, type RepositoryActions, type RepositoryState } from './repository-slice.ts';
import { loadTopShare, paneSlice, type PaneActions, type PaneState } from './pane-slice.ts';

export type Theme = 'system' | 'light' | 'dark';

/** Where the hex view should look; `seq` changes on every request so the same range can be re-shown. */
export interface HexFocus {
  offset: number;
  length: number;
  seq: number;
}

export interface ImageView {
  summary: ImageSummary;
  /** Loaded directory pages by directory id. Mutated in place; `rows` is the reactive view of it. */
  listings: Map<number, DirListing>;
  /** Expanded directories: path -> directory id. */
  expanded: Map<string, number>;
  rows: VisibleRows;
  filter: string;
  selected?: { id: number; path: string };
  details?: NodeDetails;
  detailsError?: string;
  /** The image's service was stopped (watchdog, memory ceiling, crash): the tab says so and offers Reopen. */
  serviceError?: string;
  check?: CheckReport;
  checking: boolean;
  /** How far the running check has got (inodes checked of the image's count), from the service's events. */
  checkProgress?: { checked: number; total: number };
  /** The last check was cancelled: there are no findings to show, and none is claimed. */
  checkCancelled?: boolean;
  checkError?: string;
  verity: Map<number, VerityResult>;
  verifyJob?: { jobId: string; progress?: VerifyProgress };
  verifySummary?: VerifySummary;
  verifyError?: string;
  hex: HexFocus;
  activeFinding?: number;
  /** The comparison of this image (as "before") with another open image; while it has a report the tree is merged. */
  diff?: Comparison;
  /** While comparing: the tree keeps only changed entries and the folders leading to them. */
  changedOnly: boolean;
  /** While comparing: the selected entry as the comparison sees it. */
  compare?: CompareSelection;
  /** Which list the bottom-left panel shows. */
  bottomTab: 'findings' | 'changes';
}

export interface Comparison {
  other: ImageId;
  otherName: string;
  options: DiffOptions;
  /** A run in progress (a new comparison, or new options); the previous report stays shown meanwhile. */
  running: boolean;
  report?: DiffReport;
  /** The changes the tree shows: the report's, or only those of kind `only`. */
  overlay?: DiffOverlay;
  error?: string;
  /**
   * A count chip pressed: the tree ("changed only") and the Changes list show only this kind of
   * change. `changedOnlyBefore` is what "changed only" was, given back when the filter is cleared.
   */
  only?: ChangeKind;
  changedOnlyBefore?: boolean;
}

export interface CompareSelection {
  path: string;
  change?: RowChange;
  /** Details of an entry only the other image has (the tree's stand-in has no node in this one). */
  after?: NodeDetails;
  afterError?: string;
}

export interface AppState extends SearchState, CopyState, SharingState, RepositoryState, PaneState {
  images: Record<ImageId, ImageView>;
  order: ImageId[];
  activeId?: ImageId;
  showHidden: boolean;
  theme: Theme;
  recent: string[];
  /** Last failure to show in the status line. */
  error?: string;
  /** Path being opened, for a busy indicator. */
  opening?: string;
  /**
   * Directory pages being fetched or laid out. The tree shows aria-busy while it is above 0: the
   * app's own readiness signal, which tests wait on instead of the clock.
   */
  listingsLoading: number;
}

export interface AppActions extends SearchActions, ContentActions, CopyActions, SharingActions, RepositoryActions, PaneActions {
  open(path: string): Promise<void>;
  openDialog(): Promise<void>;
  adopt(summary: ImageSummary): Promise<void>;
  close(imageId: ImageId): Promise<void>;
  /** Closes an image whose service stopped and opens the same file again in a fresh one. */
  reopen(imageId: ImageId): Promise<void>;
  activate(imageId: ImageId): void;
  loadRecent(): Promise<void>;
  expand(path: string, id: number): Promise<void>;
  collapse(path: string): void;
  /** Loads the pages a directory still lacks for indexes [from, to). */
  ensureLoaded(dirId: number, from: number, to: number): Promise<void>;
  select(id: number, path: string, options?: { keepHex?: boolean }): Promise<void>;
  /** Selects the index-th entry of a directory, loading its page first if needed (keyboard over placeholders). */
  selectChild(dirId: number, dirPath: string, index: number): Promise<void>;
  /** Expands every directory on the way to `path` and selects it. */
  reveal(path: string, options?: { keepHex?: boolean }): Promise<boolean>;
  setFilter(filter: string): Promise<void>;
  setShowHidden(show: boolean): void;
  setTheme(theme: Theme): void;
  runCheck(): Promise<void>;
  /** Stops the active image's running check. */
  cancelCheck(): Promise<void>;
  /** Starts verifying every object; with a digest, the image file's own fs-verity digest is checked too. */
  startVerify(expectedImageDigest?: string): Promise<void>;
  cancelVerify(): Promise<void>;
  chooseObjectStore(): Promise<void>;
  focusFinding(index: number): Promise<void>;
  focusHex(offset: number, length: number): void;
  /** Diffs the active image (before) against another open image (after); the tree becomes the merged tree. */
  compareWith(otherId: ImageId, options?: DiffOptions): Promise<void>;
  /** Runs the active comparison again with other options. */
  setDiffOptions(options: DiffOptions): Promise<void>;
  stopComparing(): void;
  setChangedOnly(on: boolean): Promise<void>;
  /**
   * Shows only changes of `kind` (the tree turns "changed only", keeping the folders that lead to
   * them); the kind already shown, or undefined, shows every change again.
   */
  filterChanges(kind?: ChangeKind): Promise<void>;
  /** Expands the folders that lead to changes (the first MAX_AUTO_EXPAND of them, shallowest first). */
  expandChanges(): Promise<void>;
  showBottomTab(tab: 'findings' | 'changes'): void;
  dismissError(): void;
  fail(message: string): void;
}

export type AppStore = StoreApi<AppState & AppActions>;

/** The comparison without its kind filter. */
function unfiltered(diff: Comparison): Comparison {
  const out = { ...diff };
  delete out.only;
  delete out.changedOnlyBefore;
  return out;
}

/** The overlay the tree lays out: every change of the report, or only those of one kind. */
const shownOverlay = (report: DiffReport, only?: ChangeKind): DiffOverlay =>
  buildOverlay(only ? report.changes.filter((c) => c.kind === only) : report.changes);

/** Chunk size for loading a whole directory (the inspector serves at most 5000 per call). */
const BULK_SIZE = 5000;
/** Folders "changed only" opens by itself: enough for a release diff, bounded for two unrelated trees. */
export const MAX_AUTO_EXPAND = 300;
const EXPAND_BATCH = 24;

/** Stand-in listing id for a path with no directory of its own in the active image (all its entries come from the other one). */
const NO_LISTING = -1;

const loadTheme = (): Theme => {
  try {
    const t = globalThis.localStorage?.getItem('cfs.theme');
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
};


export function createAppStore(api: InspectorApi): AppStore {
  // Requests in flight, so scrolling over placeholders asks for each page once.
  const inflight = new Map<string, Promise<void>>();
  // Only the newest details request for an image may land (fast keyboard navigation).
  const detailsSeq = new Map<ImageId, number>();
  const compareSeq = new Map<ImageId, number>();
  // Only the newest comparison run for an image may land (options changed while one ran).
  const diffSeq = new Map<ImageId, number>();
  let hexSeq = 0;

  const store = createStore<AppState & AppActions>()((set, get) => {
    const view = (id?: ImageId): ImageView | undefined => (id ? get().images[id] : undefined);
    const active = () => view(get().activeId);

    const patch = (id: ImageId, fn: (v: ImageView) => Partial<ImageView>) => {
      const v = get().images[id];
      if (!v) return; // closed meanwhile
      set({ images: { ...get().images, [id]: { ...v, ...fn(v) } } });
    };

    const relayout = (id: ImageId) =>
      patch(id, (v) => ({
        rows: flattenTree(v.summary.rootId, v.listings, new Set(v.expanded.keys()), {
          filter: v.filter,
          showHidden: get().showHidden,
          overlay: v.diff?.overlay,
          changedOnly: v.changedOnly,
          listingIds: v.expanded,
        }),
      }));

    // Pages that land together (a scroll across several) are laid out once.
    const pendingLayout = new Set<ImageId>();
    const loading = (delta: number) => set((s) => ({ listingsLoading: s.listingsLoading + delta }));
    const relayoutSoon = (id: ImageId) => {
      if (pendingLayout.has(id)) return;
      pendingLayout.add(id);
      loading(1);
      setTimeout(() => {
        pendingLayout.delete(id);
        try {
          relayout(id);
        } finally {
          loading(-1);
        }
      }, 0);
    };

    /** Loads entries [start, start + count) of a directory once, however often it is asked for. */
    const loadRange = (id: ImageId, dirId: number, start: number, count: number): Promise<void> => {
      const key = `${id}:${dirId}:${start}:${count}`;
      const running = inflight.get(key);
      if (running) return running;
      loading(1);
      const p = (async () => {
        try {
          const got = await api.children(id, dirId, start, count);
          const v = view(id);
          if (!v) return;
          v.listings.set(dirId, mergePage(v.listings.get(dirId), got));
          relayoutSoon(id);
        } catch (e) {
          if (!serviceStopped(id, e)) set({ error: errorText(e) });
        } finally {
          inflight.delete(key);
          loading(-1);
        }
      })();
      inflight.set(key, p);
      return p;
    };
    /** Marks the image when its service was stopped (shared/api.ts SERVICE_STOPPED); true if it was. */
    const serviceStopped = (id: ImageId, e: unknown): boolean => {
      const message = errorText(e);
      if (!isServiceStopped(message)) return false;
      patch(id, () => ({ serviceError: message }));
      return true;
    };
    const loadPage = (id: ImageId, dirId: number, page: number) => loadRange(id, dirId, page * PAGE_SIZE, PAGE_SIZE);

    /** Every entry of a directory (filtering, revealing a path), in large chunks to keep the round trips few. */
    const loadAll = async (id: ImageId, dirId: number): Promise<DirListing | undefined> => {
      if (!view(id)?.listings.has(dirId)) await loadPage(id, dirId, 0);
      const l = view(id)?.listings.get(dirId);
      if (!l) return undefined;
      const chunks = [...new Set(missingPages(l, 0, l.total).map((p) => Math.floor((p * PAGE_SIZE) / BULK_SIZE)))];
      await Promise.all(chunks.map((c) => loadRange(id, dirId, c * BULK_SIZE, BULK_SIZE)));
      return view(id)?.listings.get(dirId);
    };

    const refreshDetails = async (id: ImageId, options: { keepHex?: boolean } = {}) => {
      const sel = view(id)?.selected;
      if (!sel) return;
      const seq = (detailsSeq.get(id) ?? 0) + 1;
      detailsSeq.set(id, seq);
      if (sel.id < 0) {
        // A stand-in for an entry only the compared image has: nothing of it is in this image.
        patch(id, () => ({ details: undefined, detailsError: undefined }));
        return;
      }
      try {
        const details = await api.node(id, sel.id);
        if (detailsSeq.get(id) !== seq) return;
        patch(id, (v) => {
          // The inode is the node's own structure; its dirent and xattrs are tinted around it.
          const first = details.ranges.find((r) => r.label.startsWith('inode')) ?? details.ranges[0];
          const hex =
            options.keepHex || !first ? v.hex : { offset: first.offset, length: first.length, seq: ++hexSeq };
          return { details, detailsError: undefined, hex };
        });
      } catch (e) {
        if (detailsSeq.get(id) !== seq) return;
        serviceStopped(id, e);
        patch(id, () => ({ details: undefined, detailsError: errorText(e) }));
      }
    };

    /** The selection's status in the comparison; for an entry only the other image has, its details from there. */
    const refreshCompare = async (id: ImageId) => {
      const v = view(id);
      const sel = v?.selected;
      const diff = v?.diff;
      const seq = (compareSeq.get(id) ?? 0) + 1;
      compareSeq.set(id, seq);
      if (!sel || !diff?.overlay) {
        patch(id, () => ({ compare: undefined }));
        return;
      }
      const base: CompareSelection = { path: sel.path };
      const change = changeAt(diff.overlay, sel.path, sel.id < 0);
      if (change) base.change = change;
      patch(id, () => ({ compare: base }));
      if (sel.id >= 0) return;
      try {
        const otherId = await api.lookup(diff.other, sel.path);
        if (otherId === null) throw new Error(`${sel.path} is not in ${diff.otherName} any more`);
        const after = await api.node(diff.other, otherId);
        if (compareSeq.get(id) === seq) patch(id, () => ({ compare: { ...base, after } }));
      } catch (e) {
        if (compareSeq.get(id) === seq) patch(id, () => ({ compare: { ...base, afterError: errorText(e) } }));
      }
    };

    /** The entry named `name` in a directory of the merged tree: this image's listing first, then the other image's additions. */
    const childNamed = async (id: ImageId, dirId: number, dirPath: string, name: string): Promise<TreeEntry | undefined> => {
      if (dirId >= 0) {
        const hit = (await loadAll(id, dirId))?.entries.find((e) => e?.name === name);
        if (hit) return hit;
      }
      return view(id)?.diff?.overlay?.afterOnly.get(dirPath)?.find((a) => a.entry.name === name)?.entry;
    };

    /**
     * Which listing shows below `path` when expanded. A directory renamed by the comparison holds
     * what its old directory holds (the diff pairs renamed directories only when their contents are
     * equal), so it lists that one; added directories have no listing here.
     */
    const listingFor = async (id: ImageId, path: string, dirId: number): Promise<number> => {
      if (dirId >= 0) return dirId;
      const a = view(id)?.diff?.overlay?.afterPaths.get(path);
      if (a?.status !== 'renamed-to' || a.entry.kind !== 'dir' || a.change.oldPath === undefined) return dirId;
      try {
        return (await api.lookup(id, a.change.oldPath)) ?? dirId;
      } catch {
        return dirId;
      }
    };

    /**
     * Marks a path expanded with the listing it shows, loading that listing as far as the view needs
     * it. Many opens at once (expanding every changed folder) lay the tree out once, not per folder.
     */
    const open = async (id: ImageId, path: string, listId: number, many = false) => {
      const v = view(id);
      if (!v) return;
      v.expanded.set(path, listId);
      patch(id, (x) => ({ expanded: new Map(x.expanded) }));
      if (many) relayoutSoon(id);
      else relayout(id);
      if (listId < 0) return;
      if (!v.listings.has(listId)) await loadPage(id, listId, 0);
      // Filters must see every name; additions are placed among all of their siblings.
      const cur = view(id);
      if (cur && (cur.filter || cur.changedOnly || cur.diff?.overlay?.afterOnly.has(path))) await loadAll(id, listId);
    };

    /** Runs the comparison of `id` with `otherId`, keeping the previous report of the same pair on screen meanwhile. */
    const runDiff = async (id: ImageId, otherId: ImageId, options: DiffOptions) => {
      const other = view(otherId);
      if (!other || !view(id) || otherId === id) return;
      const otherName = other.summary.name;
      const seq = (diffSeq.get(id) ?? 0) + 1;
      diffSeq.set(id, seq);
      patch(id, (v) => {
        const keep =
          v.diff?.other === otherId
            ? { report: v.diff.report, overlay: v.diff.overlay, only: v.diff.only, changedOnlyBefore: v.diff.changedOnlyBefore }
            : {};
        return { diff: { other: otherId, otherName, options, running: true, ...keep }, bottomTab: 'changes' as const };
      });
      relayout(id);
      let report: DiffReport;
      try {
        report = await api.diff(id, otherId, options);
      } catch (e) {
        if (diffSeq.get(id) !== seq) return;
        patch(id, () => ({ diff: { other: otherId, otherName, options, running: false, error: errorText(e) }, changedOnly: false }));
        await afterComparisonChange(id);
        return;
      }
      if (diffSeq.get(id) !== seq) return;
      // A chip pressed stays pressed when other options re-run the same comparison.
      const kept = view(id)?.diff;
      const filter = kept?.only ? { only: kept.only, changedOnlyBefore: kept.changedOnlyBefore } : {};
      const overlay = shownOverlay(report, kept?.only);
      patch(id, () => ({ diff: { other: otherId, otherName, options, running: false, report, overlay, ...filter } }));
      await afterComparisonChange(id);
      const v = view(id);
      if (!v) return;
      await Promise.all(
        [...v.expanded].filter(([p, dirId]) => dirId >= 0 && (v.changedOnly || overlay.afterOnly.has(p))).map(([, dirId]) => loadAll(id, dirId)),
      );
    };

    /**
     * After the comparison changed (new report, stopped, failed): stand-in ids of entries only the other
     * image has belong to one report, so a selected one is looked up again by path (or the root selected).
     */
    const afterComparisonChange = async (id: ImageId) => {
      const v = view(id);
      if (!v) return;
      relayout(id);
      const sel = v.selected;
      if (sel && sel.id < 0) {
        const again = v.diff?.overlay?.afterPaths.get(sel.path);
        patch(id, () => ({ selected: again ? { id: again.entry.id, path: sel.path } : { id: v.summary.rootId, path: '/' } }));
        if (!again) void refreshDetails(id);
      }
      await refreshCompare(id);
    };

    const findImageByJob = (jobId: string): ImageId | undefined =>
      get().order.find((id) => get().images[id]?.verifyJob?.jobId === jobId);

    api.onVerifyProgress((p) => {
      const id = findImageByJob(p.jobId);
      if (id) patch(id, (v) => ({ verifyJob: { jobId: p.jobId, progress: p } }));
    });
    api.onVerifyDone((s) => {
      const id = view(s.imageId) ? s.imageId : findImageByJob(s.jobId);
      if (!id) return;
      const verity = new Map(view(id)!.verity);
      for (const r of s.results) verity.set(r.nodeId, r);
      patch(id, () => ({ verifyJob: undefined, verifySummary: s, verity }));
      relayout(id); // badges are drawn per row: a new rows object repaints them
      void refreshDetails(id, { keepHex: true });
    });
    api.onCheckProgress((p) => {
      if (view(p.imageId)?.checking) patch(p.imageId, () => ({ checkProgress: { checked: p.checked, total: p.total } }));
    });
    api.onOpenRequest((summary) => void get().adopt(summary));

    return {
      images: {},
      order: [],
      showHidden: false,
      theme: loadTheme(),
      recent: [],
      listingsLoading: 0,
      search: INITIAL_SEARCH,
      ...searchSlice(api, set, get),
      repository: INITIAL_REPOSITORY,
      ...repositorySlice(api, set, get),
      ...contentSlice(api, get),
      ...copySlice(set, get),
      ...sharingSlice(api, set, get),
      topShare: loadTopShare(),
      ...paneSlice(set),

      async open(path) {
        set({ opening: path, error: undefined });
        try {
          const summary = await api.openImage(path);
          await get().adopt(summary);
        } catch (e) {
          set({ error: errorText(e) });
        } finally {
          set({ opening: undefined });
        }
      },

      async openDialog() {
        try {
          const summary = await api.openDialog();
          if (summary) await get().adopt(summary);
        } catch (e) {
          set({ error: errorText(e) });
        }
      },

      async adopt(summary) {
        const id = summary.imageId;
        if (get().images[id]) {
          patch(id, () => ({ summary }));
          set({ activeId: id });
          return;
        }
        const v: ImageView = {
          summary,
          listings: new Map(),
          expanded: new Map([['/', summary.rootId]]),
          rows: flattenTree(summary.rootId, new Map(), new Set()),
          filter: '',
          checking: false,
          verity: new Map(),
          hex: { offset: 0, length: 0, seq: ++hexSeq },
          bottomTab: 'findings',
          changedOnly: false,
        };
        set({ images: { ...get().images, [id]: v }, order: [...get().order, id], activeId: id, error: undefined });
        relayout(id);
        await loadPage(id, summary.rootId, 0);
        void get().select(summary.rootId, '/');
        void get().runCheck();
        void get().loadRecent();
      },

      async close(imageId) {
        const order = get().order.filter((x) => x !== imageId);
        const images = { ...get().images };
        delete images[imageId];
        const activeId = get().activeId === imageId ? order[order.length - 1] : get().activeId;
        set({ images, order, activeId });
        // A comparison cannot look anything up in a closed image.
        for (const id of order) {
          if (images[id]?.diff?.other !== imageId) continue;
          diffSeq.set(id, (diffSeq.get(id) ?? 0) + 1);
          patch(id, () => ({ diff: undefined, changedOnly: false }));
          void afterComparisonChange(id);
        }
        try {
          await api.closeImage(imageId);
        } catch (e) {
          set({ error: errorText(e) });
        }
      },

      async reopen(imageId) {
        const path = get().images[imageId]?.summary.path;
        if (!path) return;
        await get().close(imageId);
        await get().open(path);
      },

      activate(imageId) {
        if (get().images[imageId]) set({ activeId: imageId });
      },

      async loadRecent() {
        try {
          set({ recent: await api.recentFiles() });
        } catch {
          // Recent files are a convenience; a failure to list them is not worth a message.
        }
      },

      async expand(path, dirId) {
        const id = get().activeId;
        if (!id || !active()) return;
        await open(id, path, await listingFor(id, path, dirId));
      },

      collapse(path) {
        const id = get().activeId;
        const v = active();
        if (!id || !v || !v.expanded.has(path)) return;
        const expanded = new Map(v.expanded);
        expanded.delete(path);
        patch(id, () => ({ expanded }));
        relayout(id);
      },

      async ensureLoaded(dirId, from, to) {
        const id = get().activeId;
        const l = active()?.listings.get(dirId);
        if (!id || !l) return;
        await Promise.all(missingPages(l, from, to).map((p) => loadPage(id, dirId, p)));
      },

      async select(nodeId, path, options = {}) {
        const id = get().activeId;
        if (!id) return;
        patch(id, () => ({ selected: { id: nodeId, path } }));
        await Promise.all([refreshDetails(id, options), refreshCompare(id)]);
      },

      async selectChild(dirId, dirPath, index) {
        const id = get().activeId;
        if (!id) return;
        await get().ensureLoaded(dirId, index, index + 1);
        const e = view(id)?.listings.get(dirId)?.entries[index];
        if (e) await get().select(e.id, childPath(dirPath, e.name));
      },

      async reveal(path, options = {}) {
        const id = get().activeId;
        const v = active();
        if (!id || !v) return false;
        let dirId = v.summary.rootId;
        let dirPath = '/';
        const parts = pathComponents(path);
        if (parts.length === 0) {
          await get().select(dirId, '/', options);
          return true;
        }
        for (let i = 0; i < parts.length; i++) {
          const entry = await childNamed(id, dirId, dirPath, parts[i]!);
          if (!entry) return false;
          const p = childPath(dirPath, entry.name);
          if (i === parts.length - 1) {
            if (entry.hidden && !get().showHidden) get().setShowHidden(true);
            await get().select(entry.id, p, options);
            return true;
          }
          const opens = entry.kind === 'dir' || !!view(id)?.diff?.overlay?.afterOnly.has(p);
          if (!opens) return false;
          const listId = await listingFor(id, p, entry.kind === 'dir' ? entry.id : NO_LISTING);
          view(id)?.expanded.set(p, listId);
          patch(id, (x) => ({ expanded: new Map(x.expanded) }));
          relayout(id);
          dirId = listId;
          dirPath = p;
        }
        return false;
      },

      async setFilter(filter) {
        const id = get().activeId;
        const v = active();
        if (!id || !v) return;
        patch(id, () => ({ filter }));
        relayout(id);
        // Filtering must see every name in the expanded directories, not just the pages scrolled past.
        if (filter) await Promise.all([...v.expanded.values()].map((dirId) => loadAll(id, dirId)));
      },

      setShowHidden(show) {
        set({ showHidden: show });
        for (const id of get().order) relayout(id);
      },

      setTheme(theme) {
        set({ theme });
        try {
          globalThis.localStorage?.setItem('cfs.theme', theme);
        } catch {
          // Storage can be unavailable (opaque origins); the choice then lasts for this window only.
        }
      },

      async runCheck() {
        const id = get().activeId;
        if (!id) return;
        patch(id, () => ({ checking: true, checkError: undefined, checkCancelled: false, checkProgress: undefined }));
        try {
          const check = await api.check(id);
          patch(id, () => ({ check, checking: false, checkProgress: undefined }));
          void refreshDetails(id, { keepHex: true });
        } catch (e) {
          serviceStopped(id, e);
          const cancelled = errorText(e).includes(CHECK_CANCELLED);
          patch(id, () => ({ checking: false, checkProgress: undefined, ...(cancelled ? { checkCancelled: true } : { checkError: errorText(e) }) }));
        }
      },

      async cancelCheck() {
        const id = get().activeId;
        if (!id || !view(id)?.checking) return;
        try {
          await api.cancelCheck(id);
        } catch (e) {
          set({ error: errorText(e) });
        }
      },

      async startVerify(expectedImageDigest) {
        const id = get().activeId;
        if (!id || active()?.verifyJob) return;
        patch(id, () => ({ verifyError: undefined, verifySummary: undefined }));
        try {
          const { jobId } = await api.verify(id, ...(expectedImageDigest ? [expectedImageDigest] : []));
          // The job may already have finished (tiny images): only record it if no summary came first.
          if (view(id)?.verifySummary?.jobId !== jobId) patch(id, (v) => ({ verifyJob: v.verifyJob ?? { jobId } }));
        } catch (e) {
          patch(id, () => ({ verifyError: errorText(e) }));
        }
      },

      async cancelVerify() {
        const job = active()?.verifyJob;
        if (!job) return;
        try {
          await api.cancelVerify(job.jobId);
        } catch (e) {
          set({ error: errorText(e) });
        }
      },

      async chooseObjectStore() {
        const id = get().activeId;
        if (!id) return;
        try {
          const summary = await api.chooseObjectStore(id);
          if (!summary) return;
          // Verity results belong to the stores they were measured against.
          patch(id, () => ({ summary, verity: new Map(), verifySummary: undefined }));
          relayout(id);
          void refreshDetails(id, { keepHex: true });
        } catch (e) {
          set({ error: errorText(e) });
        }
      },

      async focusFinding(index) {
        const id = get().activeId;
        const f: Finding | undefined = active()?.check?.findings[index];
        if (!id || !f) return;
        patch(id, () => ({ activeFinding: index, hex: { offset: f.offset, length: f.length, seq: ++hexSeq } }));
        if (f.path !== undefined && (await get().reveal(f.path, { keepHex: true }))) return;
        if (f.nodeId !== undefined) await get().select(f.nodeId, f.path ?? `#${f.nodeId}`, { keepHex: true });
      },

      focusHex(offset, length) {
        const id = get().activeId;
        if (id) patch(id, () => ({ hex: { offset, length, seq: ++hexSeq } }));
      },

      async compareWith(otherId, options) {
        const id = get().activeId;
        if (!id) return;
        await runDiff(id, otherId, options ?? active()?.diff?.options ?? {});
      },

      async setDiffOptions(options) {
        const id = get().activeId;
        const other = active()?.diff?.other;
        if (id && other) await runDiff(id, other, options);
      },

      stopComparing() {
        const id = get().activeId;
        if (!id || !active()?.diff) return;
        diffSeq.set(id, (diffSeq.get(id) ?? 0) + 1);
        patch(id, () => ({ diff: undefined, changedOnly: false }));
        void afterComparisonChange(id);
      },

      async setChangedOnly(on) {
        const id = get().activeId;
        const v = active();
        if (!id || !v?.diff) return;
        // The kind filter is a narrower "changed only": it goes with it.
        if (!on && v.diff.only && v.diff.report) {
          patch(id, () => ({ changedOnly: false, diff: { ...unfiltered(v.diff!), overlay: shownOverlay(v.diff!.report!) } }));
          await afterComparisonChange(id);
          return;
        }
        patch(id, () => ({ changedOnly: on }));
        relayout(id);
        if (!on) return;
        await Promise.all([...v.expanded.values()].filter((d) => d >= 0).map((d) => loadAll(id, d)));
        await get().expandChanges();
      },

      async filterChanges(kind) {
        const id = get().activeId;
        const v = active();
        const diff = v?.diff;
        if (!id || !v || !diff?.report) return;
        const only = kind === diff.only ? undefined : kind;
        if (only === diff.only) return;
        const changedOnlyBefore = diff.only ? diff.changedOnlyBefore : v.changedOnly;
        const next: Comparison = { ...unfiltered(diff), overlay: shownOverlay(diff.report, only), ...(only ? { only, changedOnlyBefore } : {}) };
        patch(id, () => ({ diff: next, changedOnly: only ? true : !!changedOnlyBefore }));
        await afterComparisonChange(id);
        const cur = view(id);
        if (!cur?.changedOnly) return;
        await Promise.all([...cur.expanded.values()].filter((d) => d >= 0).map((d) => loadAll(id, d)));
        await get().expandChanges();
      },

      async expandChanges() {
        const id = get().activeId;
        const overlay = active()?.diff?.overlay;
        if (!id || !overlay) return;
        const depth = (p: string) => pathComponents(p).length;
        const dirs = [...overlay.containing].filter((p) => p !== '/').sort((x, y) => depth(x) - depth(y));
        if (!view(id)?.expanded.has('/')) await open(id, '/', view(id)!.summary.rootId);
        const openOne = async (p: string) => {
          const v = view(id);
          if (!v || v.diff?.overlay !== overlay || v.expanded.has(p)) return; // closed, stopped or re-run meanwhile
          const parent = v.expanded.get(parentPath(p));
          if (parent === undefined) return; // its parent could not be opened
          const entry = await childNamed(id, parent, parentPath(p), p.slice(p.lastIndexOf('/') + 1));
          if (entry) await open(id, p, await listingFor(id, p, entry.kind === 'dir' ? entry.id : NO_LISTING), true);
        };
        // Parents before children; folders of one depth a batch at a time, so requests overlap.
        const chosen = dirs.slice(0, MAX_AUTO_EXPAND);
        for (let i = 0; i < chosen.length; ) {
          const d = depth(chosen[i]!);
          let j = i;
          while (j < chosen.length && j - i < EXPAND_BATCH && depth(chosen[j]!) === d) j++;
          await Promise.all(chosen.slice(i, j).map(openOne));
          i = j;
        }
      },

      showBottomTab(tab) {
        const id = get().activeId;
        if (id) patch(id, () => ({ bottomTab: tab }));
      },

      dismissError() {
        set({ error: undefined });
      },

      fail(message) {
        set({ error: message });
      },
    };
  });
  return store;
}

/** Findings that concern one node, for the details pane and tree badges. */
export function findingsByNode(check: CheckReport | undefined): Map<number, Finding[]> {
  const m = new Map<number, Finding[]>();
  for (const f of check?.findings ?? []) {
    if (f.nodeId === undefined) continue;
    const list = m.get(f.nodeId);
    if (list) list.push(f);
    else m.set(f.nodeId, [f]);
  }
  return m;
}
