/** The CLI's commands by name, each loaded only when used (main.ts runs them; repo open runs them on a repository's image). */
import type { Command } from './io.ts';

export const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  info: () => import('./commands/info.ts'),
  ls: () => import('./commands/ls.ts'),
  dump: () => import('./commands/dump.ts'),
  objects: () => import('./commands/objects.ts'),
  'missing-objects': () => import('./commands/missing-objects.ts'),
  measure: () => import('./commands/measure.ts'),
  verify: () => import('./commands/verify.ts'),
  check: () => import('./commands/check.ts'),
  diff: () => import('./commands/diff.ts'),
  layout: () => import('./commands/layout.ts'),
  cat: () => import('./commands/cat.ts'),
  extract: () => import('./commands/extract.ts'),
  share: () => import('./commands/share.ts'),
  repo: () => import('./commands/repo.ts'),
};

export const commandLoader = (name: string): (() => Promise<{ default: Command }>) | undefined =>
  Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
