/**
 * The sharing analysis in the store (a slice of the app store, kept out of store.ts): which open
 * images it covers, the running job's progress, and its outcome. Only events of the newest job land,
 * so a cancelled or superseded run cannot overwrite the one on screen.
 */
import type { ImageId, InspectorApi, ShareDone, ShareOptions } from '../shared/api.ts';
import { errorText } from './api.ts';
import type { AppActions, AppState } from './store.ts';

export interface ShareState {
  sharing: {
    /** The Sharing view is in front. */
    open: boolean;
    imageIds: ImageId[];
    jobId?: string;
    progress?: { bytes: number; total: number };
    done?: ShareDone;
    error?: string;
  };
}

export interface ShareActions {
  /** Shows the Sharing view and analyses every open image, in tab order. */
  openSharing(options?: ShareOptions): Promise<void>;
  closeSharing(): void;
  cancelSharing(): Promise<void>;
  /** Shows a file of the report in its image's tree. */
  revealShared(imageId: ImageId, path: string): Promise<void>;
}

type Get = () => AppState & AppActions;
type Set = (partial: Partial<AppState>) => void;

export const INITIAL_SHARING: ShareState['sharing'] = { open: false, imageIds: [] };

export function shareSlice(api: InspectorApi, set: Set, get: Get): ShareActions {
  const update = (patch: Partial<ShareState['sharing']>) => set({ sharing: { ...get().sharing, ...patch } });
  api.onShareProgress((p) => {
    if (p.jobId === get().sharing.jobId) update({ progress: { bytes: p.bytes, total: p.total } });
  });
  api.onShareDone((d) => {
    if (d.jobId === get().sharing.jobId) update({ jobId: undefined, progress: undefined, done: d });
  });
  return {
    async openSharing(options) {
      const imageIds = [...get().order];
      if (get().sharing.jobId) await get().cancelSharing();
      set({ sharing: { open: true, imageIds } });
      try {
        // An absent options argument must stay absent: over IPC an undefined would arrive as null.
        const { jobId } = await (options ? api.share(imageIds, options) : api.share(imageIds));
        update({ jobId });
      } catch (e) {
        update({ error: errorText(e) });
      }
    },
    closeSharing() {
      const jobId = get().sharing.jobId;
      if (jobId) void api.cancelShare(jobId).catch(() => undefined);
      set({ sharing: INITIAL_SHARING });
    },
    async cancelSharing() {
      const jobId = get().sharing.jobId;
      if (!jobId) return;
      try {
        await api.cancelShare(jobId);
      } catch (e) {
        update({ error: errorText(e) });
      }
    },
    async revealShared(imageId, path) {
      update({ open: false });
      get().activate(imageId);
      await get().reveal(path);
    },
  };
}
