/**
 * Check jobs: one check per image at a time; its findings are kept per node for the details pane.
 * Subscribers hear how far a running check has got (at most every PROGRESS_MS), and a check can be
 * cancelled: the core stops at its next slice and check() rejects with CHECK_CANCELLED.
 */
import { CHECK_CANCELLED, type CheckProgress, type CheckReport, type ImageId } from '../../shared/api.ts';
import { checkImage } from '../../shared/check/index.ts';
import { listeners, type Registry, type Session } from './sessions.ts';

/** Progress events are spaced at least this far apart: a renderer repaints no faster anyway. */
const PROGRESS_MS = 100;

export function checkJobs(registry: Registry, maxFindings: number) {
  const progress = listeners<CheckProgress>();
  const running = new Map<ImageId, AbortController>();

  const run = async (imageId: ImageId, s: Session, abort: AbortController): Promise<CheckReport> => {
    const total = s.reader.info().inodes ?? 0;
    let last = 0;
    const onProgress = (checked: number) => {
      const now = Date.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      progress.emit({ imageId, checked, total });
    };
    try {
      const r = await checkImage(s.reader, { maxFindings, signal: abort.signal, onProgress });
      const report: CheckReport = { imageId, findings: r.findings, nodesChecked: r.nodesChecked, truncated: r.truncated };
      s.check = report;
      s.findingsByNode = new Map();
      for (const f of r.findings) {
        if (f.nodeId === undefined) continue;
        const list = s.findingsByNode.get(f.nodeId);
        if (list) list.push(f);
        else s.findingsByNode.set(f.nodeId, [f]);
      }
      return report;
    } catch (e) {
      if (abort.signal.aborted) throw Object.assign(new Error(`${CHECK_CANCELLED}: the check of this image was stopped before it finished`), { code: 'ECANCELED' });
      throw e;
    } finally {
      s.checkRun = undefined;
      running.delete(imageId);
    }
  };

  return {
    async check(imageId: ImageId): Promise<CheckReport> {
      const s = registry.get(imageId);
      if (!s.checkRun) {
        const abort = new AbortController();
        running.set(imageId, abort);
        s.checkRun = run(imageId, s, abort);
      }
      return s.checkRun;
    },
    async cancelCheck(imageId: ImageId): Promise<void> {
      running.get(imageId)?.abort(new Error(CHECK_CANCELLED));
    },
    onCheckProgress: (cb: (p: CheckProgress) => void) => progress.on(cb),
  };
}
