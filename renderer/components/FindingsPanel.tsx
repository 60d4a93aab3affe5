/** Results of the check pass; choosing one selects its node and shows its bytes in the hex view. */
import { useRef, type KeyboardEvent } from 'react';
import { useActions, useActive } from '../hooks.ts';
import { hex } from '../format.ts';
import { SeverityDot } from './badges.tsx';
import { ChangesPanel } from './ChangesPanel.tsx';
import { SaveReport } from './SaveReport.tsx';

export function FindingsPanel() {
  const check = useActive((v) => v.check);
  const checking = useActive((v) => v.checking);
  const error = useActive((v) => v.checkError);
  const activeFinding = useActive((v) => v.activeFinding);
  const tab = useActive((v) => v.bottomTab) ?? 'findings';
  const changes = useActive((v) => v.diff?.report?.changes.length);
  const actions = useActions();
  const listRef = useRef<HTMLDivElement>(null);
  const findings = check?.findings ?? [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;

  const onKeyDown = (e: KeyboardEvent) => {
    const i = activeFinding ?? -1;
    const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : undefined;
    if (next === undefined || next < 0 || next >= findings.length) return;
    e.preventDefault();
    void actions.focusFinding(next);
    listRef.current?.querySelector(`[data-index="${next}"]`)?.scrollIntoView({ block: 'nearest' });
  };

  return (
    <section className="findings-pane" aria-label="Findings">
      <div className="pane-head">
        <div className="segmented tabs-seg" role="tablist" aria-label="Lists">
          <button role="tab" aria-selected={tab === 'findings'} aria-pressed={tab === 'findings'} onClick={() => actions.showBottomTab('findings')}>
            Findings{check ? ` (${findings.length})` : ''}
          </button>
          <button role="tab" aria-selected={tab === 'changes'} aria-pressed={tab === 'changes'} onClick={() => actions.showBottomTab('changes')}>
            Changes{changes !== undefined ? ` (${changes})` : ''}
          </button>
        </div>
        {tab === 'findings' && check ? (
          <span className="counts small">
            <span className="count-error">{counts.error} errors</span>
            <span className="count-warning">{counts.warning} warnings</span>
            {counts.info ? <span className="dim">{counts.info} info</span> : null}
            <span className="dim">
              {check.nodesChecked.toLocaleString('en-US')} nodes{check.truncated ? ' (stopped early)' : ''}
            </span>
          </span>
        ) : (
          <span className="counts" />
        )}
        <SaveReport what={tab === 'findings' ? 'check' : 'diff'} />
        {tab === 'findings' ? (
          <button className="btn small" onClick={() => void actions.runCheck()} disabled={checking}>
            {checking ? 'Checking…' : 'Re-check'}
          </button>
        ) : null}
      </div>
      {tab === 'changes' ? <ChangesPanel /> : null}
      {tab === 'findings' && error ? <div className="error-box small">{error}</div> : null}
      <div hidden={tab !== 'findings'} className="findings-list" ref={listRef} tabIndex={0} onKeyDown={onKeyDown} role="listbox" aria-label="Findings">
        {check && findings.length === 0 ? (
          <div className="empty ok">No findings: every structure checked out.</div>
        ) : null}
        {!check && checking ? <div className="empty dim">Checking the image…</div> : null}
        {findings.map((f, i) => (
          <div
            key={i}
            data-index={i}
            role="option"
            aria-selected={i === activeFinding}
            className={`finding${i === activeFinding ? ' selected' : ''}`}
            onClick={() => void actions.focusFinding(i)}
          >
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
        ))}
      </div>
    </section>
  );
}
