/**
 * What owns the byte the user points at, from the layout map: the structure's name, kind, range
 * and owning paths, then a table of its fields (name, offset, size, raw bytes, decoded value, and
 * the findings on it), the pointed-at field highlighted. A byte no structure claims says whether it
 * is padding or unaccounted content.
 */
import { useStore } from 'zustand';
import type { StructureView } from '../../shared/api.ts';
import { useActive, useActions } from '../hooks.ts';
import { hex } from '../format.ts';
import { layoutStore } from '../layout-view.ts';

/** The field of `s` holding the absolute offset `at`. */
export function fieldAt(s: StructureView, at: number) {
  const rel = at - s.offset;
  return s.fields.find((f) => rel >= f.offset && rel < f.offset + f.size);
}

export function StructurePanel() {
  const imageId = useActive((v) => v.summary.imageId);
  const state = useStore(layoutStore, (s) => (imageId ? s.images[imageId] : undefined));
  const actions = useActions();
  const at = state?.at;
  if (state?.error) return <div className="structure-panel error-box small">{state.error}</div>;
  if (!at) return <div className="structure-panel dim small">Point at a byte: its structure and field show here.</div>;
  const first = at.structures[0];
  const field = first ? fieldAt(first, at.offset) : undefined;
  const owner = first
    ? `${hex(at.offset)} is ${field ? `${field.name} of ` : ''}${first.name} (${first.kind})`
    : at.gap
      ? `${hex(at.offset)} is ${at.gap.kind === 'padding' ? 'padding' : 'unaccounted content'} (${hex(at.gap.offset)}+${at.gap.length})`
      : `${hex(at.offset)}: outside the image`;
  return (
    <div className="structure-panel" data-testid="structure-panel">
      <div className="byte-owner mono small" data-testid="byte-owner">
        {state?.via === 'goto' ? 'Landed at ' : ''}
        {owner}
        {at.structures.length > 1 ? <span className="bad"> — {at.structures.length} structures claim this byte (overlap)</span> : null}
      </div>
      {at.structures.map((s, i) => (
        <div key={i} className="structure" data-testid="structure" data-kind={s.kind}>
          <div className="structure-head small">
            <strong>{s.name}</strong> <span className="mono dim">{s.kind}</span>{' '}
            <button className="link-btn mono" onClick={() => actions.focusHex(s.offset, s.length)}>
              {hex(s.offset)}+{s.length}
            </button>{' '}
            <span className="mono dim">
              {s.paths.slice(0, 3).join(' ')}
              {s.paths.length > 3 || s.morePaths ? ` +${s.paths.length - Math.min(3, s.paths.length) + (s.morePaths ?? 0)} more` : ''}
            </span>
          </div>
          <table className="field-table mono small" data-testid="field-table">
            <thead>
              <tr>
                <th>field</th>
                <th>offset</th>
                <th>size</th>
                <th>raw</th>
                <th>value</th>
                <th>finding</th>
              </tr>
            </thead>
            <tbody>
              {s.fields.slice(0, 400).map((f, k) => {
                const abs = s.offset + f.offset;
                const bad = s.findings.filter((x) => x.offset < abs + f.size && x.offset + Math.max(1, x.length) > abs);
                const here = i === 0 && f === field;
                return (
                  <tr key={k} className={`${here ? 'here' : ''}${bad.length ? ' bad-row' : ''}`} data-field={f.name} onClick={() => actions.focusHex(abs, f.size)}>
                    <td>{f.name}</td>
                    <td>+{f.offset.toString(16)}</td>
                    <td>{f.size}</td>
                    <td className="raw">{f.raw}</td>
                    <td className="value">{f.value}</td>
                    <td>{bad.map((x) => x.code).join(', ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}
