/** Background fs-verity verification of every backing object: start, watch progress, cancel, summary. */
import { useState } from 'react';
import type { VerityStatus } from '../../shared/api.ts';
import { useActions, useActive } from '../hooks.ts';
import { verityTone } from './badges.tsx';
import { SaveReport } from './SaveReport.tsx';

const ORDER: VerityStatus[] = ['verified', 'mismatch', 'size-mismatch', 'missing', 'no-store', 'unreadable', 'escape', 'no-digest', 'inline', 'empty'];

export function VerifyBar() {
  const job = useActive((v) => v.verifyJob);
  const summary = useActive((v) => v.verifySummary);
  const error = useActive((v) => v.verifyError);
  const stores = useActive((v) => v.summary.objectStores) ?? [];
  const actions = useActions();
  const [expected, setExpected] = useState('');
  const p = job?.progress;
  const frac = p ? (p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0) : 0;

  return (
    <section className="verify-bar" aria-label="Verification">
      <div className="stores small" title={stores.join('\n')}>
        <span className="dim">objects</span>{' '}
        <span className="mono" data-testid="object-stores">
          {stores.length ? stores.map(shortPath).join(', ') : 'none found'}
        </span>
        <button className="link-btn" onClick={() => void actions.chooseObjectStore()}>
          choose…
        </button>
      </div>
      {job ? (
        <>
          <div
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(frac * 100)}
          >
            <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
          </div>
          <span className="small mono dim">{p ? `${p.filesDone}/${p.filesTotal} files` : 'starting…'}</span>
          <button className="btn small" onClick={() => void actions.cancelVerify()}>
            Cancel
          </button>
        </>
      ) : (
        <>
          {summary ? (
            <span className="verify-summary small" data-testid="verify-summary">
              {summary.cancelled ? <span className="chip chip-warn">cancelled</span> : null}
              {ORDER.filter((s) => summary.counts[s]).map((s) => (
                <span key={s} className={`chip chip-${verityTone(s)}`}>
                  {summary.counts[s]} {s}
                </span>
              ))}
              {summary.imageDigest ? (
                <span
                  className={`chip mono${summary.expectedImageDigest ? (summary.expectedImageDigest === summary.imageDigest ? ' chip-ok' : ' chip-bad') : ''}`}
                  title={`fs-verity digest of the image file${summary.expectedImageDigest ? `; expected ${summary.expectedImageDigest}` : ''}`}
                >
                  image {summary.imageDigest.slice(0, 16)}…
                </span>
              ) : null}
            </span>
          ) : null}
          {error ? <span className="error-text small">{error}</span> : null}
          <form
            className="verify-form"
            onSubmit={(e) => {
              e.preventDefault();
              void actions.startVerify(expected.trim() || undefined);
            }}
          >
            <input
              className="mono small"
              placeholder="expected image digest"
              aria-label="Expected image digest"
              value={expected}
              onChange={(e) => setExpected(e.target.value)}
            />
            <button className="btn small primary" type="submit" disabled={stores.length === 0 && !expected.trim()}>
              {summary ? 'Verify again' : 'Verify objects'}
            </button>
          </form>
          <SaveReport what="verify" />
        </>
      )}
    </section>
  );
}

const shortPath = (p: string): string => {
  const parts = p.split('/').filter(Boolean);
  return parts.length > 2 ? '…/' + parts.slice(-2).join('/') : p;
};
