/**
 * The image tree: a virtualized flat list of visible rows (so a 200,000-entry directory costs only the
 * rows on screen), loading directory pages as their placeholders scroll into view. Keyboard model as
 * in WAI-ARIA trees: arrows move and open/close, Home/End/PageUp/PageDown jump.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useActions, useActive, useApp } from '../hooks.ts';
import { flattenTree, type TreeRow } from '../tree.ts';
import { findingsByNode } from '../store.ts';
import { rollUp, type RollUp } from '../rollup.ts';
import { useVirtualRows } from '../virtual.ts';
import { KindIcon, Twisty } from './icons.tsx';
import { ChangeBadge, VerityBadge } from './badges.tsx';
import { SearchBox, SearchResults } from './Search.tsx';
import { nextPrefix, typeAheadTarget, type TypeAhead } from '../typeahead.ts';
import { CopyNotice, NodeMenu, type MenuAt } from './NodeMenu.tsx';
import { nodeJson } from '../copy-slice.ts';
import { MiddleText } from './MiddleText.tsx';

const ROW_HEIGHT = 22;
const NO_ROWS = flattenTree(0, new Map(), new Set());

export function TreeView() {
  const rows = useActive((v) => v.rows) ?? NO_ROWS;
  const expanded = useActive((v) => v.expanded);
  const selected = useActive((v) => v.selected);
  const verity = useActive((v) => v.verity);
  const check = useActive((v) => v.check);
  const filter = useActive((v) => v.filter) ?? '';
  const comparing = useActive((v) => !!v.diff?.overlay);
  const changedOnly = useActive((v) => v.changedOnly) ?? false;
  const showHidden = useApp((s) => s.showHidden);
  const busy = useApp((s) => s.listingsLoading > 0 || s.opening !== undefined);
  const actions = useActions();
  const listRef = useRef<HTMLDivElement>(null);
  const typed = useRef<TypeAhead | undefined>(undefined);
  const [menu, setMenu] = useState<MenuAt | undefined>();
  const closeMenu = useCallback(() => {
    setMenu(undefined);
    listRef.current?.focus();
  }, []);
  const details = useActive((v) => v.details);
  const win = useVirtualRows(listRef, rows.length, ROW_HEIGHT);

  const problems = useMemo(() => findingsByNode(check), [check]);
  const rollups = useMemo(() => rollUp(check?.findings, verity), [check, verity]);
  const selectedIndex = useMemo(
    () => (selected ? rows.indexOf(selected.id, selected.path) : -1),
    [rows, selected],
  );

  // Keep the selection in view when it moves (keyboard, findings, reveal), not on every relayout.
  const lastRevealed = useRef<object | undefined>(undefined);
  useEffect(() => {
    if (selectedIndex >= 0 && selected && lastRevealed.current !== selected) {
      lastRevealed.current = selected;
      win.reveal(selectedIndex, 'nearest');
    }
  }, [selectedIndex, selected, win]);

  // Ask for the pages behind any placeholders on screen.
  const visible: TreeRow[] = [];
  for (let i = win.first; i < Math.min(rows.length, win.first + win.count); i++) visible.push(rows.at(i));
  const wanted = new Map<number, [number, number]>();
  for (const r of visible) {
    if (r.entry) continue;
    const [lo, hi] = wanted.get(r.parentId) ?? [r.index, r.index];
    wanted.set(r.parentId, [Math.min(lo, r.index), Math.max(hi, r.index)]);
  }
  const wantedKey = [...wanted].map(([d, [a, b]]) => `${d}:${a}-${b}`).join(',');
  useEffect(() => {
    for (const [dirId, [lo, hi]] of wanted) void actions.ensureLoaded(dirId, lo, hi + 1);
  }, [wantedKey, actions]);

  const isOpen = (r: TreeRow) => !!r.entry && !!r.opens && !!expanded?.has(r.path);
  const toggle = (r: TreeRow) => {
    if (!r.entry || !r.opens) return;
    if (isOpen(r)) actions.collapse(r.path);
    // A non-directory that the compared image made a directory has no listing here (-1).
    else void actions.expand(r.path, r.entry.kind === 'dir' ? r.entry.id : -1);
  };
  const selectIndex = (i: number) => {
    const k = Math.max(0, Math.min(rows.length - 1, i));
    if (k >= rows.length) return;
    const r = rows.at(k);
    if (r.entry) void actions.select(r.entry.id, r.path);
    else void actions.selectChild(r.parentId, rows.at(Math.max(0, rows.parentOf(k))).path, r.index);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const i = selectedIndex;
    const r = i >= 0 && i < rows.length ? rows.at(i) : undefined;
    const page = Math.max(1, win.perPage - 1);
    const moves: Record<string, () => void> = {
      ArrowDown: () => selectIndex(i < 0 ? 0 : i + 1),
      ArrowUp: () => selectIndex(i < 0 ? 0 : i - 1),
      Home: () => selectIndex(0),
      End: () => selectIndex(rows.length - 1),
      PageDown: () => selectIndex(i + page),
      PageUp: () => selectIndex(i - page),
      ArrowRight: () => {
        if (!r?.entry || !r.opens) return;
        if (!isOpen(r)) toggle(r);
        else if (i + 1 < rows.length && rows.at(i + 1).depth > r.depth) selectIndex(i + 1);
      },
      ArrowLeft: () => {
        if (r && isOpen(r)) toggle(r);
        else if (i >= 0) {
          const p = rows.parentOf(i);
          if (p >= 0) selectIndex(p);
        }
      },
      Enter: () => r && toggle(r),
    };
    const move = moves[e.key];
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c' && selected) {
      e.preventDefault();
      if (e.shiftKey) {
        if (details && details.path === selected.path) void actions.copyText('node as JSON', nodeJson(details));
      } else void actions.copyText('path', selected.path);
      return;
    }
    if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
      e.preventDefault();
      const el = document.getElementById(`row-${i}`)?.getBoundingClientRect();
      if (el) setMenu({ x: el.left + 24, y: el.bottom });
      return;
    }
    if (move) {
      e.preventDefault();
      move();
      typed.current = undefined;
    } else if (e.key.length === 1 && e.key !== ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      typed.current = nextPrefix(typed.current, e.key, e.timeStamp);
      const k = typeAheadTarget(rows.length, (j) => rows.at(j).entry?.name, i, typed.current.prefix);
      if (k >= 0) selectIndex(k);
    }
  };

  return (
    <section className="tree-pane" aria-label="Image tree">
      <div className="pane-head search-head">
        <SearchBox />
      </div>
      <SearchResults />
      <div className="pane-head">
        <input
          className="filter"
          type="search"
          placeholder="Filter names"
          aria-label="Filter names"
          value={filter}
          onChange={(e) => void actions.setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              listRef.current?.focus();
            }
          }}
        />
        {comparing ? (
          <label className="check" title="Keep only changed entries and the folders leading to them">
            <input type="checkbox" checked={changedOnly} onChange={(e) => void actions.setChangedOnly(e.target.checked)} />
            changed only
          </label>
        ) : null}
        <label className="check" title="Show the 256 whiteouts (00..ff) composefs puts in every root">
          <input type="checkbox" checked={showHidden} onChange={(e) => actions.setShowHidden(e.target.checked)} />
          hidden
        </label>
      </div>
      <div
        ref={listRef}
        className="tree-list"
        role="tree"
        aria-label="Files"
        aria-busy={busy}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onMouseDown={() => (typed.current = undefined)}
        aria-activedescendant={selectedIndex >= 0 ? `row-${selectedIndex}` : undefined}
      >
        <div style={{ height: win.height, position: 'relative' }}>
          <div style={{ position: 'absolute', top: win.top, left: 0, right: 0 }}>
            {visible.map((r, k) => {
              const i = win.first + k;
              const e = r.entry;
              if (!e) {
                return (
                  <div key={r.path} className="tree-row placeholder" style={{ paddingLeft: 6 + r.depth * 14 }}>
                    <span className="twisty" />
                    <span className="loading-bar" />
                  </div>
                );
              }
              const open = isOpen(r);
              const v = verity?.get(e.id);
              const nf = problems.get(e.id)?.length ?? 0;
              const status = r.change?.status;
              const ghost = status === 'removed' || status === 'renamed-from';
              return (
                <div
                  key={r.path}
                  id={`row-${i}`}
                  role="treeitem"
                  aria-level={r.depth + 1}
                  aria-expanded={r.opens ? open : undefined}
                  aria-selected={i === selectedIndex}
                  data-path={r.path}
                  data-change={status}
                  className={`tree-row${i === selectedIndex ? ' selected' : ''}${e.hidden ? ' hidden-entry' : ''}${e.whiteout ? ' whiteout' : ''}${status ? ` change-${status}` : ''}${ghost ? ' ghost' : ''}`}
                  style={{ paddingLeft: 6 + r.depth * 14 }}
                  onClick={() => void actions.select(e.id, r.path)}
                  onContextMenu={(ev) => {
                    ev.preventDefault();
                    void actions.select(e.id, r.path);
                    setMenu({ x: ev.clientX, y: ev.clientY });
                  }}
                  onDoubleClick={() => toggle(r)}
                >
                  <span
                    className="twisty"
                    onClick={(ev) => {
                      ev.stopPropagation();
                      toggle(r);
                    }}
                  >
                    {r.opens && e.childCount !== 0 ? <Twisty open={open} /> : null}
                  </span>
                  <KindIcon kind={e.kind} open={open} />
                  <MiddleText className="name" text={e.name} />
                  {r.changesBelow ? <span className="changes-below" title="Changes inside" aria-label="changes inside" /> : null}
                  {e.kind === 'symlink' && e.symlinkTarget !== undefined ? (
                    <span className="dim target" title={e.symlinkTarget}>→ {e.symlinkTarget}</span>
                  ) : null}
                  {e.kind === 'dir' && e.childCount !== undefined && r.depth > 0 ? (
                    <span className="dim count">{e.childCount}</span>
                  ) : null}
                  {e.whiteout ? <span className="tag">whiteout</span> : null}
                  <span className="row-badges">
                    {r.change ? <ChangeBadge change={r.change} /> : null}
                    {nf > 0 ? (
                      <span className="badge badge-bad" title={`${nf} finding${nf > 1 ? 's' : ''}`}>
                        ! {nf}
                      </span>
                    ) : null}
                    {v && v.status !== 'inline' && v.status !== 'empty' ? <VerityBadge status={v.status} compact /> : null}
                    {r.opens ? <RollUpBadge r={rollups.get(r.path)} /> : null}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
        {menu ? <NodeMenu at={menu} onClose={closeMenu} /> : null}
        {rows.length === 1 && filter ? <div className="empty">No names match “{filter}”.</div> : null}
        {rows.length === 1 && !filter && comparing && changedOnly ? <div className="empty">Nothing changed.</div> : null}
      </div>
      <CopyNotice />
    </section>
  );
}

/** Findings and failed verifications somewhere below a folder. */
function RollUpBadge({ r }: { r: RollUp | undefined }) {
  if (!r || (r.findings === 0 && r.failed === 0)) return null;
  const parts = [r.findings ? `${r.findings} finding${r.findings > 1 ? 's' : ''}` : '', r.failed ? `${r.failed} failed verification${r.failed > 1 ? 's' : ''}` : ''].filter(Boolean);
  return (
    <span className="badge badge-warn rollup" data-testid="rollup" data-findings={r.findings} data-failed={r.failed} title={`inside: ${parts.join(', ')}`}>
      ▾ {r.findings + r.failed}
    </span>
  );
}
