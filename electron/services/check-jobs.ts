/** Check jobs: one check per image at a time; its findings are kept per node for the details pane. */
import type { CheckReport, ImageId } from '../../shared/api.ts';
import { checkImage } from '../../shared/check/index.ts';
import type { Registry } from './sessions.ts';

export function checkJobs(registry: Registry, maxFindings: number) {
  return {
    async check(imageId: ImageId): Promise<CheckReport> {
      const s = registry.get(imageId);
      s.checkRun ??= (async () => {
        try {
          const r = await checkImage(s.reader, { maxFindings });
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
        } finally {
          s.checkRun = undefined;
        }
      })();
      return s.checkRun;
    },
  };
}
