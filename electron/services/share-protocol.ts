/** Messages between the share runner and its worker threads. */
import type { ImageUnits } from '../../shared/share/units.ts';
import type { SkippedFile } from './share-source.ts';

export interface ShareJob {
  type: 'job';
  image: string;
  stores: string[];
  blockSize: number;
}

export type ShareWorkerReply =
  | { type: 'progress'; bytes: number; total: number }
  | { type: 'done'; units: ImageUnits; skipped: SkippedFile[]; bytes: number; total: number }
  | { type: 'error'; message: string; code: string };
