/**
 * The repository view: what meta.json says (with read-only-compatible features this reader does
 * not know, shown rather than hidden), the images with their refs, sizes and formats, the streams
 * with their refs, content types and OCI tags, a stream's JSON with its named refs, and the health
 * panel. Opening an image or a layer stream makes an ordinary tab; the rows only ask the store.
 */
import { useActions, useApp } from '../hooks.ts';
import type { RepoStream } from '../../shared/repository/model.ts';
import { shortBytes } from './SharingView.tsx';
import { RepositoryHealthPanel } from './RepositoryHealthPanel.tsx';

const isLayer = (s: RepoStream) => /layer/i.test(s.contentType) || s.name.startsWith('oci-layer');
const isJson = (s: RepoStream) => /manif|conf/i.test(s.contentType);

function StreamJson() {
  const json = useApp((s) => s.repository.json);
  const actions = useActions();
  if (!json) return null;
  const { name, value } = json;
  return (
    <section className="repo-json" aria-label={`JSON of ${name}`} data-testid="repo-json">
      <div className="sharing-head">
        <span className="small mono repo-json-name">
          {name} <span className="dim">({value.contentType})</span>
        </span>
        <button className="btn small" onClick={() => actions.closeStreamJson()}>
          Close
        </button>
      </div>
      {value.namedRefs.length ? (
        <ul className="repo-refs small" aria-label="Named refs">
          {value.namedRefs.map((r) => (
            <li key={r.name} className="mono">
              {r.name} → {r.digest.slice(0, 16)}…{' '}
              {r.image ? (
                <button className="btn small" onClick={() => void actions.openRepositoryImage(r.image!)}>
                  Open image
                </button>
              ) : r.stream ? (
                <button className="btn small" onClick={() => void (/^oci-layer/.test(r.stream!) ? actions.openRepositoryStream(r.stream!) : actions.showStreamJson(r.stream!))}>
                  {r.stream.startsWith('oci-layer') ? 'Open layer' : 'Show'}
                </button>
              ) : (
                <span className="dim">not in this repository</span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <pre className="repo-json-text mono small">{JSON.stringify(value.json, null, 2)}</pre>
    </section>
  );
}

export function RepositoryPanel() {
  const repo = useApp((s) => s.repository);
  const hasImage = useApp((s) => s.activeId !== undefined);
  const actions = useActions();
  const summary = repo.summary;
  if (!summary) return null;
  const { meta } = summary;
  const busy = repo.busy !== undefined;

  return (
    <section className="sharing-panel repo-panel" aria-label="Repository" data-testid="repository-panel" aria-busy={busy}>
      <div className="sharing-head">
        <h2 className="small mono">{summary.path}</h2>
        {hasImage ? (
          <button className="btn small" onClick={() => actions.showRepository(false)}>
            Back to the tree
          </button>
        ) : null}
      </div>
      <p className="small dim" data-testid="repo-meta">
        {meta.synthesized ? 'no meta.json: ' : `meta.json version ${meta.version}, `}
        {meta.algorithm} · {summary.objectCount.toLocaleString('en-US')} objects, {shortBytes(summary.objectBytes)}
        {meta.compatible.length ? ` · compatible: ${meta.compatible.join(', ')}` : ''}
        {meta.readOnlyCompatible.length ? ` · read-only-compatible: ${meta.readOnlyCompatible.join(', ')}` : ''}
      </p>
      {meta.unknownReadOnlyCompatible.length ? (
        <div className="error-box small" role="status" data-testid="repo-unknown-features">
          Unknown read-only-compatible features: {meta.unknownReadOnlyCompatible.join(', ')}. This repository may be read but must not be written by
          tools that do not know them.
        </div>
      ) : null}
      {repo.error ? (
        <div className="error-box small" role="alert">
          {repo.error}
        </div>
      ) : null}

      <table className="share-table" data-testid="repo-images">
        <caption className="small">Images ({summary.images.length})</caption>
        <thead>
          <tr>
            <th>Refs</th>
            <th>Digest</th>
            <th>Format</th>
            <th>Size</th>
            <th>
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {summary.images.map((img) => (
            <tr key={img.digest} data-digest={img.digest}>
              <th scope="row" className="mono small">{img.refs.length ? img.refs.join(', ') : <span className="dim">no ref</span>}</th>
              <td className="mono small" title={img.digest}>{img.digest.slice(0, 16)}…</td>
              <td className="small">{img.format}</td>
              <td className="small" data-bytes={img.size}>{shortBytes(img.size)}</td>
              <td>
                <button className="btn small" disabled={busy || !img.objectPath} onClick={() => void actions.openRepositoryImage(img.refs[0] ?? img.digest)} aria-label={`Open image ${img.refs[0] ?? img.digest}`}>
                  {repo.busy === (img.refs[0] ?? img.digest) ? 'Opening…' : 'Open'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <table className="share-table" data-testid="repo-streams">
        <caption className="small">Streams ({summary.streams.length})</caption>
        <thead>
          <tr>
            <th>Name</th>
            <th>Refs and OCI tags</th>
            <th>Content</th>
            <th>Size</th>
            <th>
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {summary.streams.map((s) => (
            <tr key={s.name} data-name={s.name}>
              <th scope="row" className="mono small">{s.name}</th>
              <td className="mono small">
                {[...s.ociTags.map((t) => `tag ${t}`), ...s.refs.filter((r) => !r.startsWith('oci/'))].join(', ') || <span className="dim">none</span>}
              </td>
              <td className="small">{s.contentType}</td>
              <td className="small" data-bytes={s.size}>{shortBytes(s.size)}</td>
              <td>
                {isLayer(s) ? (
                  <button className="btn small" disabled={busy || !s.objectPath} onClick={() => void actions.openRepositoryStream(s.name)} aria-label={`Open layer ${s.name}`}>
                    {repo.busy === s.name ? 'Opening…' : 'Open layer'}
                  </button>
                ) : isJson(s) ? (
                  <button className="btn small" disabled={busy || !s.objectPath} onClick={() => void actions.showStreamJson(s.name)} aria-label={`Show JSON of ${s.name}`}>
                    Show JSON
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <StreamJson />
      <RepositoryHealthPanel />
    </section>
  );
}
