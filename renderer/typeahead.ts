/**
 * Type-ahead in the tree: typed characters gather into a prefix, and the selection jumps to the next
 * visible row whose name starts with it (ignoring case), wrapping at the end. Typing the same
 * character again moves on to the next row starting with it, as file managers do.
 */

/** Keys typed within this many milliseconds of each other extend the prefix; a pause starts a new one. */
export const TYPE_AHEAD_PAUSE_MS = 800;

export interface TypeAhead {
  prefix: string;
  at: number;
}

/** The prefix after one more key: extended within the pause, otherwise just the key. */
export function nextPrefix(state: TypeAhead | undefined, key: string, now: number): TypeAhead {
  if (state && now - state.at < TYPE_AHEAD_PAUSE_MS) return { prefix: state.prefix + key, at: now };
  return { prefix: key, at: now };
}

/**
 * Index of the row to select, or -1. A one-character prefix (or a run of the same character) looks
 * from the row after `current`; a longer one also accepts `current` itself, so "ab" after "a"
 * stays put when the current name fits.
 */
export function typeAheadTarget(count: number, nameAt: (i: number) => string | undefined, current: number, prefix: string): number {
  if (count === 0 || prefix === '') return -1;
  const repeated = [...prefix].every((c) => c === prefix[0]);
  const wanted = (repeated ? prefix[0]! : prefix).toLowerCase();
  const start = repeated || current < 0 ? current + 1 : current;
  for (let k = 0; k < count; k++) {
    const i = (((start + k) % count) + count) % count;
    const name = nameAt(i);
    if (name !== undefined && name.toLowerCase().startsWith(wanted)) return i;
  }
  return -1;
}
