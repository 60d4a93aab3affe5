#!/usr/bin/env node
// npm run bench: runs every scripts/bench/*.ts in order, each in its own process so their memory
// figures do not mix. Benchmarks print figures; they never fail on time.
// `npm run bench -- dump verity` runs only the matching ones; options (`--quick`, `--only=...`) go to
// each benchmark. `--quick` (for CI) runs only the goals benchmark, on smaller inputs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = new URL('./bench/', import.meta.url).pathname;
const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('--'));
const filters = args.filter((a) => !a.startsWith('--'));
if (options.includes('--quick') && filters.length === 0) filters.push('goals');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f.replace(/\.ts$/, '')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f), ...options], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
