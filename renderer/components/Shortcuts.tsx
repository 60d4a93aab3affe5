/** The keyboard shortcut overlay: `?` anywhere but in a text field shows it; Escape or the button closes it. */
import { useEffect, useRef, useState } from 'react';

const SHORTCUTS: [string, string][] = [
  ['Ctrl+F', 'search the whole image'],
  ['↑ ↓ Home End PgUp PgDn', 'move in the tree'],
  ['→ ←', 'open / close a folder, or go to its first child / parent'],
  ['Enter', 'open or close the selected folder'],
  ['letters', 'jump to the next name starting with what you type'],
  ['Ctrl+C', 'copy the selected path'],
  ['Ctrl+Shift+C', 'copy the selected node as JSON'],
  ['Shift+F10, Menu', 'actions for the selected node'],
  ['Escape', 'clear the search, close a menu'],
  ['?', 'this list'],
];

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);

export function ShortcutHelp() {
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '?' && !typing(e.target) && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        setOpen(true);
      } else if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="shortcut-backdrop" onClick={() => setOpen(false)}>
      <div className="shortcut-help" role="dialog" aria-modal="true" aria-labelledby="shortcut-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcut-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <th scope="row" className="mono">{k}</th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={closeRef} className="btn small" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
