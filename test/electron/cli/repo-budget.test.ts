/**
 * `repo check --time-budget`: a budget that stops the digest pass early is exit 3 ("digests not all
 * measured") on an otherwise clean repository, while the structural rules (refs, missing objects)
 * still run in full. A budget of 0 measures nothing, deterministically, so no test here waits on
 * the clock. Repositories from test/helpers/repository.ts (mkcomposefs 1.0.8, fsverity digest).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { makeRepository, TOOLS, type TestRepository } from '../../helpers/repository.ts';

const noTools = existsSync(join(TOOLS, 'mkcomposefs')) ? false : `mkcomposefs 1.0.8 not found in ${TOOLS}`;

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'repo', ...args], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 1 << 26 });

describe('repo check --time-budget', { skip: noTools }, () => {
  let repo: TestRepository;
  before(() => {
    repo = makeRepository('sha512');
  });
  after(() => repo?.close());

  test('a budget that stops the digest pass on a clean repository exits 3 and says so', () => {
    const r = cli(repo.path, 'check', '--time-budget', '0');
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /: 0 of 12 object digests measured \(stopped early: time budget or cancel\); 0 errors, 0 warnings; 0 orphans/);
    const j = JSON.parse(cli(repo.path, 'check', '--time-budget', '0', '--json').stdout);
    assert.deepEqual([j.complete, j.objectsChecked, j.objectsTotal, j.findings], [false, 0, 12, []]);
  });

  test('the same repository without a budget measures every object and exits 0', () => {
    const r = cli(repo.path, 'check', '--time-budget', '600');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: 12 of 12 object digests measured; 0 errors/);
  });

  test('with the digest pass stopped, structural findings still count: a missing object is exit 1', () => {
    const damaged = mkdtempSync(join(tmpdir(), 'cfs-repo-budget-'));
    try {
      cpSync(repo.path, damaged, { recursive: true, verbatimSymlinks: true });
      const objects = cli(damaged, 'open', 'system/rootfs/v1', 'objects').stdout.trim().split('\n');
      unlinkSync(join(damaged, 'objects', objects[0]!));
      const r = cli(damaged, 'check', '--time-budget', '0');
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^error repo.object.missing objects/${objects[0]}: referenced by images/`, 'm'));
      assert.match(r.stdout, /: 0 of 11 object digests measured \(stopped early/);
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });

  test('a budget that is not a number of seconds is a usage error', () => {
    for (const bad of ['-1', 'soon', '']) {
      const r = cli(repo.path, 'check', '--time-budget', bad);
      assert.equal(r.status, 2, `--time-budget ${JSON.stringify(bad)}: ${r.stdout}`);
      assert.match(r.stderr, /--time-budget must be a number of seconds, 0 or more/);
    }
  });
});
