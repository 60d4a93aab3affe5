/** Every extended attribute of a node, as text or hex, with overlay bookkeeping explained. */
import { useState } from 'react';
import type { XattrView } from '../../shared/api.ts';
import { useActions } from '../hooks.ts';
import { spacedHex } from '../format.ts';

const MAX_SHOWN = 4096;

export function XattrTable({ xattrs }: { xattrs: XattrView[] }) {
  const [mode, setMode] = useState<'text' | 'hex'>('text');
  // A binary value can be switched on its own, whatever the table shows.
  const [rowMode, setRowMode] = useState<Record<number, 'text' | 'hex'>>({});
  const actions = useActions();
  if (xattrs.length === 0) return <div className="dim pad">No extended attributes.</div>;
  return (
    <div className="xattrs">
      <div className="section-head">
        <h3>Extended attributes <span className="dim">({xattrs.length})</span></h3>
        <div className="segmented" role="group" aria-label="Value display">
          <button aria-pressed={mode === 'text'} onClick={() => setMode('text')}>
            Text
          </button>
          <button aria-pressed={mode === 'hex'} onClick={() => setMode('hex')}>
            Hex
          </button>
        </div>
      </div>
      <table className="xattr-table">
        <tbody>
          {xattrs.map((x, i) => {
            const shown = rowMode[i] ?? mode;
            const binary = x.text.includes('\\x');
            const value = shown === 'hex' ? spacedHex(x.hex) : x.text;
            const clipped = value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) + ' …' : value;
            return (
              <tr
                key={i}
                className={x.range ? 'clickable' : undefined}
                onClick={() => x.range && actions.focusHex(x.range.offset, x.range.length)}
                title={x.range ? `stored at ${x.range.label}` : undefined}
              >
                <td className="xname">
                  <div className="mono">{x.name}</div>
                  {x.storedName ? <div className="dim small mono">stored as {x.storedName}</div> : null}
                  {x.explanation ? <div className="explain">{x.explanation}</div> : null}
                </td>
                <td className="xvalue mono">
                  {x.size === 0 ? <span className="dim">(empty)</span> : clipped}
                </td>
                <td className="xmeta dim small">
                  {x.size} B{x.shared ? <div className="tag">shared</div> : null}
                  <div className="row-actions" onClick={(e) => e.stopPropagation()}>
                    {binary ? (
                      <button
                        className="link-btn"
                        aria-label={`Show ${x.name} as ${shown === 'hex' ? 'text' : 'hex'}`}
                        onClick={() => setRowMode({ ...rowMode, [i]: shown === 'hex' ? 'text' : 'hex' })}
                      >
                        {shown === 'hex' ? 'text' : 'hex'}
                      </button>
                    ) : null}
                    <button
                      className="link-btn"
                      aria-label={`Copy the value of ${x.name} as ${shown}`}
                      onClick={() => void actions.copyText(`${x.name} value (${shown})`, shown === 'hex' ? x.hex : x.text)}
                    >
                      copy
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
