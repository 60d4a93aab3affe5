/**
 * A value that can be kilobytes long (a 4095-byte symlink target): a few lines, then "Show all"
 * for a bounded scrolling box; the whole value is always one click from the clipboard.
 */
import { useState } from 'react';
import { useActions } from '../hooks.ts';

/** Below this many characters a value shows whole: three lines of the details pane hold it. */
export const CLAMP_CHARS = 160;

export function ClampedValue({ text, what }: { text: string; what: string }) {
  const actions = useActions();
  const [open, setOpen] = useState(false);
  const long = text.length > CLAMP_CHARS;
  return (
    <div className="clamped">
      <div className={`mono clamped-text${long && !open ? ' shut' : ''}${open ? ' open' : ''}`} tabIndex={open ? 0 : undefined} data-testid="clamped-text">
        {text}
      </div>
      <div className="clamped-actions small">
        {long ? (
          <button className="link-btn" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Show less' : `Show all ${text.length.toLocaleString('en-US')} characters`}
          </button>
        ) : null}
        <button className="link-btn" onClick={() => void actions.copyText(what, text)} aria-label={`Copy ${what}`}>
          copy
        </button>
      </div>
    </div>
  );
}
