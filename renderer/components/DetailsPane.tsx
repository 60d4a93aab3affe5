/** Everything about the selected node: inode fields, data location, redirect and verity, xattrs, bytes. */
import type { ReactNode } from 'react';
import type { NodeDetails } from '../../shared/api.ts';
import type { Finding } from '../../shared/model.ts';
import { findingsByNode } from '../store.ts';
import { useActions, useActive } from '../hooks.ts';
import { KIND_TEXT, hex, treeKind, octalMode, sizeText, spacedHex } from '../format.ts';
import { KindIcon } from './icons.tsx';
import { ChangeBadge, SeverityDot, VerityBadge } from './badges.tsx';
import { XattrTable } from './XattrTable.tsx';
import { BeforeAfter } from './BeforeAfter.tsx';
import { Breadcrumb } from './Breadcrumb.tsx';
import { ContentPreview } from './ContentPreview.tsx';
import { ClampedValue } from './ClampedValue.tsx';
import { MiddleText } from './MiddleText.tsx';

const Field = ({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) => (
  <>
    <dt>{label}</dt>
    <dd data-field={testId}>{children}</dd>
  </>
);

export function DetailsPane() {
  const d = useActive((v) => v.details);
  const error = useActive((v) => v.detailsError);
  const selected = useActive((v) => v.selected);
  const check = useActive((v) => v.check);
  const compare = useActive((v) => v.compare);
  const actions = useActions();
  const changeBadge = compare?.change ? <ChangeBadge change={compare.change} /> : null;

  if (selected && selected.id < 0 && compare) {
    // An entry only the compared image has: its details come from there.
    const after = compare.after;
    return (
      <section className="details-pane" aria-label="Details">
        <header className="details-head">
          <KindIcon kind={after?.kind ?? treeKind(compare.change?.change.nodeKind ?? 'unknown')} />
          <div className="details-title">
            <h2 className="mono" data-testid="details-name">
              <MiddleText text={selected.path.slice(selected.path.lastIndexOf('/') + 1)} />
            </h2>
            <div className="dim mono small" data-testid="details-path">{selected.path}</div>
          </div>
          {after ? <span className="chip">{KIND_TEXT[after.kind]}</span> : null}
          {changeBadge}
        </header>
        <BeforeAfter />
      </section>
    );
  }

  if (error) {
    // The node could not be decoded: say which one and why; its findings and bytes stay reachable below.
    return (
      <section className="details-pane" aria-label="Details">
        <header className="details-head">
          <KindIcon kind="unknown" />
          <div className="details-title">
            <h2 className="mono" data-testid="details-name">
              <MiddleText text={selected?.path.split('/').pop() || '/'} />
            </h2>
            <div className="dim mono small" data-testid="details-path">{selected?.path}</div>
          </div>
          <span className="chip chip-bad">undecodable</span>
        </header>
        <div className="error-box" role="alert">{error}</div>
        <NodeFindings findings={(selected && findingsByNode(check).get(selected.id)) || []} />
      </section>
    );
  }
  if (!d) return <section className="details-pane"><div className="dim pad">Select a node.</div></section>;

  const v = d.verity;
  return (
    <section className="details-pane" aria-label="Details">
      <header className="details-head">
        <KindIcon kind={d.kind} />
        <div className="details-title">
          <h2 className="mono" data-testid="details-name">
            <MiddleText text={d.name} />
          </h2>
          {/* Below a renamed folder one node shows at two paths: name the row that was chosen. */}
          <Breadcrumb path={compare?.change?.moved && selected ? selected.path : d.path} testId="details-path" />
        </div>
        <span className="chip">{KIND_TEXT[d.kind]}</span>
        {d.whiteout ? <span className="chip chip-warn">whiteout</span> : null}
        {d.opaque ? <span className="chip">opaque</span> : null}
        {v ? <VerityBadge status={v.status} /> : null}
        {changeBadge}
      </header>

      <NodeFindings findings={d.findings} />
      <BeforeAfter />

      <dl className="fields">
        <Field label="Mode" testId="mode">
          <span className="mono">{d.modeString}</span> <span className="dim mono">{octalMode(d.mode)}</span>
        </Field>
        <Field label="Owner" testId="owner">
          <span className="mono">
            {d.uid}:{d.gid}
          </span>
        </Field>
        <Field label="Size" testId="size">{sizeText(d.size)}</Field>
        <Field label="Modified" testId="mtime">
          <span className="mono">{d.mtimeText}</span>
        </Field>
        <Field label="Links">{d.nlink}</Field>
        <Field label="Inode" testId="inode">
          <span className="mono">
            nid {d.id}
            {d.ino !== undefined ? ` · ino ${d.ino}` : ''}
          </span>
          {d.layout ? <span className="dim"> · {d.layout}</span> : null}
        </Field>
        {d.rdev ? (
          <Field label="Device" testId="rdev">
            <span className="mono">
              {d.rdev.major}:{d.rdev.minor}
            </span>
          </Field>
        ) : null}
        {d.symlinkTarget !== undefined ? (
          <Field label="Target" testId="target">
            <ClampedValue text={d.symlinkTarget} what="target" />
          </Field>
        ) : null}
        {d.redirect !== undefined ? (
          <Field label="Object" testId="redirect">
            <div className="mono one-line" title={d.redirect}>{d.redirect}</div>
            {v?.objectPath ? <div className="dim small mono one-line" title={v.objectPath}>{v.objectPath}</div> : null}
            {v ? <div className="small">{objectStatus(v)}</div> : null}
          </Field>
        ) : null}
        {d.digest !== undefined || v?.expected ? (
          <Field label="fs-verity" testId="verity">
            <div className="digest-row">
              <span className="dim small">expected</span>
              <span className="mono digest" title={d.digest ?? v?.expected}>{d.digest ?? v?.expected}</span>
            </div>
            <div className="digest-row">
              <span className="dim small">actual</span>
              <span className={`mono digest${v?.status === 'mismatch' ? ' bad' : ''}`} title={v?.actual}>
                {v?.actual ?? <span className="dim">{v ? '—' : 'not measured yet (Verify)'}</span>}
              </span>
            </div>
            {v?.message ? <div className="small dim">{v.message}</div> : null}
          </Field>
        ) : null}
        {d.hardlinks && d.hardlinks.length > 0 ? (
          <Field label="Hardlinks" testId="hardlinks">
            {d.hardlinks.map((p) => (
              <div key={p} className="mono clickable link" onClick={() => void actions.reveal(p)}>
                {p}
              </div>
            ))}
          </Field>
        ) : null}
        <Field label="Structures">
          <div className="ranges">
            {d.ranges.map((r, i) => (
              <button key={i} className="range-chip" onClick={() => actions.focusHex(r.offset, r.length)}>
                {r.label} <span className="dim mono">{hex(r.offset)}+{r.length}</span>
              </button>
            ))}
          </div>
        </Field>
      </dl>

      <XattrTable xattrs={d.xattrs} />
      {d.kind === 'file' && !d.whiteout ? <ContentPreview nodeId={d.id} size={d.size} /> : null}
      {d.path === '/' ? <ImageFacts /> : null}
    </section>
  );
}

/** The image's header and superblock fields (shown with the root), each leading to its bytes. */
function ImageFacts() {
  const info = useActive((v) => v.summary.info);
  const actions = useActions();
  if (!info) return null;
  return (
    <div className="xattrs" data-testid="image-info">
      <div className="section-head">
        <h3>Image</h3>
      </div>
      <table className="xattr-table">
        <tbody>
          {info.fields.map((f, i) => (
            <tr
              key={i}
              className={f.range ? 'clickable' : undefined}
              onClick={() => f.range && actions.focusHex(f.range.offset, f.range.length)}
            >
              <td className="xname">{f.label}</td>
              <td className="xvalue mono">{f.value}</td>
              <td className="xmeta dim small mono">{f.range ? `${hex(f.range.offset)}+${f.range.length}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NodeFindings({ findings }: { findings: Finding[] }) {
  const actions = useActions();
  if (findings.length === 0) return null;
  return (
    <ul className="node-findings">
      {findings.map((f, i) => (
        <li key={i} onClick={() => actions.focusHex(f.offset, f.length)} className="clickable">
          <SeverityDot severity={f.severity} /> <span className="mono">{f.code}</span> {f.message}
        </li>
      ))}
    </ul>
  );
}

function objectStatus(v: NonNullable<NodeDetails['verity']>): string {
  switch (v.status) {
    case 'verified':
      return 'present, digest verified';
    case 'mismatch':
      return 'present, digest differs';
    case 'missing':
      return 'not found in any object store';
    case 'no-store':
      return 'not looked for: no object store chosen (File > Choose Object Store)';
    case 'size-mismatch':
      return `present, size ${v.actualSize ?? '?'} ≠ ${v.expectedSize ?? '?'}`;
    case 'unreadable':
      return 'present but unreadable';
    case 'escape':
      return 'redirect points outside the object store';
    case 'no-digest':
      return 'no digest recorded to check against';
    case 'inline':
      return 'data stored inline in the image';
    case 'empty':
      return 'no bytes: an empty file, or only holes';
  }
}
