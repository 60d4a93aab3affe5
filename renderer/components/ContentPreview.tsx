/**
 * A regular file's content in the details pane: where the bytes come from, the file's data extents
 * (each one shown in the hex view on click), and the bytes as text with line numbers, as hex, or
 * as an image (PNG, JPEG, GIF, WebP, as a data: URL the CSP allows; never SVG). Big files load a
 * piece at a time, on demand.
 */
import { useEffect, useState } from 'react';
import type { ContentExtent, ContentSlice } from '../../shared/api.ts';
import { errorText } from '../api.ts';
import { useActions } from '../hooks.ts';
import { hex, sizeText } from '../format.ts';
import { imageType, previewKind, textLines, type PreviewKind } from '../content-text.ts';

/** First load, and each "load more". */
const PIECE = 64 * 1024;
/** Images are shown whole, up to this size. */
const IMAGE_MAX = 8 << 20;
const HEX_ROWS_SHOWN = 256;
const TEXT_LINES_SHOWN = 2000;

interface Loaded {
  nodeId: number;
  first: ContentSlice;
  bytes: Uint8Array;
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

export function ContentPreview({ nodeId, size }: { nodeId: number; size: number }) {
  const actions = useActions();
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [chosen, setChosen] = useState<PreviewKind | undefined>();
  const [hexRows, setHexRows] = useState(HEX_ROWS_SHOWN);

  useEffect(() => {
    let live = true;
    setLoaded(undefined);
    setError(undefined);
    setChosen(undefined);
    setHexRows(HEX_ROWS_SHOWN);
    actions
      .loadContent(nodeId, 0, PIECE)
      .then((first) => live && setLoaded({ nodeId, first, bytes: first.bytes }))
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [nodeId, actions]);

  const more = async (upTo: number) => {
    if (!loaded || busy) return;
    setBusy(true);
    try {
      let bytes = loaded.bytes;
      while (bytes.length < Math.min(upTo, loaded.first.size)) {
        const next = await actions.loadContent(nodeId, bytes.length, Math.min(1 << 20, upTo - bytes.length));
        if (next.error || next.bytes.length === 0) {
          setError(next.error ?? 'no more data');
          break;
        }
        bytes = concat(bytes, next.bytes);
      }
      setLoaded({ ...loaded, bytes });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  if (error && !loaded) return <Section><div className="error-box" role="alert">{error}</div></Section>;
  if (!loaded || loaded.nodeId !== nodeId) return <Section><div className="dim small pad">Loading content…</div></Section>;
  const { first, bytes } = loaded;
  const detected = previewKind(bytes.subarray(0, PIECE));
  const kind = chosen ?? detected;
  const all = bytes.length >= first.size;
  const image = imageType(bytes);

  return (
    <Section>
      <div className="small" data-testid="content-origin">
        <span className="dim">from </span>
        {first.origin.text}
      </div>
      {first.error ? <div className="error-box" role="alert" data-testid="content-error">{first.error}</div> : null}
      <Extents extents={first.extents} error={first.extentsError} />
      {first.size > 0 && !first.error ? (
        <>
          <div className="preview-tabs" role="group" aria-label="Show content as">
            {(['text', 'hex', ...(image ? (['image'] as const) : [])] as PreviewKind[]).map((k) => (
              <button key={k} className={`btn small${k === kind ? ' active' : ''}`} aria-pressed={k === kind} onClick={() => setChosen(k)}>
                {k}
              </button>
            ))}
            <span className="dim small">
              {sizeText(bytes.length)} of {sizeText(first.size)} loaded
            </span>
            {!all ? (
              <button className="btn small" disabled={busy} onClick={() => void more(bytes.length + PIECE * 4)}>
                Load more
              </button>
            ) : null}
          </div>
          {kind === 'text' ? <TextView bytes={bytes} /> : null}
          {kind === 'hex' ? <HexDump bytes={bytes} rows={hexRows} onMore={() => setHexRows(hexRows * 4)} /> : null}
          {kind === 'image' && image ? (
            all ? (
              <img className="preview-image" data-testid="content-image" alt={`preview (${image})`} src={`data:${image};base64,${base64(bytes)}`} />
            ) : first.size <= IMAGE_MAX ? (
              <button className="btn small" disabled={busy} onClick={() => void more(first.size)}>
                Load the whole image ({sizeText(first.size)})
              </button>
            ) : (
              <div className="dim small">Too big to preview as an image ({sizeText(first.size)}).</div>
            )
          ) : null}
        </>
      ) : null}
      {error ? <div className="error-box" role="alert">{error}</div> : null}
    </Section>
  );
}

function Section({ children }: { children: React.ReactNode }) {
  return (
    <div className="content-preview" data-testid="content-preview">
      <div className="section-head">
        <h3>Content</h3>
      </div>
      {children}
    </div>
  );
}

function Extents({ extents, error }: { extents?: ContentExtent[]; error?: string }) {
  const actions = useActions();
  if (error) return <div className="dim small">extents: {error}</div>;
  if (!extents || extents.length === 0) return null;
  return (
    <div className="ranges" data-testid="content-extents">
      {extents.map((e, i) =>
        e.offset !== undefined ? (
          <button key={i} className="range-chip" onClick={() => actions.focusHex(e.offset!, e.imageLength ?? e.length)} title={`file bytes ${e.fileOffset}..${e.fileOffset + e.length}`}>
            {e.label} <span className="dim mono">{`${e.fileOffset}+${e.length} @ ${hex(e.offset)}+${e.imageLength ?? e.length}`}</span>
          </button>
        ) : (
          <span key={i} className="range-chip static">
            {e.label} <span className="dim mono">{`${e.fileOffset}+${e.length}${e.note ? ` ${e.note}` : ''}`}</span>
          </span>
        ),
      )}
    </div>
  );
}

function TextView({ bytes }: { bytes: Uint8Array }) {
  const lines = textLines(bytes);
  const shown = lines.slice(0, TEXT_LINES_SHOWN);
  return (
    <div className="text-preview mono" data-testid="content-text" tabIndex={0} role="region" aria-label="File content as text">
      {shown.map((segs, i) => (
        <div key={i} className="text-line">
          <span className="line-no" aria-hidden="true">{i + 1}</span>
          <span className="line-text">
            {segs.map((s, k) => (s.escaped ? <span key={k} className="esc">{s.text}</span> : s.text))}
          </span>
        </div>
      ))}
      {lines.length > shown.length ? <div className="dim small">… {lines.length - shown.length} more lines loaded</div> : null}
    </div>
  );
}

function HexDump({ bytes, rows, onMore }: { bytes: Uint8Array; rows: number; onMore: () => void }) {
  const n = Math.min(rows, Math.ceil(bytes.length / 16));
  const out: string[] = [];
  for (let r = 0; r < n; r++) {
    const row = bytes.subarray(r * 16, r * 16 + 16);
    const h = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const a = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`${(r * 16).toString(16).padStart(8, '0')}  ${h.padEnd(47)}  ${a}`);
  }
  return (
    <div className="hex-preview" data-testid="content-hex" tabIndex={0} role="region" aria-label="File content as hex">
      <pre className="mono">{out.join('\n')}</pre>
      {n * 16 < bytes.length ? (
        <button className="btn small" onClick={onMore}>
          Show more rows
        </button>
      ) : null}
    </div>
  );
}

function base64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(s);
}
