/**
 * Runs fuzz cases on worker threads under a watchdog: a case that reports nothing for `hangMs` is
 * a hang (its worker is terminated and replaced, the run goes on); a worker that dies takes its
 * current case down as a crash. Used by the CI test (bounded) and by `npm run fuzz` (long runs).
 */
import { Worker } from 'node:worker_threads';
import { loadSeeds, makeCase } from './cases.ts';
import { makeStructuredCase } from './structured.ts';
import type { Outcome } from './oracle.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

export interface FuzzOptions {
  seed: number;
  /** Number of cases; unbounded when only a time budget is given. */
  cases?: number;
  /** Stop starting new cases after this many seconds. */
  timeSeconds?: number;
  /** Run only these case indexes (replaying a report). */
  only?: number[];
  workers?: number;
  /** A case silent for this long is a hang. */
  hangMs?: number;
  /** Called every `progressEvery` cases. */
  onProgress?: (done: number, s: FuzzSummary) => void;
  progressEvery?: number;
  /** Structure-aware cases of the attack classes (test/fuzz/structured.ts) instead of mutations. */
  structured?: boolean;
}

export interface Failure {
  index: number;
  image: string;
  ops: string[];
  detail: string;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  workers: number;
  elapsedMs: number;
  outcomes: Record<Outcome, number>;
  crashes: Failure[];
  hangs: Failure[];
  misses: Failure[];
  maxMs: number;
  maxCase?: { index: number; image: string };
  totalMs: number;
}

const BATCH = 25;

/** Worker entry through tsx: on Node 20 loader hooks are not active for a worker's entry module. */
function bootstrap(): string {
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((api) => api.register()).then(() => import(${entry}));`;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const seeds = await loadSeeds();
  const hangMs = options.hangMs ?? 10_000;
  const indexes = options.only;
  const total = indexes ? indexes.length : (options.cases ?? (options.timeSeconds ? Infinity : 1000));
  const deadline = options.timeSeconds ? Date.now() + options.timeSeconds * 1000 : Infinity;
  const workers = Math.max(1, Math.min(options.workers ?? 2, Number.isFinite(total) ? Math.ceil(total / BATCH) : 64));
  const start = Date.now();
  const s: FuzzSummary = {
    seed: options.seed,
    cases: 0,
    workers,
    elapsedMs: 0,
    outcomes: { unreadable: 0, findings: 0, same: 0, changed: 0, miss: 0, crash: 0 },
    crashes: [],
    hangs: [],
    misses: [],
    maxMs: 0,
    totalMs: 0,
  };
  const describeCase = (position: number, detail: string): Failure => {
    const c = options.structured ? makeStructuredCase(options.seed, indexOf(position)) : makeCase(seeds, options.seed, indexOf(position));
    return { index: c.index, image: c.image, ops: c.ops, detail };
  };
  const indexOf = (position: number) => (indexes ? indexes[position]! : position);
  let next = 0;
  const code = bootstrap();

  interface Slot {
    worker: Worker;
    /** Positions [at, to) of the current batch not yet reported. */
    at: number;
    to: number;
    last: number;
    busy: boolean;
    dead: boolean;
  }

  return new Promise((resolve, reject) => {
    const slots = new Set<Slot>();
    const finish = () => {
      if (slots.size > 0) return;
      clearInterval(watchdog);
      s.elapsedMs = Date.now() - start;
      resolve(s);
    };
    const retire = (slot: Slot) => {
      if (slot.dead) return false;
      slot.dead = true;
      slots.delete(slot);
      void slot.worker.terminate();
      return true;
    };
    /** The current case took its worker down or never answered: record it, go on with the rest. */
    const abandon = (slot: Slot, kind: 'crashes' | 'hangs', detail: string) => {
      const rest = { from: slot.at + 1, to: slot.to };
      if (!retire(slot)) return;
      s[kind].push(describeCase(slot.at, detail));
      s.cases++;
      if (kind === 'crashes') s.outcomes.crash++;
      spawn(rest);
    };

    const spawn = (pending?: { from: number; to: number }) => {
      // A runaway allocation kills the worker (reported as a crash), not the run.
      const worker = new Worker(code, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
      const slot: Slot = { worker, at: 0, to: 0, last: Date.now(), busy: false, dead: false };
      slots.add(slot);
      const dispatch = (batch?: { from: number; to: number }) => {
        let b = batch;
        if (!b || b.from >= b.to) {
          if (next >= total || Date.now() > deadline) {
            retire(slot);
            return finish();
          }
          b = { from: next, to: Math.min(total, next + BATCH) };
          next = b.to;
        }
        Object.assign(slot, { at: b.from, to: b.to, busy: true, last: Date.now() });
        // A replay sends one case per message; a run sends contiguous ranges.
        const structured = options.structured ?? false;
        if (indexes) for (let p = b.from; p < b.to; p++) worker.postMessage({ seed: options.seed, from: indexOf(p), to: indexOf(p) + 1, structured } satisfies ToWorker);
        else worker.postMessage({ seed: options.seed, from: b.from, to: b.to, structured } satisfies ToWorker);
      };
      worker.on('message', (m: FromWorker) => {
        slot.last = Date.now();
        if (m.type === 'ready') return dispatch(pending);
        if (m.type === 'batch-done') return slot.at >= slot.to ? dispatch() : undefined;
        s.cases++;
        s.outcomes[m.outcome]++;
        s.totalMs += m.ms;
        if (m.ms > s.maxMs) {
          s.maxMs = m.ms;
          s.maxCase = { index: m.index, image: m.image };
        }
        const failure = { index: m.index, image: m.image, ops: m.ops, detail: m.detail ?? '' };
        if (m.outcome === 'crash') s.crashes.push(failure);
        if (m.outcome === 'miss') s.misses.push(failure);
        slot.at++;
        if (options.onProgress && s.cases % (options.progressEvery ?? 500) === 0) options.onProgress(s.cases, s);
      });
      worker.on('error', (e) => {
        if (!slot.busy) {
          retire(slot);
          return reject(new Error(`fuzz worker failed to start: ${e.message}`));
        }
        abandon(slot, 'crashes', `worker died: ${e.stack ?? e.message}`);
      });
      worker.on('exit', (exitCode) => abandon(slot, 'crashes', `worker exited with code ${exitCode}`));
    };
    const watchdog = setInterval(() => {
      for (const slot of slots) {
        if (slot.busy && Date.now() - slot.last >= hangMs) abandon(slot, 'hangs', `no result after ${hangMs} ms`);
      }
    }, 250);
    for (let k = 0; k < workers; k++) spawn();
  });
}

export function formatSummary(s: FuzzSummary): string {
  const o = s.outcomes;
  const lines = [
    `fuzz: ${s.cases} cases (seed ${s.seed}) in ${(s.elapsedMs / 1000).toFixed(1)} s on ${s.workers} worker${s.workers === 1 ? '' : 's'}`,
    `  outcomes: ${o.findings} with findings, ${o.unreadable} unreadable, ${o.same} decoded to the same tree, ${o.changed} decoded to another valid tree`,
    `  crashes ${s.crashes.length}, hangs ${s.hangs.length}, misses ${s.misses.length}; max ${s.maxMs.toFixed(0)} ms per case` +
      (s.maxCase ? ` (#${s.maxCase.index} ${s.maxCase.image})` : '') +
      `, mean ${(s.totalMs / Math.max(1, s.cases - s.hangs.length)).toFixed(1)} ms`,
  ];
  for (const [what, list] of [['crash', s.crashes], ['hang', s.hangs], ['miss', s.misses]] as const) {
    for (const f of list.slice(0, 10)) {
      lines.push(`  ${what} #${f.index} ${f.image} [${f.ops.join(' ')}]: ${f.detail.split('\n').join('\n      ')}`);
      lines.push(`    replay: npm run fuzz -- --seed ${s.seed} --case ${f.index}`);
    }
  }
  return lines.join('\n');
}
