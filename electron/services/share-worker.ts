/**
 * A sharing-analysis worker thread: opens one image, lists its files (share-source.ts), cuts them
 * into units and posts the unit arrays back (transferred, not copied). One image per worker at a
 * time, so two images are chunked at once on two cores. Runs under tsx and from a bundle.
 */
import { parentPort } from 'node:worker_threads';
import { openImageFile } from './open-file.ts';
import { DecodeError, hex } from '../../shared/bytes/cursor.ts';
import { nodeUnitHasher, shareSource } from './share-source.ts';
import { extractUnits, SCHEMES } from '../../shared/share/units.ts';
import type { ShareJob, ShareWorkerReply } from './share-protocol.ts';

if (!parentPort) throw new Error('electron/services/share-worker.ts runs only as a worker thread');
const port = parentPort;
let abort = new AbortController();

async function run(job: ShareJob): Promise<void> {
  abort = new AbortController();
  const reader = await openImageFile(job.image);
  try {
    const src = await shareSource(reader, job.stores);
    const total = src.files.reduce((a, f) => a + f.size, 0);
    let pending = 0;
    const units = await extractUnits(src.files, nodeUnitHasher, {
      blockSize: job.blockSize,
      signal: abort.signal,
      onBytes: (n) => {
        pending += n;
        if (pending >= 8 << 20) {
          port.postMessage({ type: 'progress', bytes: pending, total } satisfies ShareWorkerReply);
          pending = 0;
        }
      },
    });
    const transfer = SCHEMES.flatMap((s) => {
      const l = units.units[s];
      return [l.hi.buffer, l.lo.buffer, l.length.buffer, l.attrUnit.buffer, l.attrFile.buffer, l.attrBytes.buffer] as ArrayBuffer[];
    });
    port.postMessage({ type: 'done', units, skipped: src.skipped, bytes: pending, total } satisfies ShareWorkerReply, transfer);
  } finally {
    await reader.close();
  }
}

port.on('message', (m: ShareJob | { type: 'cancel' }) => {
  if (m.type === 'cancel') {
    abort.abort(new Error('cancelled'));
    return;
  }
  run(m).catch((e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    // A DecodeError's class does not cross the thread boundary: its range goes into the message.
    const message = e instanceof DecodeError ? `${e.message} [${e.code} at ${hex(e.offset)}]` : err?.message ?? String(e);
    port.postMessage({ type: 'error', message, code: err?.code ?? err?.name ?? 'ERROR' } satisfies ShareWorkerReply);
  });
});
