/**
 * Folder roll-ups: for every directory, how many findings and failed verifications lie below it,
 * so the way from the root to the damage is visible without opening every folder.
 */
import type { VerityResult, VerityStatus } from '../shared/api.ts';
import type { Finding } from '../shared/model.ts';

export interface RollUp {
  findings: number;
  failed: number;
}

/** Verify outcomes that are a problem with the object (no store chosen is not one). */
export const FAILED: ReadonlySet<VerityStatus> = new Set(['mismatch', 'missing', 'unreadable', 'size-mismatch', 'escape']);

/** Counts per ancestor directory path ("/" included) of each finding's and failed result's path. */
export function rollUp(findings: readonly Finding[] | undefined, verity: ReadonlyMap<number, VerityResult> | undefined): Map<string, RollUp> {
  const out = new Map<string, RollUp>();
  const add = (path: string, key: keyof RollUp) => {
    if (!path.startsWith('/')) return;
    for (let cut = path.lastIndexOf('/'); cut >= 0; cut = path.lastIndexOf('/', cut - 1)) {
      const dir = cut === 0 ? '/' : path.slice(0, cut);
      const r = out.get(dir) ?? { findings: 0, failed: 0 };
      r[key]++;
      out.set(dir, r);
      if (cut === 0) break;
    }
  };
  for (const f of findings ?? []) if (f.path !== undefined && f.path !== '/' && f.severity !== 'info') add(f.path, 'findings');
  for (const v of verity?.values() ?? []) if (FAILED.has(v.status)) add(v.path, 'failed');
  return out;
}
