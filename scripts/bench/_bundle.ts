/**
 * Benchmarks run the CLI as users get it: an esbuild bundle (no TypeScript compile at start-up).
 * Modules another part of the tree has not written yet are left external so one missing command
 * does not stop the others' benchmarks.
 */
import { build, type Plugin } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const tolerateMissing: Plugin = {
  name: 'tolerate-missing',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const p = resolve(args.resolveDir, args.path);
      return existsSync(p) ? undefined : { path: args.path, external: true };
    });
  },
};

export async function bundleCli(): Promise<string> {
  const out = join(ROOT, '.bench', 'cli.mjs');
  mkdirSync(dirname(out), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'electron', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
    plugins: [tolerateMissing],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
