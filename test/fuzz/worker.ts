/**
 * Fuzz worker thread: runs the cases it is sent, one after another, and reports each as it
 * finishes, so the main thread can tell a hang (no report for too long) from slow progress.
 */
import { parentPort } from 'node:worker_threads';
import { loadSeeds, makeCase } from './cases.ts';
import { dumpTree, runCase } from './oracle.ts';
import { makeStructuredCase } from './structured.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const port = parentPort!;
const seeds = await loadSeeds();
const baselines = new Map<string, string>();
for (const s of seeds) {
  const tree = await dumpTree(s.bytes);
  if (tree.crash || tree.rejected.length) throw new Error(`seed image ${s.name} does not decode cleanly: ${tree.crash ?? tree.rejected[0]}`);
  baselines.set(s.name, tree.text);
}
const send = (m: FromWorker) => port.postMessage(m);

/** Self-test hooks (harness.test.ts): make one case hang or kill the worker, to prove the watchdog. */
const hangAt = Number(process.env.CFS_FUZZ_SELFTEST_HANG ?? -1);
const dieAt = Number(process.env.CFS_FUZZ_SELFTEST_DIE ?? -1);

port.on('message', async (m: ToWorker) => {
  for (let i = m.from; i < m.to; i++) {
    if (i === hangAt) for (;;);
    if (i === dieAt) process.exit(3);
    const c = m.structured ? makeStructuredCase(m.seed, i) : makeCase(seeds, m.seed, i);
    const t0 = performance.now();
    // A crafted image has no original to compare with: a clean one counts as "changed".
    const r = await runCase(c.bytes, baselines.get(c.image) ?? '');
    send({ type: 'case', index: i, image: c.image, ops: c.ops, ms: performance.now() - t0, ...r });
  }
  send({ type: 'batch-done' });
});
send({ type: 'ready' });
