/**
 * The image's raw bytes, 16 per row, virtualized (a 50 MiB image is 3 million rows). The selected
 * node's structures are tinted, root-cause bytes are marked red and the regions they spoil amber,
 * and the focused range is outlined. Above: the block map of the whole file; below: the structure
 * and field of the byte pointed at.
 * Bytes arrive in 4 KiB blocks and are kept per image while the view lives.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { ByteRange } from '../../shared/model.ts';
import { getApi } from '../api.ts';
import { useActive, useActions } from '../hooks.ts';
import { useVirtualRows } from '../virtual.ts';
import { hex } from '../format.ts';
import { layoutStore } from '../layout-view.ts';
import { BlockMap } from './BlockMap.tsx';
import { cArray } from '../copy-slice.ts';
import { StructurePanel } from './StructurePanel.tsx';

const ROW_HEIGHT = 18;
const BYTES_PER_ROW = 16;
const BLOCK = 4096;
const MAX_BLOCKS = 512;
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const NO_RANGES: ByteRange[] = [];

interface Mark {
  start: number;
  end: number;
  cls: string;
}

/** The focused range can be copied up to this size: a clipboard of C source beyond it helps nobody. */
const COPY_MAX = 64 * 1024;

/** Copies the focused bytes as hex digits or as a C array initialiser. */
function CopyRange({ imageId, offset, length }: { imageId: string; offset: number; length: number }) {
  const actions = useActions();
  const copy = async (as: 'hex' | 'c') => {
    const bytes = await getApi().bytes(imageId, offset, length);
    const text = Array.from(bytes, (b) => HEX2[b]).join('');
    await actions.copyText(as === 'hex' ? 'bytes as hex' : 'bytes as a C array', as === 'hex' ? text : cArray(text, `bytes_${offset.toString(16)}`));
  };
  return (
    <span className="copy-range">
      <button className="btn small" onClick={() => void copy('hex')} title={`Copy the ${length} focused bytes as hex`}>
        Copy hex
      </button>
      <button className="btn small" onClick={() => void copy('c')} title={`Copy the ${length} focused bytes as a C array`}>
        Copy as C
      </button>
    </span>
  );
}

export function HexView() {
  const imageId = useActive((v) => v.summary.imageId);
  const size = useActive((v) => v.summary.info.size) ?? 0;
  const focus = useActive((v) => v.hex);
  const actions = useActions();
  const [goto, setGoto] = useState('');

  const focusLabel =
    focus && focus.length > 0 ? `${hex(focus.offset)} – ${hex(focus.offset + focus.length - 1)} (${focus.length} B)` : '';

  return (
    <section className="hex-pane" aria-label="Hex view">
      <div className="pane-head">
        <h3>Image bytes</h3>
        <span className="dim small mono" data-testid="hex-focus">{focusLabel}</span>
        {imageId && focus && focus.length > 0 && focus.length <= COPY_MAX ? <CopyRange imageId={imageId} offset={focus.offset} length={focus.length} /> : null}
        <span className="legend small">
          <span className="swatch hb-node" /> node
          <span className="swatch hb-bad" /> root cause
          <span className="swatch hb-region" /> affected
        </span>
        <form
          className="goto"
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(goto.trim().startsWith('0x') ? goto.trim() : '0x' + goto.trim());
            if (Number.isFinite(n) && n >= 0 && n < size) {
              actions.focusHex(n, 1);
              if (imageId) void layoutStore.getState().inspect(imageId, n, 'goto');
            }
          }}
        >
          <input
            className="mono"
            placeholder="go to offset (hex)"
            aria-label="Go to offset"
            value={goto}
            onChange={(e) => setGoto(e.target.value)}
          />
        </form>
      </div>
      <BlockMap />
      <div className="hex-body">
        <HexRows imageId={imageId} size={size} />
        <StructurePanel />
      </div>
    </section>
  );
}

/**
 * The scrolling rows. Scroll position lives here, not in HexView: a scroll re-renders only the rows
 * in view, never the block map, the structure panel or the pane head beside them.
 */
const HexRows = memo(function HexRows({ imageId, size }: { imageId: string | undefined; size: number }) {
  const focus = useActive((v) => v.hex);
  const nodeRanges = useActive((v) => v.details?.ranges) ?? NO_RANGES;
  const check = useActive((v) => v.check);
  const scrollRef = useRef<HTMLDivElement>(null);
  const totalRows = Math.ceil(size / BYTES_PER_ROW);
  const win = useVirtualRows(scrollRef, totalRows, ROW_HEIGHT);
  const [blocks, setBlocks] = useState(() => new Map<number, Uint8Array>());
  const [loadError, setLoadError] = useState<string>();
  const pending = useRef(new Set<number>());
  /** Names the structure and field of the byte under the pointer (cells carry their offset). */
  const pointAt = (target: EventTarget, via: 'hover' | 'click') => {
    const off = (target as HTMLElement).dataset?.off;
    if (!imageId || off === undefined) return;
    void layoutStore.getState().inspect(imageId, Number(off), via);
  };

  // A different image starts with an empty cache.
  useEffect(() => {
    setBlocks(new Map());
    pending.current.clear();
    setLoadError(undefined);
  }, [imageId]);

  useEffect(() => {
    if (focus && focus.length >= 0) win.reveal(Math.floor(focus.offset / BYTES_PER_ROW), 'center');
    // Only a new focus request moves the view; scrolling by hand must not snap back.
  }, [focus?.seq]);

  const firstByte = win.first * BYTES_PER_ROW;
  const lastByte = Math.min(size, (win.first + win.count) * BYTES_PER_ROW);
  useEffect(() => {
    if (!imageId || lastByte <= firstByte) return;
    for (let b = Math.floor(firstByte / BLOCK); b * BLOCK < lastByte; b++) {
      if (blocks.has(b) || pending.current.has(b)) continue;
      pending.current.add(b);
      const off = b * BLOCK;
      getApi()
        .bytes(imageId, off, Math.min(BLOCK, size - off))
        .then((data) => {
          setBlocks((prev) => {
            const next = new Map(prev);
            if (next.size >= MAX_BLOCKS) next.delete(next.keys().next().value as number);
            next.set(b, data);
            return next;
          });
        })
        .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)))
        .finally(() => pending.current.delete(b));
    }
  }, [imageId, firstByte, lastByte, size, blocks]);

  // Root findings mark the bad field's own bytes; the region a root spoils and the knock-on
  // findings inside it are marked apart, so the few changed bytes stand out from what they broke.
  const marks = useMemo(() => {
    const m: Mark[] = [];
    for (const f of check?.findings ?? []) {
      if (f.region) m.push({ start: f.region.offset, end: f.region.offset + f.region.length, cls: 'hb-region' });
      if (f.length > 0) m.push({ start: f.offset, end: f.offset + f.length, cls: f.cause ? 'hb-region' : 'hb-bad' });
    }
    for (const r of nodeRanges) m.push({ start: r.offset, end: r.offset + r.length, cls: 'hb-node' });
    return m;
  }, [check, nodeRanges]);

  const visibleMarks = marks.filter((m) => m.end > firstByte && m.start < lastByte);
  const focusStart = focus?.offset ?? -1;
  const focusEnd = focus ? focus.offset + Math.max(1, focus.length) : -1;
  const classOf = (off: number): string => {
    let cls = '';
    for (const m of visibleMarks) if (off >= m.start && off < m.end && !cls.includes(m.cls)) cls += ' ' + m.cls;
    if (off >= focusStart && off < focusEnd) cls += ' hb-focus';
    return cls;
  };
  const byteAt = (off: number): number | undefined => blocks.get(Math.floor(off / BLOCK))?.[off % BLOCK];

  const rows = [];
  for (let k = 0; k < win.count; k++) {
    const row = win.first + k;
    const base = row * BYTES_PER_ROW;
    const cells = [];
    const text = [];
    for (let j = 0; j < BYTES_PER_ROW; j++) {
      const off = base + j;
      if (off >= size) break;
      const b = byteAt(off);
      const cls = classOf(off);
      cells.push(
        <span key={j} className={`hb${cls}${j === 8 ? ' gap' : ''}`} data-off={off}>
          {b === undefined ? '··' : HEX2[b]}
        </span>,
      );
      text.push(
        <span key={j} className={`ha${cls}`}>
          {b === undefined ? ' ' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'}
        </span>,
      );
    }
    rows.push(
      <div key={row} className="hex-row">
        <span className="hex-off">{base.toString(16).padStart(8, '0')}</span>
        <span className="hex-bytes">{cells}</span>
        <span className="hex-ascii">{text}</span>
      </div>,
    );
  }

  return (
    <div className="hex-rows">
      {loadError ? <div className="error-box small">{loadError}</div> : null}
      <div
        ref={scrollRef}
        className="hex-scroll mono"
        tabIndex={0}
        data-testid="hex-scroll"
        onMouseOver={(e) => pointAt(e.target, 'hover')}
        onClick={(e) => pointAt(e.target, 'click')}
      >
        <div style={{ height: win.height, position: 'relative' }}>
          <div style={{ position: 'absolute', top: win.top, left: 0, right: 0 }}>{rows}</div>
        </div>
      </div>
    </div>
  );
});
