/**
 * `npm start` without the Electron binary and without network: one paragraph saying what is
 * missing and how to provide it (ELECTRON_OVERRIDE_DIST_PATH, a mirror, an installed Electron),
 * exit 1, no stack trace. Nothing is built or downloaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../helpers/corpus.ts';

const tmp = mkdtempSync(join(tmpdir(), 'cfs-start-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const start = (env: Record<string, string>) =>
  spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')], { encoding: 'utf8', cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 });

function assertParagraph(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one paragraph, got:\n${stderr}`);
  assert.match(lines[0]!, /^npm start needs the Electron \d+\.\d+\.\d+ binary, and it is missing: /);
  for (const way of ['ELECTRON_OVERRIDE_DIST_PATH', 'ELECTRON_MIRROR', 'install it with network access', 'npm run demo']) assert.ok(lines[0]!.includes(way), way);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

test('ELECTRON_OVERRIDE_DIST_PATH pointing at a directory without Electron', () => {
  const r = start({ ELECTRON_OVERRIDE_DIST_PATH: tmp });
  assert.equal(r.status, 1);
  assertParagraph(r.stderr);
  assert.match(r.stderr, /ELECTRON_OVERRIDE_DIST_PATH is set, but .*electron does not exist/);
});

const installed = existsSync(join(REPO_ROOT, 'node_modules', 'electron', 'path.txt'));
test('no binary and no network: the download fails and the paragraph says why, without its stack', { skip: installed ? 'the Electron binary is installed here' : false }, () => {
  // Port 9 (discard) on the loopback refuses at once: the same failure as no network, without waiting.
  const r = start({ ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: join(tmp, 'cache'), ELECTRON_OVERRIDE_DIST_PATH: '' });
  assert.equal(r.status, 1);
  assertParagraph(r.stderr);
  assert.match(r.stderr, /it is not installed, and fetching it failed \(.*fetch failed.*\)/);
});
