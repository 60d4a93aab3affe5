/** `npm test` ends with one plain line `N passed, N failed`, after node's own summary. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { summaryCounts } from '../../scripts/test.mjs';
import { REPO_ROOT } from '../helpers/corpus.ts';

test('the last line counts the run; node summary stays above it', () => {
  // NODE_TEST_CONTEXT would make the inner runner think it is nested in this one and skip its files.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/test.mjs'), 'test/shared/time.test.ts'], { encoding: 'utf8', cwd: REPO_ROOT, env: { ...env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), '2 passed, 0 failed');
  assert.ok(lines.includes('ℹ pass 2'));
});

test('summary counts are read with or without colour; cancelled tests count as failed', () => {
  const { summaryCounts: counts } = { summaryCounts } as { summaryCounts: (s: string) => { passed: number; failed: number } | undefined };
  assert.deepEqual(counts('ℹ tests 5\nℹ pass 3\nℹ fail 1\nℹ cancelled 1\n'), { passed: 3, failed: 2 });
  assert.deepEqual(counts('\x1b[34mℹ pass 7\x1b[39m\n\x1b[34mℹ fail 0\x1b[39m\n'), { passed: 7, failed: 0 });
  assert.equal(counts('no summary here'), undefined);
});
