/**
 * Whole-image search in the store (a slice of the app store, kept out of store.ts): the query, the
 * newest result, and revealing a hit in the tree. The Node side indexes the image once; here every
 * keystroke asks it, and only the answer to the newest query may land.
 */
import type { ImageId, InspectorApi, SearchHit, SearchResult } from '../shared/api.ts';
import { errorText } from './api.ts';
import type { AppActions, AppState } from './store.ts';

export interface SearchState {
  search: {
    imageId?: ImageId;
    query: string;
    result?: SearchResult;
    running: boolean;
    error?: string;
    /** The results list is shown (hidden once a hit is revealed, shown again on focus). */
    open: boolean;
  };
}

export interface SearchActions {
  /** Starts indexing the active image in the background (the search box got focus). */
  warmSearch(): void;
  setSearch(query: string): Promise<void>;
  showSearchResults(open: boolean): void;
  /** Expands the folders on the way to a hit, selects it, and puts the tree in front again. */
  revealHit(hit: SearchHit): Promise<void>;
}

type Get = () => AppState & AppActions;
type Set = (partial: Partial<AppState>) => void;

export const INITIAL_SEARCH: SearchState['search'] = { query: '', running: false, open: false };

export function searchSlice(api: InspectorApi, set: Set, get: Get): SearchActions {
  let seq = 0;
  const update = (patch: Partial<SearchState['search']>) => set({ search: { ...get().search, ...patch } });
  return {
    async setSearch(query) {
      const imageId = get().activeId;
      const mine = ++seq;
      if (!imageId || query.trim() === '') {
        set({ search: { ...INITIAL_SEARCH, query, ...(imageId ? { imageId } : {}) } });
        return;
      }
      update({ imageId, query, running: true, open: true });
      try {
        const result = await api.search(imageId, query);
        if (mine === seq) set({ search: { imageId, query, result, running: false, open: get().search.open } });
      } catch (e) {
        if (mine === seq) set({ search: { imageId, query, running: false, open: true, error: errorText(e) } });
      }
    },
    warmSearch() {
      const imageId = get().activeId;
      if (imageId) api.search(imageId, '').catch(() => {}); // a failure shows on the first real query
    },
    showSearchResults(open) {
      update({ open });
    },
    async revealHit(hit) {
      update({ open: false });
      await get().reveal(hit.path);
    },
  };
}
