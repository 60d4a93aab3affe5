/**
 * The window's state (zustand): open images, the active one, and per image its tree (loaded pages,
 * expanded paths, flat visible rows, filter), selection and details, check findings, verity job and
 * results, and where the hex view looks. Every call to the Node side goes through the api passed in,
 * so the same store runs in Electron, in the e2e harness and in unit tests.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CheckReport,
  DiffReport,
  ImageId,
  ImageSummary,
  InspectorApi,
  NodeDetails,
  VerifyProgress,
  VerifySummary,
  VerityResult,
} from '../shared/api.ts';
import type { Finding } from '../shared/model.ts';
import { errorText } from './api.ts';
import {
  PAGE_SIZE,
  childPath,
  flattenTree,
  isComplete,
  mergePage,
  missingPages,
  pathComponents,
  type DirListing,
  type VisibleRows,
} from './tree.ts';

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
  check?: CheckReport;
  checking: boolean;
  checkError?: string;
  verity: Map<number, VerityResult>;
  verifyJob?: { jobId: string; progress?: VerifyProgress };
  verifySummary?: VerifySummary;
  verifyError?: string;
  hex: HexFocus;
  activeFinding?: number;
  /** The last comparison of this image (as "before") with another open image. */
  diff?: { other: ImageId; otherName: string; running: boolean; report?: DiffReport; error?: string };
  /** Which list the bottom-left panel shows. */
  bottomTab: 'findings' | 'changes';
}

export interface AppState {
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
}

export interface AppActions {
  open(path: string): Promise<void>;
  openDialog(): Promise<void>;
  adopt(summary: ImageSummary): Promise<void>;
  close(imageId: ImageId): Promise<void>;
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
  /** Starts verifying every object; with a digest, the image file's own fs-verity digest is checked too. */
  startVerify(expectedImageDigest?: string): Promise<void>;
  cancelVerify(): Promise<void>;
  chooseObjectStore(): Promise<void>;
  focusFinding(index: number): Promise<void>;
  focusHex(offset: number, length: number): void;
  /** Diffs the active image (before) against another open image (after). */
  compareWith(otherId: ImageId): Promise<void>;
  showBottomTab(tab: 'findings' | 'changes'): void;
  dismissError(): void;
  fail(message: string): void;
}

export type AppStore = StoreApi<AppState & AppActions>;

/** Chunk size for loading a whole directory (the inspector serves at most 5000 per call). */
const BULK_SIZE = 5000;

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
        }),
      }));

    // Pages that land together (a scroll across several) are laid out once.
    const pendingLayout = new Set<ImageId>();
    const relayoutSoon = (id: ImageId) => {
      if (pendingLayout.has(id)) return;
      pendingLayout.add(id);
      setTimeout(() => {
        pendingLayout.delete(id);
        relayout(id);
      }, 0);
    };

    /** Loads entries [start, start + count) of a directory once, however often it is asked for. */
    const loadRange = (id: ImageId, dirId: number, start: number, count: number): Promise<void> => {
      const key = `${id}:${dirId}:${start}:${count}`;
      const running = inflight.get(key);
      if (running) return running;
      const p = (async () => {
        try {
          const got = await api.children(id, dirId, start, count);
          const v = view(id);
          if (!v) return;
          v.listings.set(dirId, mergePage(v.listings.get(dirId), got));
          relayoutSoon(id);
        } catch (e) {
          set({ error: errorText(e) });
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, p);
      return p;
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
        patch(id, () => ({ details: undefined, detailsError: errorText(e) }));
      }
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
    api.onOpenRequest((summary) => void get().adopt(summary));

    return {
      images: {},
      order: [],
      showHidden: false,
      theme: loadTheme(),
      recent: [],

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
        try {
          await api.closeImage(imageId);
        } catch (e) {
          set({ error: errorText(e) });
        }
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
        const v = active();
        if (!id || !v) return;
        v.expanded.set(path, dirId);
        patch(id, (x) => ({ expanded: new Map(x.expanded) }));
        relayout(id);
        if (!v.listings.has(dirId)) await loadPage(id, dirId, 0);
        if (v.filter) await loadAll(id, dirId);
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
        await refreshDetails(id, options);
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
          const listing = await loadAll(id, dirId);
          const entry = listing?.entries.find((e) => e?.name === parts[i]);
          if (!entry) return false;
          const p = childPath(dirPath, entry.name);
          if (i === parts.length - 1) {
            if (entry.hidden && !get().showHidden) get().setShowHidden(true);
            await get().select(entry.id, p, options);
            return true;
          }
          if (entry.kind !== 'dir') return false;
          view(id)?.expanded.set(p, entry.id);
          patch(id, (x) => ({ expanded: new Map(x.expanded) }));
          relayout(id);
          dirId = entry.id;
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
        patch(id, () => ({ checking: true, checkError: undefined }));
        try {
          const check = await api.check(id);
          patch(id, () => ({ check, checking: false }));
          void refreshDetails(id, { keepHex: true });
        } catch (e) {
          patch(id, () => ({ checking: false, checkError: errorText(e) }));
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

      async compareWith(otherId) {
        const id = get().activeId;
        const other = view(otherId);
        if (!id || !other || otherId === id) return;
        const otherName = other.summary.name;
        patch(id, () => ({ diff: { other: otherId, otherName, running: true }, bottomTab: 'changes' }));
        try {
          const report = await api.diff(id, otherId);
          patch(id, () => ({ diff: { other: otherId, otherName, running: false, report } }));
        } catch (e) {
          patch(id, () => ({ diff: { other: otherId, otherName, running: false, error: errorText(e) } }));
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
