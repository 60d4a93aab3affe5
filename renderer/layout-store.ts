/**
 * Renderer state of the layout views (the block-map strip, and the structure under the byte the
 * user points at), in a zustand store of its own so the app store does not grow. Keyed by image.
 * Each request carries a sequence number: a slow answer never replaces a newer one.
 */
import { createStore } from 'zustand/vanilla';
import type { BlockMapView, LayoutAt } from '../shared/api.ts';
import { errorText, type RendererApi } from './api.ts';

export interface LayoutImageState {
  blockMap?: BlockMapView;
  /** The byte pointed at (hovered, clicked or gone to) and what owns it. */
  at?: LayoutAt;
  /** How the offset was reached, for the "landed at" line. */
  via?: 'hover' | 'click' | 'goto' | 'map';
  error?: string;
}

export interface LayoutState {
  images: Record<string, LayoutImageState>;
  loadBlockMap(imageId: string, buckets: number): Promise<void>;
  inspect(imageId: string, offset: number, via: LayoutImageState['via']): Promise<void>;
}

export function createLayoutStore(api: () => RendererApi) {
  const latest = new Map<string, number>();
  let seq = 0;
  return createStore<LayoutState>()((set, get) => {
    const patch = (id: string, p: Partial<LayoutImageState>) =>
      set({ images: { ...get().images, [id]: { ...get().images[id], ...p } } });
    const run = async <T>(key: string, id: string, call: () => Promise<T>, apply: (v: T) => Partial<LayoutImageState>) => {
      const mine = ++seq;
      latest.set(key, mine);
      try {
        const v = await call();
        if (latest.get(key) === mine) patch(id, { ...apply(v), error: undefined });
      } catch (e) {
        if (latest.get(key) === mine) patch(id, { error: errorText(e) });
      }
    };
    return {
      images: {},
      loadBlockMap: (imageId, buckets) => run(`map:${imageId}`, imageId, () => api().blockMap(imageId, buckets), (blockMap) => ({ blockMap })),
      inspect: (imageId, offset, via) => run(`at:${imageId}`, imageId, () => api().layoutAt(imageId, offset), (at) => ({ at, via })),
    };
  });
}

export type LayoutStore = ReturnType<typeof createLayoutStore>;
