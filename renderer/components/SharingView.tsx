/**
 * The sharing analysis of the open images: per image and scheme a stacked bar (download delta,
 * then the rest of what the image stores itself, then what deduplication removed inside it), a
 * pairwise matrix for one scheme, and the files where blocks or chunks fetch less than whole files.
 * Props in, one action out (reveal a file); the numbers come from the service as they are.
 */
import { useState } from 'react';
import type { ShareReport } from '../../shared/share/analysis.ts';
import { useActions, useApp } from '../hooks.ts';
import { SCHEMES, type Scheme } from '../../shared/share/units.ts';
import { bytesText } from '../../shared/share/text.ts';

const SCHEME_LABEL: Record<Scheme, string> = {
  file: 'whole files',
  block: '4 KiB blocks',
  casync: 'casync chunks',
  fastcdc: 'FastCDC chunks',
};

/** The CLI's formatter: the view prints the figures `cfs-inspect share` prints. */
export const shortBytes = bytesText;

const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);

function Bar({ logical, unique, delta }: { logical: number; unique: number; delta: number }) {
  const d = pct(delta, logical);
  const kept = pct(unique - delta, logical);
  return (
    <div className="share-bar" role="img" aria-label={`download ${shortBytes(delta)}, stored ${shortBytes(unique)} of ${shortBytes(logical)}`}>
      <div className="share-seg share-delta" style={{ width: `${d}%` }} />
      <div className="share-seg share-shared" style={{ width: `${kept}%` }} />
    </div>
  );
}

export interface SharingViewProps {
  report: ShareReport;
  /** Which open image each report image is, for revealing files. */
  imageIds: string[];
  onReveal(imageId: string, path: string): void;
}

export function SharingView({ report, imageIds, onReveal }: SharingViewProps) {
  const [scheme, setScheme] = useState<Scheme>('casync');
  const n = report.images.length;
  const matrix = report.pairwise[scheme];
  return (
    <div className="sharing" data-testid="sharing-report">
      <table className="share-table">
        <caption className="small dim">
          Bars: <span className="share-key share-delta" /> download delta given the images before it,{' '}
          <span className="share-key share-shared" /> stored but already held by an earlier image; the rest of the bar is what deduplication removes inside the image.
        </caption>
        <thead>
          <tr>
            <th scope="col">image</th>
            <th scope="col">logical</th>
            {SCHEMES.map((s) => (
              <th key={s} scope="col">{SCHEME_LABEL[s]}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.images.map((img, k) => (
            <tr key={k} data-testid={`share-row-${k}`}>
              <th scope="row" className="mono">[{k + 1}] {img.name}</th>
              <td className="mono small" data-testid={`share-logical-${k}`} data-bytes={img.logical}>{shortBytes(img.logical)}</td>
              {SCHEMES.map((s) => (
                <td key={s}>
                  <Bar logical={img.logical} unique={img.schemes[s].unique} delta={img.schemes[s].delta} />
                  <span className="mono small" data-testid={`share-delta-${k}-${s}`} data-bytes={img.schemes[s].delta}>
                    {shortBytes(img.schemes[s].delta)}
                  </span>
                  <span className="small dim" data-testid={`share-unique-${k}-${s}`} data-bytes={img.schemes[s].unique}> of {shortBytes(img.schemes[s].unique)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <p className="small" data-testid="share-set">
        All {n} images: {shortBytes(report.set.logical)} of file data; stored as whole files {shortBytes(report.set.unique.file)}, as blocks{' '}
        {shortBytes(report.set.unique.block)}, as casync chunks {shortBytes(report.set.unique.casync)}, as FastCDC chunks{' '}
        {shortBytes(report.set.unique.fastcdc)}. Running them all at once: {shortBytes(report.set.pageCache.resident)} in the page cache,{' '}
        {shortBytes(report.set.pageCache.shared)} shared (only whole-file objects share pages).
      </p>

      <div className="share-matrix-head">
        <span className="small">Shared bytes, pairwise, as</span>
        <div role="radiogroup" aria-label="Scheme" className="seg">
          {SCHEMES.map((s) => (
            <button key={s} role="radio" aria-checked={s === scheme} className={`btn small${s === scheme ? ' primary' : ''}`} onClick={() => setScheme(s)}>
              {SCHEME_LABEL[s]}
            </button>
          ))}
        </div>
      </div>
      <table className="share-matrix" data-testid="share-matrix">
        <thead>
          <tr>
            <td />
            {report.images.map((_, j) => (
              <th key={j} scope="col">[{j + 1}]</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.images.map((_, i) => (
            <tr key={i}>
              <th scope="row">[{i + 1}]</th>
              {report.images.map((__, j) => (
                <td key={j} data-testid={`share-cell-${i}-${j}`} data-bytes={matrix[i]![j]!} className={`mono small${i === j ? ' dim' : ''}`} title={i === j ? 'stored by this image' : `of [${i + 1}]'s data, held by [${j + 1}] too`}>
                  {shortBytes(matrix[i]![j]!)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <h3 className="small">Where blocks or chunks fetch less than whole files</h3>
      <ul className="share-wins" data-testid="share-wins">
        {report.images.flatMap((img, k) =>
          (['casync', 'fastcdc', 'block'] as const).flatMap((s) =>
            img.topSavings[s].slice(0, 5).map((f) => (
              <li key={`${k}-${s}-${f.path}`}>
                <button className="link-btn mono" onClick={() => onReveal(imageIds[k]!, f.path)} title={`Show ${f.path} in [${k + 1}]`}>
                  [{k + 1}] {f.path}
                </button>{' '}
                <span className="small">
                  {SCHEME_LABEL[s]}: {shortBytes(f.schemeDelta)} instead of {shortBytes(f.fileDelta)}
                </span>
              </li>
            )),
          ),
        )}
      </ul>
    </div>
  );
}

/**
 * The view as the app shows it: the images analysed, progress with Cancel while the job runs, then
 * the report (or why there is none). aria-busy is the readiness signal tests wait on.
 */
export function SharingPanel() {
  const sharing = useApp((s) => s.sharing);
  const actions = useActions();
  if (!sharing) return null;
  // Busy from the click until a report, a cancel or an error: the job id arrives a moment later.
  const running = !sharing.done && !sharing.error;
  const p = sharing.progress;
  const done = sharing.done;
  return (
    <section className="sharing-panel" role="region" aria-label="Sharing" aria-busy={running}>
      <div className="share-head">
        <h2 className="small">Sharing between {sharing.imageIds.length} open images, oldest (first tab) first</h2>
        {running ? (
          <>
            <progress max={p?.bytesTotal || 1} value={p?.bytesDone ?? 0} aria-label="Sharing analysis progress" />
            <span className="small mono" data-testid="share-progress">
              {p ? `${shortBytes(p.bytesDone)} read of ${shortBytes(p.bytesTotal)} known so far` : 'starting…'}
            </span>
            <button className="btn small" onClick={() => void actions.cancelSharing()}>
              Cancel
            </button>
          </>
        ) : null}
        <button className="btn small" onClick={() => actions.closeSharing()}>
          Close
        </button>
      </div>
      {sharing.error ? <p role="alert">{sharing.error}</p> : null}
      {done?.cancelled ? <p data-testid="share-cancelled">Cancelled.</p> : null}
      {done?.error ? <p role="alert">{done.error}</p> : null}
      {done?.skipped.length ? (
        <p className="small" data-testid="share-skipped">
          {done.skipped.length} files could not be read and are left out (first: {done.skipped[0]!.path}: {done.skipped[0]!.reason}).
        </p>
      ) : null}
      {done?.report ? (
        <SharingView report={done.report} imageIds={done.imageIds} onReveal={(id, path) => void actions.revealShared(id, path)} />
      ) : null}
    </section>
  );
}
