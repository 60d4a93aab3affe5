/** Folder roll-ups: counts reach every ancestor; infos and "no store chosen" are not problems. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollUp } from '../../renderer/rollup.ts';
import type { VerityResult } from '../../shared/api.ts';
import type { Finding } from '../../shared/model.ts';

const f = (path: string, severity: Finding['severity'] = 'error'): Finding => ({ code: 'x', severity, offset: 0, length: 1, message: '', path });
const v = (nodeId: number, path: string, status: VerityResult['status']): [number, VerityResult] => [nodeId, { nodeId, path, status }];

test('each finding and failed verification counts once for every folder above it', () => {
  const r = rollUp([f('/a/b/c'), f('/a/x'), f('/top', 'info')], new Map([v(1, '/a/b/obj', 'mismatch'), v(2, '/a/ok', 'verified'), v(3, '/a/none', 'no-store')]));
  assert.deepEqual(Object.fromEntries(r), {
    '/': { findings: 2, failed: 1 },
    '/a': { findings: 2, failed: 1 },
    '/a/b': { findings: 1, failed: 1 },
  });
});
