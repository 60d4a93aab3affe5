/** Lookups over sorted start offsets (segments of a stream laid end to end). */

/** Index of the last start at or before `offset` in `starts` (ascending), searching from `first`. */
export function segmentAt(starts: readonly number[], offset: number, first = 0): number {
  let lo = first;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
