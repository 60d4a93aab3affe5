/**
 * repositoryHealth's digest pass: progress, cancel and the time budget, on repositories of
 * synthetic objects (names that are not their digests: every measured one is a name mismatch, so
 * the findings count exactly the objects measured). Cancelling is done from the progress callback,
 * the app's own signal, never after a wall-clock wait.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepository, repositoryHealth } from '../../../electron/services/repository.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const COUNT = 1100;

function syntheticRepository(hash: 'sha256' | 'sha512'): string {
  const root = mkdtempSync(join(tmpdir(), `cfs-repo-synth-${hash}-`));
  writeFileSync(join(root, 'meta.json'), JSON.stringify({ version: 1, algorithm: `fsverity-${hash}-12` }));
  const rnd = mulberry32(hash === 'sha256' ? 256 : 512);
  const hexLength = hash === 'sha256' ? 64 : 128;
  for (let i = 0; i < COUNT; i++) {
    const name = Array.from({ length: hexLength }, () => Math.floor(rnd() * 16).toString(16)).join('');
    mkdirSync(join(root, 'objects', name.slice(0, 2)), { recursive: true });
    writeFileSync(join(root, 'objects', name.slice(0, 2), name.slice(2)), `object ${i}\n`);
  }
  return root;
}

const mismatches = (h: { findings: { code: string }[] }) => h.findings.filter((f) => f.code === 'repo.object.name-mismatch').length;

for (const hash of ['sha256', 'sha512'] as const) {
  describe(`the ${hash} digest pass`, () => {
    let root: string;
    before(() => {
      root = syntheticRepository(hash);
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    test('measures every object, reporting progress up to the total', async () => {
      const repo = await openRepository(root);
      const progress: [number, number][] = [];
      const h = await repositoryHealth(repo, { onProgress: (d, t) => progress.push([d, t]) });
      assert.deepEqual([h.complete, h.objectsChecked, h.objectsTotal, mismatches(h)], [true, COUNT, COUNT, COUNT]);
      assert.ok(progress.length >= 2, `progress reported ${progress.length} times`);
      assert.deepEqual(progress.at(-1), [COUNT, COUNT]);
      assert.ok(progress.every(([d, t], i) => t === COUNT && (i === 0 || d >= progress[i - 1]![0])), JSON.stringify(progress));
    });

    test('a cancel from the first progress report stops the pass there: incomplete, and only measured objects judged', async () => {
      const repo = await openRepository(root);
      const abort = new AbortController();
      let firstReport = -1;
      const h = await repositoryHealth(repo, {
        signal: abort.signal,
        onProgress: (d) => {
          if (firstReport < 0) firstReport = d;
          abort.abort();
        },
      });
      assert.equal(h.complete, false);
      assert.ok(firstReport > 0 && firstReport < COUNT, `first report at ${firstReport}`);
      assert.equal(h.objectsChecked, firstReport);
      assert.equal(mismatches(h), firstReport);
      // The other rules still ran over every object: none is referenced, so all are orphans.
      assert.equal(h.findings.filter((f) => f.code === 'repo.object.orphan').length, COUNT);
    });

    test('a cancel before the start, and a time budget of 0, measure nothing', async () => {
      const repo = await openRepository(root);
      const abort = new AbortController();
      abort.abort();
      const cancelled = await repositoryHealth(repo, { signal: abort.signal });
      assert.deepEqual([cancelled.complete, cancelled.objectsChecked, mismatches(cancelled)], [false, 0, 0]);
      const budget = await repositoryHealth(repo, { budgetMs: 0 });
      assert.deepEqual([budget.complete, budget.objectsChecked, mismatches(budget)], [false, 0, 0]);
    });
  });
}
