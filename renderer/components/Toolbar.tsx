/** Open images as tabs, the open button, image facts, and the theme switch. */
import { useEffect, useRef } from 'react';
import { errorCount } from './BrokenBanner.tsx';
import { useActions, useApp } from '../hooks.ts';
import type { Theme } from '../store.ts';
import { labelsFor } from '../disambiguate.ts';
import { ShortcutHelp } from './Shortcuts.tsx';
import { MiddleText } from './MiddleText.tsx';

const THEMES: Theme[] = ['system', 'light', 'dark'];

export function Toolbar() {
  const order = useApp((s) => s.order);
  const images = useApp((s) => s.images);
  const activeId = useApp((s) => s.activeId);
  const theme = useApp((s) => s.theme);
  const repository = useApp((s) => s.repository);
  const actions = useActions();
  const active = activeId ? images[activeId] : undefined;
  const labels = labelsFor(images);
  const info = active?.summary.info;
  const strip = useRef<HTMLDivElement>(null);
  // Tabs that do not fit scroll sideways: keep the active one in sight.
  useEffect(() => {
    strip.current?.querySelector('.tab.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeId, order.length]);

  return (
    <header className="toolbar">
      <ShortcutHelp />
      <h1 className="brand">cfs-inspect</h1>
      <nav className="tabs" aria-label="Open images">
        <div
          className="tab-strip"
          ref={strip}
          // The strip hides its scrollbar: a plain wheel scrolls it sideways.
          onWheel={(e) => {
            if (strip.current && e.deltaX === 0) strip.current.scrollLeft += e.deltaY;
          }}
        >
          {order.map((id) => {
            const s = images[id]!.summary;
            const errors = errorCount(images[id]!.check?.findings);
            return (
              <div key={id} className={`tab${id === activeId ? ' active' : ''}`}>
                <button className="tab-name mono" aria-current={id === activeId ? 'page' : undefined} onClick={() => actions.activate(id)} title={s.path}>
                  {/* "…/parent/" then the file name: the parent gives way first, down to a few characters (styles.css). */}
                  <MiddleText text={labels[id]!} title={s.path} tail={Math.min(20, Array.from(s.name).length)} />
                </button>
                {errors ? (
                  <span className="tab-broken" data-testid="tab-broken" title={`${errors} errors`} aria-label={`broken: ${errors} errors`}>
                    ●
                  </span>
                ) : null}
                <button className="tab-close" aria-label={`Close ${labels[id]}`} onClick={() => void actions.close(id)}>
                  ×
                </button>
              </div>
            );
          })}
        </div>
        <button className="btn small open-btn" onClick={() => void actions.openDialog()} title="Open image">
          + Open
        </button>
      </nav>
      {info ? (
        <span className="facts small dim" data-testid="image-facts">
          {info.format}
          {info.inodes !== undefined ? ` · ${info.inodes.toLocaleString('en-US')} inodes` : ''}
          {` · ${info.size.toLocaleString('en-US')} B`}
          {info.features.length ? ` · ${info.features.join(' ')}` : ''}
        </span>
      ) : null}
      {repository.summary && !repository.open ? (
        <button className="btn small" onClick={() => actions.showRepository(true)} title={repository.summary.path} data-testid="show-repository">
          Repository
        </button>
      ) : null}
      {order.length > 1 && activeId ? (
        <select
          className="theme"
          aria-label="Compare with"
          value=""
          onChange={(e) => e.target.value && void actions.compareWith(e.target.value)}
        >
          <option value="">Compare with…</option>
          {order
            .filter((id) => id !== activeId)
            .map((id) => (
              <option key={id} value={id}>
                {labels[id]}
              </option>
            ))}
        </select>
      ) : null}
      {order.length > 1 ? (
        <button className="btn small" onClick={() => void actions.openSharing()} title="What file, block and chunk deduplication would save over the open images">
          Sharing
        </button>
      ) : null}
      <select
        className="theme"
        aria-label="Theme"
        value={theme}
        onChange={(e) => actions.setTheme(e.target.value as Theme)}
      >
        {THEMES.map((t) => (
          <option key={t} value={t}>
            {t === 'system' ? 'System theme' : t === 'light' ? 'Light' : 'Dark'}
          </option>
        ))}
      </select>
    </header>
  );
}
