/**
 * Long fuzz runs: `npm run fuzz -- [--cases N] [--seed S] [--time SECONDS] [--workers K]
 * [--case I ...] [--structured]`; --structured runs the crafted attack-class cases of test/fuzz/structured.ts. Prints progress and the summary (cases, crashes, hangs, misses, maximum time
 * per case); exits 1 when any case crashed, hung or was missed. `--case` replays single cases.
 */
import { parseArgs } from 'node:util';
import { formatSummary, runFuzz } from './harness.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    seed: { type: 'string' },
    time: { type: 'string' },
    workers: { type: 'string' },
    case: { type: 'string', multiple: true },
    'hang-ms': { type: 'string' },
    structured: { type: 'boolean' },
  },
});

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`fuzz: --${name} needs a non-negative integer, not '${v}'`);
    process.exit(2);
  }
  return n;
};

const seed = num('seed', values.seed) ?? (Date.now() & 0x7fffffff);
const only = values.case?.map((c) => num('case', c)!);
const cases = num('cases', values.cases);
const time = num('time', values.time);
const summary = await runFuzz({
  seed,
  ...(only ? { only } : {}),
  ...(cases !== undefined ? { cases } : {}),
  ...(time !== undefined ? { timeSeconds: time } : {}),
  ...(cases === undefined && time === undefined && !only ? { cases: 10_000 } : {}),
  workers: num('workers', values.workers) ?? 2,
  ...(values.structured ? { structured: true } : {}),
  ...(values['hang-ms'] ? { hangMs: num('hang-ms', values['hang-ms'])! } : {}),
  onProgress: (done, s) => process.stderr.write(`fuzz: ${done} cases, ${s.crashes.length} crashes, ${s.hangs.length} hangs, ${s.misses.length} misses\n`),
  progressEvery: 1000,
});
console.log(formatSummary(summary));
process.exitCode = summary.crashes.length + summary.hangs.length + summary.misses.length > 0 ? 1 : 0;
