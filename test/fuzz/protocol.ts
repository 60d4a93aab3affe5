/** Messages between the fuzz harness and its worker threads. */
import type { CaseResult } from './oracle.ts';

export type ToWorker = { seed: number; from: number; to: number };

export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'case'; index: number; image: string; ops: string[]; ms: number } & CaseResult)
  | { type: 'batch-done' };
