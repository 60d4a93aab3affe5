/**
 * Finds the reference corpus (../shared/corpus or $CFS_CORPUS). Conformance tests skip with a
 * message when it is absent, except under CI=true where a missing corpus is a failure.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const CORPUS: string | undefined = (() => {
  const candidates = [process.env.CFS_CORPUS, join(REPO_ROOT, '..', 'shared', 'corpus')].filter(Boolean) as string[];
  const found = candidates.find((c) => existsSync(join(c, 'README.md')));
  if (!found && process.env.CI === 'true') {
    throw new Error(`reference corpus not found (looked in ${candidates.join(', ')}); set CFS_CORPUS`);
  }
  return found;
})();

export const BENCH_DIR: string | undefined = CORPUS ? join(CORPUS, '..', 'bench') : undefined;

/** For `test(name, { skip: corpusSkip }, ...)`: a reason string when the corpus is absent. */
export const corpusSkip: string | false = CORPUS ? false : 'reference corpus not found (../shared/corpus or $CFS_CORPUS)';

export const corpusPath = (...parts: string[]): string => join(CORPUS ?? '/nonexistent', ...parts);
