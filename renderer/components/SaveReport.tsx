/**
 * Save report…: the findings, the verify results or the diff as one self-contained HTML page
 * (shared/report.ts, the same page as `cfs-inspect … --format html`), offered as a download: the
 * browser, or Electron's download handling, asks where to save it. No Node call is needed.
 */
import { checkReport, diffReport, toHtml, verifyReport, type Report } from '../../shared/report.ts';
import { useActive, useApp } from '../hooks.ts';

export function downloadText(name: string, text: string, type = 'text/html'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '') || 'image';

export function SaveReport({ what }: { what: 'check' | 'verify' | 'diff' }) {
  const summary = useActive((v) => v.summary);
  const check = useActive((v) => v.check);
  const verify = useActive((v) => v.verifySummary);
  const diff = useActive((v) => v.diff);
  const images = useApp((s) => s.images);
  if (!summary) return null;
  let report: Report | undefined;
  if (what === 'check' && check) report = checkReport({ image: summary.path, ...check });
  if (what === 'verify' && verify) report = verifyReport({ image: summary.path, stores: summary.objectStores, ...verify });
  if (what === 'diff' && diff?.report) report = diffReport({ ...diff.report, a: summary.path, b: images[diff.other]?.summary.path ?? diff.otherName });
  if (!report) return null;
  const r = report;
  return (
    <button className="btn small" data-testid={`save-report-${what}`} onClick={() => downloadText(`${baseName(summary.path)}-${what}.html`, toHtml(r))}>
      Save report…
    </button>
  );
}
