/** Messages between the verity pool (pool.ts) and its worker threads (worker.ts). */

export type WorkItem =
  /** fs-verity digest of a whole file. */
  | { op: 'file'; path: string; noFollow?: boolean }
  /** Leaf hashes of a block-aligned segment of a large file. */
  | { op: 'leaves'; path: string; offset: number; length: number; noFollow?: boolean };

/** Small items travel in batches so a thread is not idle waiting for one message per tiny file. */
export interface WorkJob {
  id: number;
  items: WorkItem[];
}

export type ItemResult =
  | { ok: true; size: number; digest?: Uint8Array; hashes?: Uint8Array }
  | { ok: false; code: string; message: string };

export type WorkerReply =
  | { type: 'progress'; id: number; index: number; bytes: number }
  | { type: 'done'; id: number; results: ItemResult[] };

/** Sent on the control port, which the worker polls between chunks while it is busy. */
export interface CancelMessage {
  cancel: number;
  index: number;
}

/** Bytes a worker reads before it reports progress on a large item. */
export const PROGRESS_STEP = 8 << 20;
