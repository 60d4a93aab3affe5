/**
 * One progress line on stderr, for commands that can run for more than a second (check, dump,
 * diff, verify, extract). Shown only when stderr is a terminal, redrawn at most every 100 ms, and
 * erased before the command prints its result. Without NO_COLOR it erases with the terminal's
 * "erase line" code; with NO_COLOR set it uses no escape code at all (carriage return and spaces).
 *
 *   const progress = createProgress();
 *   await work({ onProgress: (n) => progress.update(() => `checking: ${n} inodes`) });
 *   progress.clear();
 */

export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** Defaults to process.stderr. */
  stream?: ProgressStream;
  /** Defaults to process.env (NO_COLOR). */
  env?: Record<string, string | undefined>;
  /** Least time between redraws. */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** False to stay quiet even on a terminal (dump while its own output goes to the same terminal). */
  wanted?: boolean;
}

export interface Progress {
  /** False when stderr is not a terminal: update and clear then do nothing. */
  readonly enabled: boolean;
  /** The line is built only when it is about to be drawn. `force` draws even within the interval. */
  update(line: string | (() => string), force?: boolean): void;
  /** Erases the line (if one is shown). */
  clear(): void;
}

/** Does the environment ask for no colour or terminal codes (https://no-color.org: set and not empty)? */
export const noColor = (env: Record<string, string | undefined> = process.env): boolean => Boolean(env.NO_COLOR);

/** May text written to this stream carry ANSI codes? Only a terminal, and only without NO_COLOR. */
export const ansiAllowed = (stream: ProgressStream, env: Record<string, string | undefined> = process.env): boolean =>
  Boolean(stream.isTTY) && !noColor(env);

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? Date.now;
  const enabled = Boolean(stream.isTTY) && options.wanted !== false;
  const plain = noColor(env);
  let shown = 0; // characters on screen, 0 when nothing is
  let last = -Infinity;
  const erase = (): string => (shown === 0 ? '' : plain ? `\r${' '.repeat(shown)}\r` : '\r\x1b[K');
  return {
    enabled,
    update(line, force = false) {
      if (!enabled) return;
      const t = now();
      if (!force && t - last < interval) return;
      last = t;
      const text = typeof line === 'function' ? line() : line;
      stream.write(plain ? `${erase()}${text}` : `\r\x1b[K${text}`);
      shown = text.length;
    },
    clear() {
      if (!enabled || shown === 0) return;
      stream.write(erase());
      shown = 0;
    },
  };
}
