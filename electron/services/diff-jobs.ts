/** Diff jobs: two open images compared, with field changes in the details pane's form. */
import type { DiffOptions, DiffReport, ImageId } from '../../shared/api.ts';
import { diffImages } from '../../shared/diff/index.ts';
import { readableField } from './present.ts';
import type { Registry } from './sessions.ts';

export function diffJobs(registry: Registry) {
  return {
    async diff(a: ImageId, b: ImageId, options?: DiffOptions): Promise<DiffReport> {
      const r = await diffImages(registry.get(a).reader, registry.get(b).reader, options);
      for (const c of r.changes) for (const f of c.fields) readableField(f);
      return { a, b, counts: r.counts, changes: r.changes };
    },
  };
}
