/**
 * File content for the preview: a thin store action over api.content for the active image. The
 * preview keeps what it loaded in its own component state (it is per selection and throwaway).
 */
import type { ContentSlice, InspectorApi } from '../shared/api.ts';
import type { AppActions, AppState } from './store.ts';

export interface ContentActions {
  loadContent(nodeId: number, offset: number, length: number): Promise<ContentSlice>;
}

export function contentSlice(api: InspectorApi, get: () => AppState & AppActions): ContentActions {
  return {
    loadContent(nodeId, offset, length) {
      const id = get().activeId;
      if (!id) return Promise.reject(new Error('no image is open'));
      return api.content(id, nodeId, offset, length);
    },
  };
}
