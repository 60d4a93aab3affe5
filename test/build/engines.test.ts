/**
 * package.json's engines are true: "node" is the highest floor of what the CLI and the tests run
 * on (runtime dependencies, tsx, esbuild, typescript, playwright-core), so Node 20 is enough for
 * them; config.packagingNode is the highest floor of Electron and electron-builder's tools, which
 * `npm start` and `npm run dist` check before they start. (semver is electron-builder's, used here
 * only to read the ranges as npm does.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/corpus.ts';

const require = createRequire(import.meta.url);
const semver = require('semver') as { minVersion(r: string): { version: string } | null; satisfies(v: string, r: string): boolean; compare(a: string, b: string): number };

interface Pkg {
  name: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  config?: { packagingNode?: string };
}
const read = (dir: string): Pkg | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg;
  } catch {
    return undefined;
  }
};
const ours = read(REPO_ROOT)!;

/** The highest engines.node floor over packages reachable from `names` (hoisted node_modules). */
function highestFloor(names: string[]): { version: string; from: string } {
  const seen = new Set<string>();
  let best = { version: '0.0.0', from: '(none)' };
  const stack = [...names];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const p = read(join(REPO_ROOT, 'node_modules', name));
    if (!p) continue; // an optional dependency for another platform
    seen.add(name);
    const floor = p.engines?.node ? semver.minVersion(p.engines.node)?.version : undefined;
    if (floor && semver.compare(floor, best.version) > 0) best = { version: floor, from: `${name} (${p.engines!.node})` };
    stack.push(...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}));
  }
  return best;
}

test('engines.node is the floor the CLI and the tests need, and this Node meets it', () => {
  const need = highestFloor([...Object.keys(ours.dependencies ?? {}), 'tsx', 'esbuild', 'typescript', 'playwright-core']);
  assert.equal(ours.engines?.node, `>=${need.version}`, `set by ${need.from}`);
  assert.ok(semver.satisfies(process.versions.node, ours.engines!.node!));
  assert.equal(semver.minVersion(ours.engines!.node!)!.version.split('.')[0], '20', 'the CLI and tests run on Node 20');
});

test('config.packagingNode is the floor Electron and electron-builder declare', () => {
  const need = highestFloor(['electron', 'electron-builder']);
  assert.equal(ours.config?.packagingNode, `>=${need.version}`, `set by ${need.from}`);
});
