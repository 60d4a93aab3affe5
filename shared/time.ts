/**
 * The one human-readable form of a timestamp in text output (diff, info, check): seconds, a dot,
 * and nanoseconds padded to 9 digits, so `1.5` and `1.000000005` never look alike. Only `dump`
 * prints composefs-info's unpadded form, because it must match that tool byte for byte.
 */
const NSEC_PAD = '000000000';

export function formatTimestamp(sec: number, nsec: number): string {
  const ns = String(nsec);
  // join builds one flat string; concatenation would keep a tree of pieces alive with every change.
  return [sec, '.', NSEC_PAD.slice(ns.length), ns].join('');
}

/** The nanoseconds of a timestamp as formatTimestamp prints them. */
export const paddedNsec = (nsec: number): string => String(nsec).padStart(9, '0');
