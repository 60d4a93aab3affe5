/**
 * `npm run cli` and the installed `cfs-inspect` run the bundle when it is current (no source it is
 * built from is newer), else the TypeScript source: fast when built, never stale when edited.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { bundleIsCurrent } from '../../bin/cfs-inspect.mjs';
import { REPO_ROOT } from '../helpers/corpus.ts';

const current = bundleIsCurrent as (root: string) => boolean;
const root = mkdtempSync(join(tmpdir(), 'cfs-entry-'));
after(() => rmSync(root, { recursive: true, force: true }));

const touch = (rel: string, seconds: number) => {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '');
  utimesSync(p, seconds, seconds);
};

test('npm run cli goes through the entry that picks the bundle', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
  assert.equal(pkg.scripts.cli, 'node bin/cfs-inspect.mjs');
  assert.equal(pkg.bin['cfs-inspect'], 'bin/cfs-inspect.mjs');
});

test('no bundle: the source; a bundle newer than every source: the bundle; an edited source: the source again', () => {
  touch('package.json', 1000);
  touch('electron/cli/main.ts', 1000);
  touch('shared/erofs/reader.ts', 1000);
  assert.equal(current(root), false);
  touch('dist/cli.mjs', 2000);
  assert.equal(current(root), true);
  touch('shared/erofs/reader.ts', 3000);
  assert.equal(current(root), false);
  touch('dist/cli.mjs', 3000);
  assert.equal(current(root), true, 'same time (as npm gives every file of an installed package) counts as current');
  touch('package.json', 4000);
  assert.equal(current(root), false);
});
