/**
 * The selected entry in the comparison, side by side: every field the diff found changed with its
 * value in each image and the differing part marked; for an added or removed entry the one side
 * that exists; for a rename both paths. Everything shown comes from the diff report and the
 * service's node details; nothing is recomputed here.
 */
import type { ReactNode } from 'react';
import type { FieldChange, NodeDetails } from '../../shared/api.ts';
import type { RowChange } from '../diff-tree.ts';
import { dataLabel, KIND_TEXT, commonEnds, octalMode, sizeText, spacedHex } from '../format.ts';
import { useActions, useActive, useApp } from '../hooks.ts';
import { labelsFor } from '../disambiguate.ts';

/** Values longer than this mark the part that differs; shorter ones differ at a glance. */
const MARK_FROM = 16;
const INLINE_SHOWN = 128;

interface Row {
  key: string;
  label: ReactNode;
  before?: string;
  after?: string;
}

const LABELS: Record<string, string> = {
  type: 'Type',
  mode: 'Mode',
  uid: 'Owner (uid)',
  gid: 'Group (gid)',
  size: 'Size',
  mtime: 'Modified',
  nlink: 'Links',
  rdev: 'Device',
  target: 'Target',
  whiteout: 'Whiteout',
  opaque: 'Opaque',
  digest: 'fs-verity',
  redirect: 'Object',
  data: 'Inline data',
};

const sizeValue = (v: string | undefined): string | undefined => (v !== undefined && /^\d+$/.test(v) ? sizeText(Number(v)) : v);

/** One table row per changed field, labelled as the details pane labels the same field. */
function fieldRow(f: FieldChange): Row {
  const before = f.beforeText ?? (f.field === 'size' ? sizeValue(f.before) : f.before);
  const after = f.afterText ?? (f.field === 'size' ? sizeValue(f.after) : f.after);
  const colon = f.field.indexOf(':');
  if (colon > 0) {
    const kind = f.field.slice(0, colon);
    const name = f.field.slice(colon + 1);
    return {
      key: f.field,
      label: (
        <>
          <span className="dim">{kind === 'xattr' ? 'xattr' : kind}</span> <span className="mono">{name}</span>
        </>
      ),
      before,
      after,
    };
  }
  return { key: f.field, label: LABELS[f.field] ?? f.field, before, after };
}

/** The fields of a node that exists on one side only, as the details pane shows them. */
function nodeRows(d: NodeDetails): { key: string; label: ReactNode; value: string }[] {
  const rows: { key: string; label: ReactNode; value: string }[] = [
    { key: 'type', label: 'Type', value: KIND_TEXT[d.kind] },
    { key: 'mode', label: 'Mode', value: `${d.modeString} ${octalMode(d.mode)}` },
    { key: 'owner', label: 'Owner', value: `${d.uid}:${d.gid}` },
    { key: 'size', label: 'Size', value: sizeText(d.size) },
    { key: 'mtime', label: 'Modified', value: d.mtimeText },
    { key: 'nlink', label: 'Links', value: String(d.nlink) },
  ];
  if (d.rdev) rows.push({ key: 'rdev', label: 'Device', value: `${d.rdev.major}:${d.rdev.minor}` });
  if (d.symlinkTarget !== undefined) rows.push({ key: 'target', label: 'Target', value: d.symlinkTarget });
  if (d.redirect !== undefined) rows.push({ key: 'redirect', label: 'Object', value: d.redirect });
  if (d.digest !== undefined) rows.push({ key: 'digest', label: 'fs-verity', value: d.digest });
  if (d.inlineHex !== undefined) {
    const more = d.inlineHex.length > INLINE_SHOWN * 2 ? ' …' : '';
    rows.push({ key: 'data', label: dataLabel(d.dataKind), value: spacedHex(d.inlineHex.slice(0, INLINE_SHOWN * 2)) + more });
  }
  if (d.whiteout) rows.push({ key: 'whiteout', label: 'Whiteout', value: 'true' });
  if (d.opaque) rows.push({ key: 'opaque', label: 'Opaque', value: 'true' });
  for (const x of d.xattrs) {
    // Overlay bookkeeping (redirect, metacopy, markers) is shown above as Object, fs-verity, Whiteout, Opaque,
    // as the diff shows it; the image's own trusted.overlay.* xattrs are stored escaped and stay.
    if (x.name.startsWith('trusted.overlay.') && x.storedName === undefined) continue;
    rows.push({
      key: `xattr:${x.name}`,
      label: (
        <>
          <span className="dim">xattr</span> <span className="mono">{x.name}</span>
        </>
      ),
      value: x.text,
    });
  }
  for (const p of d.hardlinks ?? []) rows.push({ key: `hardlink:${p}`, label: <span className="dim">hardlink</span>, value: p });
  return rows;
}

/** A value with the part that differs from `other` marked. */
function Marked({ value, other }: { value: string; other: string | undefined }) {
  if (other === undefined || value.length < MARK_FROM || other.length < MARK_FROM) return <>{value}</>;
  const { prefix, suffix } = commonEnds(value, other);
  if (prefix === 0 && suffix === 0) return <>{value}</>;
  return (
    <>
      {value.slice(0, prefix)}
      <mark>{value.slice(prefix, value.length - suffix)}</mark>
      {value.slice(value.length - suffix)}
    </>
  );
}

function Cell({ side, value, other }: { side: 'before' | 'after'; value: string | undefined; other: string | undefined }) {
  if (value === undefined) return <td className={`dv ${side} absent`}>—</td>;
  return (
    <td className={`dv ${side} changed mono`}>
      {value === '' ? <span className="dim">(empty)</span> : <Marked value={value} other={other} />}
    </td>
  );
}

function Table({ rows, names }: { rows: Row[]; names: [string, string] }) {
  return (
    <table className="diff-table">
      <thead>
        <tr>
          <th>
            <span className="visually-hidden">Field</span>
          </th>
          <th className="mono">{names[0]}</th>
          <th className="mono">{names[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-diff-field={r.key}>
            <td className="dlabel">{r.label}</td>
            <Cell side="before" value={r.before} other={r.after} />
            <Cell side="after" value={r.after} other={r.before} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const pathRow = (from: string, to: string): Row => ({ key: 'path', label: 'Path', before: from, after: to });

function describe(change: RowChange, before: NodeDetails | undefined, after: NodeDetails | undefined, otherName: string, name: string) {
  const c = change.change;
  if (change.moved) {
    return { rows: [pathRow(change.moved.from, change.moved.to)], note: `Moved with its folder (${c.oldPath} → ${c.path}); nothing else changed.` };
  }
  switch (change.status) {
    case 'modified':
      return { rows: c.fields.map(fieldRow), note: undefined };
    case 'renamed-from':
    case 'renamed-to':
      return { rows: [pathRow(c.oldPath ?? '?', c.path)], note: 'Same content and metadata under the new name.' };
    case 'removed':
      return {
        rows: before ? nodeRows(before).map((r) => ({ key: r.key, label: r.label, before: r.value })) : [],
        note: `Only in ${name}: ${otherName} has nothing at this path.`,
      };
    case 'added':
      return {
        rows: after ? nodeRows(after).map((r) => ({ key: r.key, label: r.label, after: r.value })) : [],
        note: `Only in ${otherName}: ${name} has nothing at this path.`,
      };
  }
}

/** The Before / After section of the details pane while comparing. */
export function BeforeAfter() {
  const cmp = useActive((v) => v.compare);
  const diff = useActive((v) => v.diff);
  const selectedId = useActive((v) => v.selected?.id);
  // Only the selected node's details describe the before side (the previous node's linger while the next loads).
  const details = useActive((v) => (v.details && v.details.id === selectedId ? v.details : undefined));
  const activeId = useApp((s) => s.activeId);
  const images = useApp((s) => s.images);
  const actions = useActions();
  if (!cmp || !diff?.overlay) return null;
  // Same-named images are told apart by their parent folders here too (disambiguate.ts).
  const labels = labelsFor(images);
  const name = (activeId && labels[activeId]) ?? '';
  const otherName = labels[diff.other] ?? diff.otherName;
  const below = diff.overlay.containing.has(cmp.path);

  if (!cmp.change) {
    return (
      <section className="before-after" data-testid="before-after">
        <div className="section-head">
          <h3>Before / After</h3>
        </div>
        <div className="dim small same-note">
          Unchanged in {otherName}
          {below ? '; something inside this folder changed' : ''}
          {diff.running ? ' (comparing again…)' : '.'}
        </div>
      </section>
    );
  }

  const d = describe(cmp.change, details, cmp.after, otherName, name);
  // Stand-ins (negative ids) are entries only the other image has; rows below a renamed folder are this image's nodes.
  const afterOnly = selectedId !== undefined && selectedId < 0;
  return (
    <section className="before-after" data-testid="before-after" data-status={cmp.change.status}>
      <div className="section-head">
        <h3>Before / After</h3>
      </div>
      {d.rows.length ? <Table rows={d.rows} names={[name, otherName]} /> : null}
      {cmp.afterError ? <div className="error-box small">{cmp.afterError}</div> : null}
      {d.note ? <div className="dim small same-note">{d.note}</div> : null}
      {afterOnly ? (
        <div className="small same-note">
          Its inode, xattrs and bytes are in {otherName}.{' '}
          <button
            className="link-btn"
            onClick={async () => {
              actions.activate(diff.other);
              await actions.reveal(cmp.path);
            }}
          >
            Show in {otherName}
          </button>
        </div>
      ) : null}
    </section>
  );
}
