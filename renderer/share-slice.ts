/**
 * The Sharing view's state: which images it analyses, the running job (progress, cancel) and its
 * result. The view replaces the workspace while open; revealing a file closes it and selects the
 * file in its image's tree.
 */
import type { ImageId, InspectorApi, ShareDone, ShareProgress } from '../shared/api.ts';
import { errorText } from './api.ts';
import type { AppActions, AppState } from './store.ts';

export interface SharingState {
  sharing?: {
    /** Oldest first: the order of the tabs when the view was opened. */
    imageIds: ImageId[];
    jobId?: string;
    progress?: ShareProgress;
    done?: ShareDone;
    error?: string;
  };
}

export interface SharingActions {
  /** Opens the Sharing view over every open image and starts the analysis. */
  openSharing(): Promise<void>;
  closeSharing(): void;
  cancelSharing(): Promise<void>;
  /** Closes the view and selects the file in its image. */
  revealShared(imageId: ImageId, path: string): Promise<void>;
}

type Get = () => AppState & AppActions;
type Set = (partial: Partial<AppState>) => void;

export function sharingSlice(api: InspectorApi, set: Set, get: Get): SharingActions {
  const current = (jobId: string) => (get().sharing?.jobId === jobId ? get().sharing : undefined);
  api.onShareProgress((p) => {
    const s = current(p.jobId);
    if (s) set({ sharing: { ...s, progress: p } });
  });
  api.onShareDone((d) => {
    const s = current(d.jobId);
    if (s) set({ sharing: { imageIds: s.imageIds, done: d } });
  });

  return {
    async openSharing() {
      const running = get().sharing?.jobId;
      if (running) void api.cancelShare(running).catch(() => undefined);
      const imageIds = [...get().order];
      set({ sharing: { imageIds } });
      if (imageIds.length < 2) {
        set({ sharing: { imageIds, error: 'Open two or more images to see what they share.' } });
        return;
      }
      try {
        const { jobId } = await api.share(imageIds);
        if (get().sharing?.imageIds === imageIds) set({ sharing: { imageIds, jobId } });
      } catch (e) {
        set({ sharing: { imageIds, error: errorText(e) } });
      }
    },
    closeSharing() {
      const running = get().sharing?.jobId;
      if (running) void api.cancelShare(running).catch(() => undefined);
      set({ sharing: undefined });
    },
    async cancelSharing() {
      const running = get().sharing?.jobId;
      if (running) await api.cancelShare(running);
    },
    async revealShared(imageId, path) {
      get().closeSharing();
      get().activate(imageId);
      await get().reveal(path);
    },
  };
}
