/** First screen: open an image by button, drop, recent list, or typed path. */
import { useEffect, useState } from 'react';
import { useActions, useApp } from '../hooks.ts';

export function OpenScreen() {
  const recent = useApp((s) => s.recent);
  const opening = useApp((s) => s.opening);
  const error = useApp((s) => s.error);
  const repoError = useApp((s) => (s.repository.summary ? undefined : s.repository.error));
  const repoOpening = useApp((s) => s.repository.opening);
  const actions = useActions();
  const [path, setPath] = useState('');

  useEffect(() => {
    void actions.loadRecent();
  }, [actions]);

  return (
    <main className="open-screen">
      <div className="open-card">
        <h1>Composefs Inspector</h1>
        <p className="dim">Browse, check and verify composefs and EROFS images.</p>
        <div className="drop-zone" data-testid="drop-zone">
          <div>Drop an image here</div>
          <div className="dim small">.cfs · .erofs · .img</div>
          <button className="btn primary" onClick={() => void actions.openDialog()}>
            Open image…
          </button>
        </div>
        <form
          className="path-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) void actions.open(path.trim());
          }}
        >
          <input
            className="mono"
            placeholder="/path/to/image.cfs"
            aria-label="Image path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
          />
          <button className="btn" type="submit" disabled={!path.trim() || !!opening}>
            {opening ? 'Opening…' : 'Open'}
          </button>
          <button
            className="btn"
            type="button"
            disabled={!path.trim() || !!repoOpening}
            onClick={() => void actions.openRepository(path.trim())}
            title="Open a composefs repository (a folder with meta.json, objects/ and images/)"
          >
            {repoOpening ? 'Opening…' : 'Open as repository'}
          </button>
        </form>
        {error ? <div className="error-box" role="alert">{error}</div> : null}
        {repoError ? <div className="error-box" role="alert">{repoError}</div> : null}
        {recent.length > 0 ? (
          <div className="recent">
            <h3>Recent</h3>
            <ul>
              {recent.map((p) => (
                <li key={p}>
                  <button className="recent-item mono" onClick={() => void actions.open(p)} title={p}>
                    <span className="recent-name">{p.split('/').pop()}</span>
                    <span className="dim small">{p}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </main>
  );
}
