/**
 * Bounded structure-aware fuzz run for CI: crafted images of the hostile classes of issue 11
 * (repeated directory blocks, xattr counts around the budget, pax floods, sparse chunk maps) with
 * randomised sizes. No crash, no hang under the watchdog, no clean verdict on an image a reader
 * refuses. Long runs: `npm run fuzz -- --structured --cases N --seed S`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../helpers/corpus.ts';
import { formatSummary, runFuzz } from './harness.ts';
import { STRUCTURED_CLASSES } from './structured.ts';

const CASES = 32;

test(`${CASES} crafted images of the hostile classes: no crash, no hang, no missed refusal`, { skip: corpusSkip, timeout: 300_000 }, async () => {
  const s = await runFuzz({ seed: 20261204, cases: CASES, workers: 2, hangMs: 30_000, structured: true, timeSeconds: 120 });
  console.log(formatSummary(s));
  assert.deepEqual(s.crashes, [], 'crashes');
  assert.deepEqual(s.hangs, [], 'hangs');
  assert.deepEqual(s.misses, [], 'misses');
  assert.ok(s.cases >= STRUCTURED_CLASSES.length * 4, `ran ${s.cases} cases`);
  // Both sides of the budgets are met: some crafted images are refused or flagged, some read clean.
  assert.ok(s.outcomes.findings + s.outcomes.unreadable > 0 && s.outcomes.changed > 0, JSON.stringify(s.outcomes));
});
