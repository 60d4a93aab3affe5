import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { collectObjects, objectRelativePath } from '../../../shared/composefs/dump.ts';
import { latin1 } from '../../../shared/composefs/escape.ts';
import { CliError, UsageError, parseArgs, type Command } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

const command: Command = {
  usage: 'missing-objects IMAGE... --basedir DIR [--json]',
  summary: 'list backing objects not present in the object store',
  async run({ args, out, err }) {
    const { positional, flags } = parseArgs(args, ['basedir'], ['json']);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const basedir = flags.get('basedir')?.at(-1);
    if (!basedir) throw new UsageError('needs --basedir DIR');
    const st = await lstat(basedir).catch(() => undefined);
    if (!st?.isDirectory()) throw new CliError(`${basedir}: not a directory`);
    const problems = problemCollector();
    const missing = new Set<string>();
    for (const path of positional) {
      await withImage(path, async (r) => {
        for (const o of await collectObjects(r, problems.add(path))) {
          // Object paths are bytes; the file system takes them as such (latin1 round-trips bytes).
          const rel = Buffer.from(objectRelativePath(o)).toString('utf8');
          if (!(await exists(join(basedir, rel)))) missing.add(latin1(o));
        }
      });
    }
    const sorted = [...missing].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (flags.has('json')) out.text(JSON.stringify(sorted.map((k) => Buffer.from(k, 'latin1').toString('utf8')), null, 2) + '\n');
    else for (const k of sorted) out.raw(k + '\n');
    return failOnProblems(problems, err);
  },
};
export default command;
