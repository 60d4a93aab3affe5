/** Status chips shared by the tree, details pane, findings and changes panels. */
import type { VerityStatus } from '../../shared/api.ts';
import type { Severity } from '../../shared/model.ts';
import type { RowChange } from '../diff-tree.ts';

const VERITY_TEXT: Record<VerityStatus, string> = {
  verified: 'verified',
  mismatch: 'digest mismatch',
  missing: 'object missing',
  'no-store': 'no object store chosen',
  unreadable: 'unreadable',
  'size-mismatch': 'size mismatch',
  'no-digest': 'no digest',
  inline: 'data in image',
  empty: 'no data',
  escape: 'redirect escapes store',
};

export const verityTone = (s: VerityStatus): 'ok' | 'bad' | 'warn' | 'muted' =>
  s === 'verified'
    ? 'ok'
    : s === 'mismatch' || s === 'size-mismatch' || s === 'escape' || s === 'unreadable'
      ? 'bad'
      : s === 'missing'
        ? 'warn'
        : 'muted';

export function VerityBadge({ status, compact }: { status: VerityStatus; compact?: boolean }) {
  const tone = verityTone(status);
  const glyph = tone === 'ok' ? '✓' : tone === 'bad' ? '✕' : tone === 'warn' ? '?' : '·';
  return (
    <span className={`badge badge-${tone}`} title={`fs-verity: ${VERITY_TEXT[status]}`} data-verity={status}>
      {compact ? glyph : `${glyph} ${VERITY_TEXT[status]}`}
    </span>
  );
}

export function SeverityDot({ severity }: { severity: Severity }) {
  return <span className={`sev sev-${severity}`} title={severity} aria-label={severity} />;
}

const RENAMED_TEXT = { 'renamed-from': 'renamed →', 'renamed-to': '← renamed' } as const;

/** How a row changed in the comparison; rows that only moved with a renamed folder get none of their own. */
export function ChangeBadge({ change }: { change: RowChange }) {
  const { status, change: c } = change;
  if (change.moved) return null;
  const title =
    status === 'renamed-from'
      ? `renamed to ${c.path}`
      : status === 'renamed-to'
        ? `renamed from ${c.oldPath ?? '?'}`
        : status === 'modified'
          ? `modified: ${c.fields.map((f) => f.field).join(', ')}`
          : status;
  const text = status === 'renamed-from' || status === 'renamed-to' ? RENAMED_TEXT[status] : status;
  return (
    <span className={`badge change-badge change-${status}`} data-change={status} title={title}>
      {text}
    </span>
  );
}
