/**
 * A service host: one worker thread running the inspector over the format core for one image (or
 * one diff), so that parsing, check, verify and diff never run in the Electron main process. A
 * hostile image can then exhaust this thread's time or memory ceiling, and the main process
 * (electron/services/isolated.ts) stops it and tells the image's tab; other images keep answering.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createInspector, type InspectorOptions } from './inspector.ts';
import { HOST_METHODS, type HostMessage, type HostRequest } from './host-protocol.ts';

const port = parentPort!;
const inspector = createInspector((workerData as { options?: InspectorOptions } | undefined)?.options ?? {});
const send = (m: HostMessage) => port.postMessage(m);

inspector.onVerifyProgress((value) => send({ kind: 'verifyProgress', value }));
inspector.onVerifyDone((value) => send({ kind: 'verifyDone', value }));
inspector.onCheckProgress((value) => send({ kind: 'checkProgress', value }));

port.on('message', async (req: HostRequest) => {
  try {
    if (!(HOST_METHODS as readonly string[]).includes(req.method)) throw new Error(`unknown service method ${req.method}`);
    const f = inspector[req.method] as (...a: unknown[]) => Promise<unknown>;
    send({ kind: 'answer', id: req.id, ok: true, value: await f(...req.args) });
  } catch (e) {
    const code = (e as { code?: unknown })?.code;
    send({ kind: 'answer', id: req.id, ok: false, message: (e as Error)?.message ?? String(e), ...(typeof code === 'string' ? { code } : {}) });
  }
});
send({ kind: 'ready' });
