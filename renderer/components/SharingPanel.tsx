/**
 * The Sharing view in the window: runs the analysis over every open image (in tab order, with each
 * image's object stores), shows its progress with Cancel, then the report, what was left out, and
 * a way back to the tree. The numbers are drawn by SharingView from the report as the service sent it.
 */
import { useActions, useApp } from '../hooks.ts';
import { labelsFor } from '../disambiguate.ts';
import { SharingView, shortBytes } from './SharingView.tsx';

export function SharingPanel() {
  const sharing = useApp((s) => s.sharing);
  const images = useApp((s) => s.images);
  const actions = useActions();
  const labels = labelsFor(images);
  const { jobId, progress, done, error } = sharing;
  const frac = progress && progress.total > 0 ? Math.min(1, progress.bytes / progress.total) : 0;

  return (
    <section className="sharing-panel" aria-label="Sharing analysis" data-testid="sharing-panel" aria-busy={jobId !== undefined}>
      <div className="sharing-head">
        <h2 className="small">Sharing between {sharing.imageIds.map((id) => labels[id] ?? id).join(', ')}</h2>
        {jobId ? (
          <>
            <div className="progress" role="progressbar" aria-label="Sharing analysis progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
              <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
            </div>
            <span className="small mono dim" data-testid="share-progress">
              {progress ? `${shortBytes(progress.bytes)} read of ${shortBytes(progress.total)} known so far` : 'starting…'}
            </span>
            <button className="btn small" onClick={() => void actions.cancelSharing()}>
              Cancel
            </button>
          </>
        ) : (
          <button className="btn small" onClick={() => void actions.openSharing()}>
            Run again
          </button>
        )}
        <button className="btn small" onClick={() => actions.closeSharing()} aria-label="Close the sharing analysis">
          Back to the tree
        </button>
      </div>
      {error || done?.error ? (
        <div className="error-box small" role="alert">
          {error ?? done?.error}
        </div>
      ) : null}
      {done?.cancelled ? <div className="empty dim" data-testid="share-cancelled">The analysis was cancelled.</div> : null}
      {done?.skipped.length ? (
        <p className="small dim" data-testid="share-skipped">
          {done.skipped.length} file{done.skipped.length === 1 ? '' : 's'} left out (no data found), e.g. {done.skipped[0]!.path}: {done.skipped[0]!.reason}
        </p>
      ) : null}
      {done?.report ? <SharingView report={done.report} imageIds={done.imageIds} onReveal={(id, path) => void actions.revealShared(id, path)} /> : null}
    </section>
  );
}
