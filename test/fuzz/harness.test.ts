/** The fuzz harness itself: a case that never answers is a hang, a worker that dies is a crash, and the run goes on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../helpers/corpus.ts';
import { runFuzz } from './harness.ts';

test('a hanging case is cut off by the watchdog and a dying worker is a crash; the other cases still run', { skip: corpusSkip, timeout: 120_000 }, async () => {
  process.env.CFS_FUZZ_SELFTEST_HANG = '2';
  process.env.CFS_FUZZ_SELFTEST_DIE = '5';
  try {
    const s = await runFuzz({ seed: 1, cases: 8, workers: 1, hangMs: 2000 });
    assert.deepEqual(s.hangs.map((f) => f.index), [2]);
    assert.deepEqual(s.crashes.map((f) => f.index), [5]);
    assert.match(s.crashes[0]!.detail, /exited with code 3/);
    assert.equal(s.cases, 8);
    assert.equal(s.outcomes.findings + s.outcomes.unreadable + s.outcomes.same + s.outcomes.changed, 6);
  } finally {
    delete process.env.CFS_FUZZ_SELFTEST_HANG;
    delete process.env.CFS_FUZZ_SELFTEST_DIE;
  }
});
