/**
 * At a glance: when the last check of the active image found errors, a banner names how many (and
 * how many root causes explain them) and the window title carries a marker.
 */
import { useEffect } from 'react';
import { useActive } from '../hooks.ts';
import { groupByRoot } from './FindingsPanel.tsx';

export const errorCount = (findings: readonly { severity: string }[] | undefined): number => (findings ?? []).filter((f) => f.severity === 'error').length;

export function BrokenBanner() {
  const name = useActive((v) => v.summary.name);
  const findings = useActive((v) => v.check?.findings);
  const errors = errorCount(findings);
  const roots = errors ? groupByRoot(findings!).filter((g) => findings![g.root]!.severity === 'error').length : 0;
  useEffect(() => {
    document.title = name ? `${errors ? '⚠ ' : ''}${name} — cfs-inspect` : 'cfs-inspect';
  }, [name, errors]);
  if (!errors) return null;
  return (
    <div className="broken-banner" role="alert" data-testid="broken-banner">
      This image is broken: {errors} error{errors === 1 ? '' : 's'}, from {roots} root cause{roots === 1 ? '' : 's'}.
    </div>
  );
}
