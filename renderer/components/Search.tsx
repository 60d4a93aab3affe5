/**
 * Whole-image search: a box (Ctrl+F) and, while it has a query, the list of matching paths over the
 * tree. Picking a hit opens the folders on the way to it and selects it in the tree.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { SearchHit } from '../../shared/api.ts';
import { useActions, useApp, useAppStore } from '../hooks.ts';
import { KindIcon } from './icons.tsx';
import { MiddleText } from './MiddleText.tsx';

export const SEARCH_INPUT_ID = 'image-search';

export function SearchBox() {
  const query = useApp((s) => s.search.query);
  const actions = useActions();
  const store = useAppStore();
  const ref = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
        e.preventDefault();
        ref.current?.focus();
        ref.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      document.querySelector<HTMLButtonElement>('.search-hit')?.focus();
    } else if (e.key === 'Enter') {
      // The first hit as the store has it now (Enter acts on what is shown, not on a stale render).
      const st = store.getState();
      const first: SearchHit | undefined = st.search.imageId === st.activeId ? st.search.result?.hits[0] : undefined;
      if (first) void actions.revealHit(first);
    } else if (e.key === 'Escape') {
      void actions.setSearch('');
    }
  };

  return (
    <input
      id={SEARCH_INPUT_ID}
      ref={ref}
      className="filter search"
      type="search"
      placeholder="Search image (Ctrl+F): name, *.glob, /path"
      aria-label="Search the whole image"
      value={query}
      onChange={(e) => void actions.setSearch(e.target.value)}
      onFocus={() => {
        actions.warmSearch();
        if (query) actions.showSearchResults(true);
      }}
      onKeyDown={onKeyDown}
    />
  );
}

export function SearchResults() {
  const search = useApp((s) => s.search);
  const activeId = useApp((s) => s.activeId);
  const actions = useActions();
  if (!search.open || !search.query.trim() || search.imageId !== activeId) return null;
  const r = search.result;

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('.search-hit')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number) => buttons[Math.max(0, Math.min(buttons.length - 1, i))]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') {
      if (at <= 0) document.getElementById(SEARCH_INPUT_ID)?.focus();
      else go(at - 1);
    } else if (e.key === 'Escape') actions.showSearchResults(false);
    else return;
    e.preventDefault();
  };

  return (
    <div className="search-results" role="region" aria-label="Search results">
      <div className="search-count small dim" data-testid="search-count" aria-live="polite">
        {search.error
          ? search.error
          : !r
            ? 'Searching…'
            : r.total === 0
              ? `No paths match “${search.query.trim()}”.`
              : `${r.total.toLocaleString('en-US')} match${r.total === 1 ? '' : 'es'}${r.hits.length < r.total ? `, first ${r.hits.length.toLocaleString('en-US')} shown` : ''} (${r.mode})`}
        <button className="link-btn" onClick={() => actions.showSearchResults(false)}>
          back to tree
        </button>
      </div>
      {r && r.hits.length > 0 ? (
        <ul className="search-list" onKeyDown={onKeyDown}>
          {r.hits.map((h) => (
            <li key={h.path}>
              <button className="search-hit" data-path={h.path} title={h.path} onClick={() => void actions.revealHit(h)}>
                <KindIcon kind={h.kind} />
                <MiddleText className="name mono" text={h.name} />
                <span className="dim mono small hit-path">{h.path}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
