/**
 * The differences between the active image (before) and another open one (after). The list is a
 * listbox: a click or, once it has the focus, ArrowUp/ArrowDown/Home/End pick a change and show it
 * in the tree; Enter shows the picked one again.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Change } from '../../shared/api.ts';
import { useActions, useActive, useApp } from '../hooks.ts';
import { ChangeChips, CHANGE_TONE as TONE } from './ChangeChips.tsx';
import { DiffHeader } from './DiffHeader.tsx';

/** Rows the list renders; two unrelated trees differ in every path, and the merged tree's "changed only" shows them all. */
const MAX_LISTED = 2000;

export function ChangesPanel() {
  const diff = useActive((v) => v.diff);
  const name = useActive((v) => v.summary.name);
  const order = useApp((s) => s.order);
  const activeId = useApp((s) => s.activeId);
  const actions = useActions();
  const report = diff?.report;
  const listed = report ? (diff.only ? report.changes.filter((c) => c.kind === diff.only) : report.changes) : [];
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const listRef = useRef<HTMLDivElement>(null);
  // Another comparison or another chip lists other changes: nothing of the new list is picked yet.
  useEffect(() => setPicked(undefined), [report, diff?.only]);

  // The merged tree has every path; without it, added paths exist only in the other image.
  const open = async (c: Change) => {
    if (!diff) return;
    if (c.kind === 'added' && !diff.overlay) {
      actions.activate(diff.other);
      await actions.reveal(c.path);
    } else {
      await actions.reveal(c.kind === 'renamed' ? (c.oldPath ?? c.path) : c.path);
    }
  };

  const shown = Math.min(listed.length, MAX_LISTED);
  const pick = (i: number) => {
    setPicked(i);
    listRef.current?.querySelector(`[data-index="${i}"]`)?.scrollIntoView({ block: 'nearest' });
    void open(listed[i]!);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = picked ?? -1;
    if (e.key === 'Enter' && picked !== undefined) {
      e.preventDefault();
      void open(listed[picked]!);
      return;
    }
    const next = ({ ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: shown - 1 } as Record<string, number>)[e.key];
    if (next === undefined || next < 0 || next >= shown) return;
    e.preventDefault();
    pick(next);
  };

  return (
    <div className="changes" aria-label="Changes" role="region" tabIndex={0}>
      {!diff ? (
        <div className="empty dim">
          {order.length < 2 ? 'Open a second image to compare it with this one.' : 'Choose an image under “Compare with” to list what changed.'}
        </div>
      ) : diff.running && !report ? (
        <div className="empty dim">Comparing {name} with {diff.otherName}…</div>
      ) : diff.error ? (
        <div className="error-box small">{diff.error}</div>
      ) : report ? (
        <>
          {activeId ? <DiffHeader before={activeId} after={diff.other} afterName={diff.otherName} /> : null}
          <div className="change-counts small">
            <ChangeChips counts={report.counts} only={diff.only} />
          </div>
          {report.changes.length === 0 ? (
            <div className="empty ok">The images are the same.</div>
          ) : listed.length === 0 ? (
            <div className="empty dim">Nothing {diff.only}.</div>
          ) : null}
          <div
            className="change-list"
            ref={listRef}
            // An empty listbox is an ARIA error (it must own options).
            {...(shown > 0 ? { role: 'listbox', 'aria-label': 'Changed entries', tabIndex: 0, onKeyDown } : {})}
            {...(picked !== undefined ? { 'aria-activedescendant': `change-${picked}` } : {})}
          >
            {listed.slice(0, MAX_LISTED).map((c, i) => (
              <div
                key={i}
                id={`change-${i}`}
                data-index={i}
                role="option"
                aria-selected={i === picked}
                className={`change clickable${i === picked ? ' selected' : ''}`}
                onClick={() => pick(i)}
                data-kind={c.kind}
              >
                <span className={`chip ${TONE[c.kind]}`}>{c.kind}</span>
                <span className="mono path">
                  {c.oldPath ? `${c.oldPath} → ` : ''}
                  {c.path}
                </span>
                <span className="dim small">{c.nodeKind}</span>
                {c.fields.length > 0 ? (
                  <ul className="fields-changed mono small">
                    {c.fields.map((f, j) => (
                      <li key={j}>
                        <span className="dim">{f.field}</span> {f.beforeText ?? f.before ?? '∅'} → {f.afterText ?? f.after ?? '∅'}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ))}
            {listed.length > MAX_LISTED ? (
              <div className="empty dim small">
                {(listed.length - MAX_LISTED).toLocaleString('en-US')} more: “changed only” in the tree shows every change.
              </div>
            ) : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
