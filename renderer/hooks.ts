/** React access to the app store: the store comes through context so tests and windows can each have their own. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppActions, AppState, AppStore, ImageView } from './store.ts';

export const StoreContext = createContext<AppStore | null>(null);

export function useAppStore(): AppStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('StoreContext missing');
  return s;
}

export function useApp<T>(selector: (s: AppState & AppActions) => T): T {
  return useStore(useAppStore(), selector);
}

/** Selects from the active image's view; undefined when no image is open. */
export function useActive<T>(selector: (v: ImageView) => T): T | undefined {
  return useApp((s) => {
    const v = s.activeId ? s.images[s.activeId] : undefined;
    return v ? selector(v) : undefined;
  });
}

export const useActions = (): AppActions => useAppStore().getState();
