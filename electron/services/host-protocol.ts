/**
 * Messages between the main process and a service host (electron/services/host-worker.ts): a
 * request names one inspector method, the answer carries its value or the error's message and
 * code; the host also forwards verify events and check progress.
 */
import type { CheckProgress, VerifyProgress, VerifySummary } from '../../shared/api.ts';

/** The inspector methods a host answers (one image's session, or a diff of two paths). */
export const HOST_METHODS = ['openImage', 'closeImage', 'children', 'node', 'lookup', 'bytes', 'check', 'cancelCheck', 'setObjectStores', 'verify', 'cancelVerify', 'diff', 'search', 'layoutAt', 'blockMap', 'content'] as const;
export type HostMethod = (typeof HOST_METHODS)[number];

export interface HostRequest {
  id: number;
  method: HostMethod;
  args: unknown[];
}

export type HostMessage =
  | { kind: 'ready' }
  | { kind: 'answer'; id: number; ok: true; value: unknown }
  | { kind: 'answer'; id: number; ok: false; message: string; code?: string }
  | { kind: 'verifyProgress'; value: VerifyProgress }
  | { kind: 'verifyDone'; value: VerifySummary }
  | { kind: 'checkProgress'; value: CheckProgress };
