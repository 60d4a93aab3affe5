/**
 * Bounded fuzz run for CI: a few thousand mutated corpus images (flipped bits, zeroed runs,
 * boundary values, truncations, splices). Every case must finish under the watchdog, nothing may
 * throw except DecodeError from a reader, and an image the check calls clean must decode in full.
 * Long runs: `npm run fuzz -- --cases N --seed S --time SECONDS`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusSkip } from '../helpers/corpus.ts';
import { formatSummary, runFuzz } from './harness.ts';

const CASES = 2500;
/** On a busy shared machine the run stops starting cases after this long rather than overrun CI. */
const BUDGET_SECONDS = 50;

test(`${CASES} mutated corpus images: no crash, no hang, no clean verdict on an image that fails to decode`, { skip: corpusSkip, timeout: 120_000 }, async () => {
  const s = await runFuzz({ seed: 20240601, cases: CASES, timeSeconds: BUDGET_SECONDS, workers: 2, hangMs: 10_000 });
  console.log(formatSummary(s));
  assert.deepEqual(s.crashes, [], 'crashes');
  assert.deepEqual(s.hangs, [], 'hangs');
  assert.deepEqual(s.misses, [], 'misses');
  // Even on a machine busy enough to hit the time budget, the harness must have got well going.
  assert.ok(s.cases >= 300, `ran ${s.cases} cases`);
  // The mutations reach the rules: most cases are caught, some decode unchanged.
  assert.ok(s.outcomes.findings > s.cases / 4, `findings in ${s.outcomes.findings} of ${s.cases}`);
  assert.ok(s.outcomes.same > 0);
});
