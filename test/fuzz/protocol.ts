/** Messages between the fuzz harness and its worker threads. */
import type { CaseResult } from './oracle.ts';

/** `structured`: the cases come from test/fuzz/structured.ts instead of mutated corpus images. */
export type ToWorker = { seed: number; from: number; to: number; structured?: boolean };

export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'case'; index: number; image: string; ops: string[]; ms: number } & CaseResult)
  | { type: 'batch-done' };
