/**
 * Results of the check pass, grouped by root cause: each root lists how many findings follow from
 * it, and shows them on demand. Severity chips and a text box (code, path, message) filter the list.
 * Choosing a finding selects its node and shows its bytes in the hex view.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Finding, Severity } from '../../shared/model.ts';
import { FAILED } from '../rollup.ts';
import { useActions, useActive } from '../hooks.ts';
import { hex } from '../format.ts';
import { SeverityDot } from './badges.tsx';
import { ChangesPanel } from './ChangesPanel.tsx';
import { SaveReport } from './SaveReport.tsx';

export function FindingsPanel() {
  const check = useActive((v) => v.check);
  const checking = useActive((v) => v.checking);
  const cancelled = useActive((v) => v.checkCancelled);
  const error = useActive((v) => v.checkError);
  const activeFinding = useActive((v) => v.activeFinding);
  const tab = useActive((v) => v.bottomTab) ?? 'findings';
  const changes = useActive((v) => v.diff?.report?.changes.length);
  const actions = useActions();
  const listRef = useRef<HTMLDivElement>(null);
  const findings = check?.findings ?? [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const [severities, setSeverities] = useState<Set<Severity>>(() => new Set());
  const [text, setText] = useState('');
  const [open, setOpen] = useState<Set<number>>(() => new Set());
  const groups = useMemo(() => groupByRoot(findings), [findings]);
  const verity = useActive((v) => v.verity);
  // Failed verifications belong in the same list: an object that does not match is a problem too.
  const failed = useMemo(() => [...(verity?.values() ?? [])].filter((r) => FAILED.has(r.status)).sort((a, b) => (a.path < b.path ? -1 : 1)), [verity]);
  const needle = text.trim().toLowerCase();
  const shows = (f: Finding) =>
    (severities.size === 0 || severities.has(f.severity)) &&
    (!needle || f.code.toLowerCase().includes(needle) || f.message.toLowerCase().includes(needle) || (f.path ?? '').toLowerCase().includes(needle));
  const toggleSeverity = (sev: Severity) =>
    setSeverities((prev) => {
      const next = new Set(prev);
      if (next.has(sev)) next.delete(sev);
      else next.add(sev);
      return next;
    });

  const onKeyDown = (e: KeyboardEvent) => {
    const i = activeFinding ?? -1;
    const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : undefined;
    if (next === undefined || next < 0 || next >= findings.length) return;
    e.preventDefault();
    void actions.focusFinding(next);
    listRef.current?.querySelector(`[data-index="${next}"]`)?.scrollIntoView({ block: 'nearest' });
  };

  const shownFailed = failed.filter((r) => (severities.size === 0 || severities.has('error')) && (!needle || r.path.toLowerCase().includes(needle) || r.status.includes(needle)));
  const shownGroups = groups
    .map((g) => ({ g, kids: g.consequences.filter((i) => shows(findings[i]!)) }))
    .filter(({ g, kids }) => shows(findings[g.root]!) || kids.length > 0);
  // An empty listbox is an ARIA error (it must own options): with nothing listed, the list is a status line.
  return (
    <section className="findings-pane" aria-label="Findings">
      <div className="pane-head">
        <div className="segmented tabs-seg" role="tablist" aria-label="Lists">
          <button role="tab" aria-selected={tab === 'findings'} onClick={() => actions.showBottomTab('findings')}>
            Problems{check ? ` (${findings.length + failed.length})` : ''}
          </button>
          <button role="tab" aria-selected={tab === 'changes'} onClick={() => actions.showBottomTab('changes')}>
            Changes{changes !== undefined ? ` (${changes})` : ''}
          </button>
        </div>
        {tab === 'findings' && check ? (
          <span className="counts small">
            <button className="chip count-error" aria-pressed={severities.has('error')} onClick={() => toggleSeverity('error')}>
              {counts.error} errors
            </button>
            <button className="chip count-warning" aria-pressed={severities.has('warning')} onClick={() => toggleSeverity('warning')}>
              {counts.warning} warnings
            </button>
            {counts.info ? (
              <button className="chip dim" aria-pressed={severities.has('info')} onClick={() => toggleSeverity('info')}>
                {counts.info} info
              </button>
            ) : null}
            {failed.length ? (
              <button className="chip count-error" aria-pressed={severities.has('error')} onClick={() => toggleSeverity('error')} data-testid="failed-chip">
                {failed.length} failed verification{failed.length === 1 ? '' : 's'}
              </button>
            ) : null}
            <span className="dim" data-testid="root-count">
              {groups.length} root cause{groups.length === 1 ? '' : 's'}
            </span>
            <input className="mono small" placeholder="filter" aria-label="Filter findings" value={text} onChange={(e) => setText(e.target.value)} />
            <span className="dim">
              {check.nodesChecked.toLocaleString('en-US')} nodes{check.truncated ? ' (stopped early)' : ''}
            </span>
          </span>
        ) : (
          <span className="counts" />
        )}
        <SaveReport what={tab === 'findings' ? 'check' : 'diff'} />
        {tab === 'findings' && checking ? <CheckProgress onCancel={() => void actions.cancelCheck()} /> : null}
        {tab === 'findings' && !checking ? (
          <button className="btn small" onClick={() => void actions.runCheck()}>
            Re-check
          </button>
        ) : null}
      </div>
      {tab === 'changes' ? <ChangesPanel /> : null}
      {tab === 'findings' && error ? <div className="error-box small">{error}</div> : null}
      <div hidden={tab !== 'findings'} className="findings-list" ref={listRef} tabIndex={0} onKeyDown={onKeyDown} role={shownFailed.length + shownGroups.length ? 'listbox' : 'status'} aria-label="Findings">
        {check && findings.length === 0 ? (
          <div className="empty ok">No findings: every structure checked out.</div>
        ) : null}
        {!check && checking ? <div className="empty dim">Checking the image…</div> : null}
        {!check && !checking && cancelled ? (
          <div className="empty dim" data-testid="check-cancelled">
            Check cancelled: nothing is known about this image's structures. Re-check to run it again.
          </div>
        ) : null}
        {shownFailed.map((r) => (
          <div key={`v${r.nodeId}`} className="finding verify-problem" data-testid="verify-problem" role="option" aria-selected={false} onClick={() => void actions.select(r.nodeId, r.path)}>
            <SeverityDot severity="error" />
            <span className="mono code code-error">verify.{r.status}</span>
            <span className="mono path">{r.path}</span>
            <span className="mono dim off" />
            <span className="msg">{r.message ?? r.status}</span>
          </div>
        ))}
        {shownGroups.map(({ g, kids }) => {
          const expanded = open.has(g.root);
          return (
            <div key={g.root} className="finding-group" data-testid="finding-group" role="group">
              <FindingRow f={findings[g.root]!} i={g.root} active={activeFinding} onPick={(i) => void actions.focusFinding(i)} />
              {g.consequences.length ? (
                <button
                  className="link-btn small consequences-toggle"
                  data-testid="consequences-toggle"
                  aria-expanded={expanded}
                  onClick={() =>
                    setOpen((prev) => {
                      const next = new Set(prev);
                      if (next.has(g.root)) next.delete(g.root);
                      else next.add(g.root);
                      return next;
                    })
                  }
                >
                  {expanded ? 'hide' : 'show'} {g.consequences.length} finding{g.consequences.length === 1 ? '' : 's'} that follow from this
                </button>
              ) : null}
              {expanded ? (
                <div className="consequences" data-testid="consequences">
                  {kids.slice(0, 500).map((i) => (
                    <FindingRow key={i} f={findings[i]!} i={i} active={activeFinding} onPick={(k) => void actions.focusFinding(k)} />
                  ))}
                </div>
              ) : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}

/** Roots (findings without a known cause) in list order, each with the indexes of its consequences. */
export function groupByRoot(findings: readonly Finding[]): { root: number; consequences: number[] }[] {
  const index = new Map<string, number>();
  findings.forEach((f, i) => f.id !== undefined && index.set(f.id, i));
  const groups = new Map<number, number[]>();
  const rootOf = (i: number): number => {
    // Follow cause chains to their end (bounded: a malformed chain must not loop).
    let at = i;
    for (let hops = 0; hops < 16; hops++) {
      const c = findings[at]!.cause;
      const next = c === undefined ? undefined : index.get(c);
      if (next === undefined || next === at) return at;
      at = next;
    }
    return at;
  };
  findings.forEach((_, i) => {
    const r = rootOf(i);
    if (r === i) {
      if (!groups.has(i)) groups.set(i, []);
    } else {
      const list = groups.get(r);
      if (list) list.push(i);
      else groups.set(r, [i]);
    }
  });
  return [...groups].sort((a, b) => a[0] - b[0]).map(([root, consequences]) => ({ root, consequences }));
}

function FindingRow({ f, i, active, onPick }: { f: Finding; i: number; active: number | undefined; onPick: (i: number) => void }) {
  return (
    <div data-index={i} role="option" aria-selected={i === active} className={`finding${i === active ? ' selected' : ''}`} onClick={() => onPick(i)}>
      <SeverityDot severity={f.severity} />
      <span className={`mono code code-${f.severity}`}>{f.code}</span>
      <span className="mono path">{f.path ?? (f.nodeId !== undefined ? `nid ${f.nodeId}` : '')}</span>
      <span className="mono dim off">
        {hex(f.offset)}+{f.length}
      </span>
      <span className="msg">
        {f.message}
        {f.expected !== undefined || f.actual !== undefined ? (
          <span className="dim">
            {' '}
            (expected {f.expected ?? '?'}, found {f.actual ?? '?'})
          </span>
        ) : null}
      </span>
    </div>
  );
}

/** "Checking… 45%" from the service's progress events, and the button that stops the check. */
function CheckProgress({ onCancel }: { onCancel: () => void }) {
  const progress = useActive((v) => v.checkProgress);
  const pct = progress && progress.total > 0 ? Math.min(99, Math.floor((progress.checked * 100) / progress.total)) : undefined;
  return (
    <span className="check-progress small" data-testid="check-progress">
      <span role="progressbar" aria-label="Check progress" aria-valuemin={0} aria-valuemax={100} {...(pct !== undefined ? { 'aria-valuenow': pct } : {})}>
        {pct !== undefined ? `Checking… ${pct}%` : progress ? `Checking… ${progress.checked.toLocaleString('en-US')} inodes` : 'Checking…'}
      </span>
      <button className="btn small" onClick={onCancel} data-testid="cancel-check">
        Cancel
      </button>
    </span>
  );
}
