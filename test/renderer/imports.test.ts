/** The renderer's modules import each other without cycles (paths.ts is the leaf the tree and the diff overlay share). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/corpus.ts';

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? modules(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );
}

/**
 * Relative imports of a module. Type-only imports count too, with one exception: a zustand slice
 * may name the whole store's state type (`import type { AppState } from './store.ts'`), which the
 * store in turn composes from the slices; that edge carries no code and no module order.
 */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^(import type|import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)]
    .filter((m) => !(m[1] === 'import type' && m[2] === './store.ts' && /-slice\.ts$/.test(file)))
    .map((m) => resolve(dirname(file), m[2]!));

test('no import cycle among the renderer modules', () => {
  const files = modules(join(REPO_ROOT, 'renderer'));
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, stack: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...stack.slice(stack.indexOf(f)), f].map((x) => x.slice(REPO_ROOT.length + 1)).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f)!) visit(t, [...stack, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
