/** The active comparison: which images, how many changes of each kind, and what the diff ignores. */
import { useEffect, useState } from 'react';
import type { DiffOptions } from '../../shared/api.ts';
import { ChangeChips } from './ChangeChips.tsx';
import { useActions, useActive, useApp } from '../hooks.ts';
import { labelsFor } from '../disambiguate.ts';

/** "security.*, user.foo" -> ["security.*", "user.foo"]; empty pieces are dropped. */
export const parsePatterns = (text: string): string[] =>
  text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);

export function CompareBar() {
  const diff = useActive((v) => v.diff);
  const images = useApp((s) => s.images);
  const activeId = useApp((s) => s.activeId);
  const labels = labelsFor(images);
  const name = activeId ? labels[activeId] : undefined;
  const actions = useActions();
  const options = diff?.options ?? {};
  const shownPatterns = (options.ignoreXattrs ?? []).join(', ');
  const [patterns, setPatterns] = useState(shownPatterns);
  // Another image's comparison (tab switch) or a run from elsewhere shows its own patterns.
  useEffect(() => setPatterns(shownPatterns), [shownPatterns]);
  if (!diff) return null;

  const rerun = (change: Partial<DiffOptions>) => {
    const next: DiffOptions = { ...options, ...change };
    if (next.ignoreXattrs?.length === 0) delete next.ignoreXattrs;
    void actions.setDiffOptions(next);
  };
  const applyPatterns = () => {
    const list = parsePatterns(patterns);
    if (list.join(', ') !== shownPatterns) rerun({ ignoreXattrs: list });
  };
  const report = diff.report;

  return (
    <section className="compare-bar" aria-label="Comparison">
      <span className="small compare-title">
        <span className="dim">comparing</span>{' '}
        <span className="mono">
          {name} → {labels[diff.other] ?? diff.otherName}
        </span>
      </span>
      <span className="compare-counts small" data-testid="compare-counts">
        {diff.running ? <span className="dim">comparing…</span> : null}
        {diff.error ? <span className="error-text">{diff.error}</span> : null}
        {report && !diff.running ? <ChangeChips counts={report.counts} only={diff.only} /> : null}
      </span>
      <span className="compare-options small">
        <span className="dim">ignore</span>
        <label className="check">
          <input type="checkbox" checked={!!options.ignoreMtime} onChange={(e) => rerun({ ignoreMtime: e.target.checked })} />
          mtime
        </label>
        <label className="check">
          <input type="checkbox" checked={!!options.ignoreOwnership} onChange={(e) => rerun({ ignoreOwnership: e.target.checked })} />
          ownership
        </label>
        <form
          className="xattr-ignore"
          onSubmit={(e) => {
            e.preventDefault();
            applyPatterns();
          }}
        >
          <input
            className="mono"
            aria-label="Ignore xattrs"
            placeholder="xattrs: security.*, user.*"
            title="Comma-separated glob patterns of xattr names the comparison ignores (Enter applies)"
            value={patterns}
            onChange={(e) => setPatterns(e.target.value)}
            onBlur={applyPatterns}
          />
        </form>
        <span className="dim">show</span>
        <label className="check" title="Also report folders whose only change is their size: the bytes of their entries, which any added, removed or renamed entry changes">
          <input type="checkbox" checked={!!options.dirSizes} onChange={(e) => rerun({ dirSizes: e.target.checked })} />
          dir sizes
        </label>
      </span>
      <button className="btn small" onClick={() => actions.stopComparing()}>
        Stop comparing
      </button>
    </section>
  );
}
