/**
 * Windowed rendering for long lists (a 200,000-entry directory, a 50 MiB image's hex rows): only the
 * rows in view exist in the DOM. Past a few million pixels browsers stop honouring element heights,
 * so very long lists map a capped scroll range proportionally onto the rows.
 */
import { useCallback, useEffect, useLayoutEffect, useState, type RefObject } from 'react';

const MAX_SCROLL_PX = 8_000_000;

export interface VirtualWindow {
  /** First row to render and how many. */
  first: number;
  count: number;
  /** Pixel offset of the first rendered row inside the scroll content. */
  top: number;
  /** Height of the scroll content. */
  height: number;
  /** Rows that fit in the view. */
  perPage: number;
  /** Scrolls so that row i is visible; `align` says where when it must move. */
  reveal(i: number, align?: 'nearest' | 'start' | 'center'): void;
}

export function useVirtualRows(ref: RefObject<HTMLElement | null>, total: number, rowHeight: number): VirtualWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => setScrollTop(el.scrollTop);
    const ro = new ResizeObserver(() => setViewHeight(el.clientHeight));
    setViewHeight(el.clientHeight);
    el.addEventListener('scroll', onScroll, { passive: true });
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
    };
  }, [ref]);

  const natural = total * rowHeight;
  const height = Math.min(natural, MAX_SCROLL_PX);
  const scaled = natural > MAX_SCROLL_PX;
  const perPage = Math.max(1, Math.floor(viewHeight / rowHeight));
  const maxScroll = Math.max(0, height - viewHeight);
  const lastFirst = Math.max(0, total - viewHeight / rowHeight);

  let first: number;
  let top: number;
  if (!scaled) {
    first = Math.floor(scrollTop / rowHeight);
    top = first * rowHeight;
  } else {
    const exact = maxScroll > 0 ? (Math.min(scrollTop, maxScroll) / maxScroll) * lastFirst : 0;
    first = Math.floor(exact);
    top = scrollTop - (exact - first) * rowHeight;
  }
  first = Math.max(0, Math.min(first, Math.max(0, total - 1)));
  const count = Math.max(0, Math.min(total - first, Math.ceil(viewHeight / rowHeight) + 2));

  const reveal = useCallback(
    (i: number, align: 'nearest' | 'start' | 'center' = 'nearest') => {
      const el = ref.current;
      if (!el || i < 0 || i >= total) return;
      const vh = el.clientHeight;
      const rowsInView = vh / rowHeight;
      const currentFirst = scaled
        ? maxScroll > 0
          ? (el.scrollTop / maxScroll) * lastFirst
          : 0
        : el.scrollTop / rowHeight;
      let target: number;
      if (align === 'start') target = i;
      else if (align === 'center') target = i - rowsInView / 2 + 0.5;
      else if (i < currentFirst) target = i;
      else if (i + 1 > currentFirst + rowsInView) target = i + 1 - rowsInView;
      else return;
      target = Math.max(0, Math.min(target, lastFirst));
      el.scrollTop = scaled ? (lastFirst > 0 ? (target / lastFirst) * maxScroll : 0) : target * rowHeight;
      setScrollTop(el.scrollTop);
    },
    [ref, total, rowHeight, scaled, maxScroll, lastFirst],
  );

  // A list that shrank under the scroll position (collapse, filter) should not stay scrolled into nothing.
  useEffect(() => {
    const el = ref.current;
    if (el && el.scrollTop > maxScroll) {
      el.scrollTop = maxScroll;
      setScrollTop(el.scrollTop);
    }
  }, [ref, maxScroll]);

  return { first, count, top, height, perPage, reveal };
}
