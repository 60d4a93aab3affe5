/**
 * How the window splits between the top panes (tree, details) and the bottom ones (findings, hex):
 * the share of the workspace's height the top gets, moved by the splitter. Bounded so neither half
 * can be dragged out of sight, and remembered across restarts like the theme.
 */
import type { AppState } from './store.ts';

export interface PaneState {
  /** Fraction of the workspace height the top panes take, within [TOP_SHARE_MIN, TOP_SHARE_MAX]. */
  topShare: number;
}

export interface PaneActions {
  setTopShare(share: number): void;
}

export const TOP_SHARE_MIN = 0.2;
export const TOP_SHARE_MAX = 0.8;
export const TOP_SHARE_DEFAULT = 0.58;
const KEY = 'cfs.topShare';

export const clampShare = (share: number): number =>
  Number.isFinite(share) ? Math.min(TOP_SHARE_MAX, Math.max(TOP_SHARE_MIN, share)) : TOP_SHARE_DEFAULT;

export function loadTopShare(): number {
  try {
    const v = globalThis.localStorage?.getItem(KEY);
    return v ? clampShare(Number(v)) : TOP_SHARE_DEFAULT;
  } catch {
    return TOP_SHARE_DEFAULT;
  }
}

export function paneSlice(set: (p: Partial<AppState>) => void): PaneActions {
  return {
    setTopShare(share) {
      const topShare = clampShare(share);
      set({ topShare });
      try {
        globalThis.localStorage?.setItem(KEY, String(topShare));
      } catch {
        // A window without storage still resizes; it just forgets on restart.
      }
    },
  };
}
