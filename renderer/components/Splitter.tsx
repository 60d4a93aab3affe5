/**
 * The bar between the top panes (tree, details) and the bottom ones (findings, hex): drag it, or
 * focus it and use the arrow keys (Page keys for big steps, Home/End for the limits). A WAI-ARIA
 * window splitter: its value is the top panes' share of the height, in percent, kept in the store.
 */
import { useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { useActions, useApp } from '../hooks.ts';
import { TOP_SHARE_MAX, TOP_SHARE_MIN } from '../pane-slice.ts';

const STEP = 0.02;
const PAGE = 0.1;

export function Splitter() {
  const share = useApp((s) => s.topShare);
  const actions = useActions();
  // The pointer's offset from the bar's middle when the drag began, so the bar does not jump to it.
  const grab = useRef<number | undefined>(undefined);

  const shareAt = (bar: HTMLElement, clientY: number) => {
    const box = bar.parentElement!.getBoundingClientRect();
    const half = bar.offsetHeight / 2;
    return (clientY - (grab.current ?? 0) - box.top - half) / Math.max(1, box.height - bar.offsetHeight);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const to: Record<string, number> = {
      ArrowUp: share - STEP,
      ArrowDown: share + STEP,
      PageUp: share - PAGE,
      PageDown: share + PAGE,
      Home: TOP_SHARE_MIN,
      End: TOP_SHARE_MAX,
    };
    const next = to[e.key];
    if (next === undefined) return;
    e.preventDefault();
    actions.setTopShare(next);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const r = e.currentTarget.getBoundingClientRect();
    grab.current = e.clientY - (r.top + r.height / 2);
    e.currentTarget.setPointerCapture(e.pointerId);
    e.preventDefault(); // no text selection while dragging
    e.currentTarget.focus();
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (grab.current === undefined) return;
    actions.setTopShare(shareAt(e.currentTarget, e.clientY));
  };
  const endDrag = () => {
    grab.current = undefined;
  };

  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the top and bottom panes"
      aria-valuemin={Math.round(TOP_SHARE_MIN * 100)}
      aria-valuemax={Math.round(TOP_SHARE_MAX * 100)}
      aria-valuenow={Math.round(share * 100)}
      tabIndex={0}
      data-testid="pane-splitter"
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endDrag}
      onPointerCancel={endDrag}
      onLostPointerCapture={endDrag}
    />
  );
}
