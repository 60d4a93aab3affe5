/**
 * The head of the Changes list: what is compared with what. For each image its label (told apart
 * from a same-named one, see disambiguate.ts), format, size, inode count and, once a verify run
 * has hashed it, the image file's fs-verity digest (shortened; the whole digest in the tooltip).
 */
import type { ImageView } from '../store.ts';
import { useApp } from '../hooks.ts';
import { labelsFor } from '../disambiguate.ts';
import { formatText, shortDigest, sizeText } from '../format.ts';

function Side({ role, view, label }: { role: 'before' | 'after'; view: ImageView | undefined; label: string }) {
  const info = view?.summary.info;
  const digest = view?.verifySummary?.imageDigest;
  return (
    <div className="diff-side" data-side={role}>
      <span className="diff-side-role dim">{role}</span>
      <span className="mono diff-side-label" title={view?.summary.path}>
        {label}
      </span>
      {info ? (
        <span className="diff-side-facts">
          <span data-fact="format">{formatText(info)}</span>
          <span data-fact="size">{sizeText(info.size)}</span>
          {info.inodes !== undefined ? <span data-fact="inodes">{info.inodes.toLocaleString('en-US')} inodes</span> : null}
          {digest ? (
            <span data-fact="digest" className="mono" title={`fs-verity digest of the image file: ${digest}`}>
              {shortDigest(digest)}
            </span>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}

export function DiffHeader({ before, after, afterName }: { before: string; after: string; afterName: string }) {
  const images = useApp((s) => s.images);
  const labels = labelsFor(images);
  const view = (id: string) => images[id];
  return (
    <div className="diff-header small" data-testid="diff-header" role="group" aria-label="Compared images">
      <Side role="before" view={view(before)} label={labels[before] ?? view(before)?.summary.name ?? ''} />
      <Side role="after" view={view(after)} label={labels[after] ?? afterName} />
    </div>
  );
}
