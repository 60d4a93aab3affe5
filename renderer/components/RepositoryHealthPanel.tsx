/**
 * Repository health: runs the check (dangling refs, misnamed images, streams and objects, missing,
 * orphaned and unlinked objects) with its progress and Cancel, then lists each finding with the
 * repository path it concerns, and what garbage collection would free.
 */
import { useActions, useApp } from '../hooks.ts';
import { shortBytes } from './SharingView.tsx';

export function RepositoryHealthPanel() {
  const health = useApp((s) => s.repository.health);
  const actions = useActions();
  const { jobId, progress, done, error } = health;
  const frac = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const h = done?.health;

  return (
    <section className="repo-health" aria-label="Repository health" data-testid="repo-health" aria-busy={jobId !== undefined}>
      <div className="sharing-head">
        <h3 className="small">Health</h3>
        {jobId ? (
          <>
            <div className="progress" role="progressbar" aria-label="Repository check progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
              <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
            </div>
            <span className="small mono dim" data-testid="repo-health-progress">
              {progress ? `${progress.done} of ${progress.total} object digests measured` : 'starting…'}
            </span>
            <button className="btn small" onClick={() => void actions.cancelRepositoryCheck()}>
              Cancel
            </button>
          </>
        ) : (
          <button className="btn small" onClick={() => void actions.checkRepository()} data-testid="repo-check">
            {done ? 'Check again' : 'Check repository'}
          </button>
        )}
      </div>
      {error || done?.error ? (
        <div className="error-box small" role="alert">
          {error ?? done?.error}
        </div>
      ) : null}
      {done?.cancelled ? <div className="dim small" data-testid="repo-health-cancelled">The check was cancelled; what it measured so far is below.</div> : null}
      {h ? (
        <>
          <p className="small" data-testid="repo-health-summary">
            {h.objectsChecked} of {h.objectsTotal} object digests measured{h.complete ? '' : ' (stopped early)'} · {h.findings.length} finding
            {h.findings.length === 1 ? '' : 's'}
            {h.orphanBytes ? ` · garbage collection would free ${shortBytes(h.orphanBytes)}` : ''}
          </p>
          {h.findings.length ? (
            <ul className="repo-findings small" data-testid="repo-findings">
              {h.findings.map((f, i) => (
                <li key={i} className="repo-finding" data-severity={f.severity} data-code={f.code}>
                  <span className="mono">{f.severity}</span> <span className="mono">{f.code}</span> <span className="mono">{f.path}</span>: {f.message}
                  {f.size !== undefined ? ` (${shortBytes(f.size)})` : ''}
                </li>
              ))}
            </ul>
          ) : (
            <div className="empty dim small" data-testid="repo-health-clean">No findings.</div>
          )}
        </>
      ) : null}
    </section>
  );
}
