/**
 * The tree's context menu (right click, the Menu key or Shift+F10): copy the selected node's path,
 * name, digest or everything about it as JSON. The same copies have keys: Ctrl+C (path) and
 * Ctrl+Shift+C (JSON) in the tree.
 */
import { useEffect, useRef } from 'react';
import { useActions, useActive, useApp } from '../hooks.ts';
import { nodeJson } from '../copy-slice.ts';

export interface MenuAt {
  x: number;
  y: number;
}

export function NodeMenu({ at, onClose }: { at: MenuAt; onClose: () => void }) {
  const selected = useActive((v) => v.selected);
  const details = useActive((v) => v.details);
  const actions = useActions();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onClose]);

  if (!selected) return null;
  const forThis = details && details.path === selected.path ? details : undefined;
  const name = selected.path === '/' ? '/' : selected.path.slice(selected.path.lastIndexOf('/') + 1);
  const items: { label: string; keys?: string; run?: () => void }[] = [
    { label: 'Copy path', keys: 'Ctrl+C', run: () => void actions.copyText('path', selected.path) },
    { label: 'Copy name', run: () => void actions.copyText('name', name) },
    { label: 'Copy digest', ...(forThis?.digest ? { run: () => void actions.copyText('digest', forThis.digest!) } : {}) },
    { label: 'Copy node as JSON', keys: 'Ctrl+Shift+C', ...(forThis ? { run: () => void actions.copyText('node as JSON', nodeJson(forThis)) } : {}) },
  ];

  const onKeyDown = (e: React.KeyboardEvent) => {
    e.stopPropagation(); // the menu sits inside the tree, whose own keys must not act meanwhile
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape' || e.key === 'Tab') onClose();
    else if (e.key === 'ArrowDown') buttons[(i + 1) % buttons.length]?.focus();
    else if (e.key === 'ArrowUp') buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
    else return;
    e.preventDefault();
  };

  return (
    <div ref={ref} className="context-menu" role="menu" aria-label="Node actions" style={{ left: at.x, top: at.y }} onKeyDown={onKeyDown}>
      {items.map((it) => (
        <button
          key={it.label}
          role="menuitem"
          disabled={!it.run}
          onClick={() => {
            it.run?.();
            onClose();
          }}
        >
          <span>{it.label}</span>
          {it.keys ? <span className="dim small">{it.keys}</span> : null}
        </button>
      ))}
    </div>
  );
}

/** Says what was last copied (or that copying failed), politely, for screen readers too. */
export function CopyNotice() {
  const copied = useApp((s) => s.copied);
  if (!copied) return null;
  return (
    <div className="copy-notice small" role="status" data-testid="copy-notice" key={copied.seq}>
      {copied.failed ? `Could not copy the ${copied.what}` : `Copied ${copied.what}`}
    </div>
  );
}
