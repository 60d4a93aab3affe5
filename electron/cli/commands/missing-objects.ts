import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { collectObjects, objectRelativePath } from '../../../shared/composefs/dump.ts';
import { latin1 } from '../../../shared/composefs/escape.ts';
import { UsageError, checkStoreDirs, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store to look in; an object is missing when no store has it' },
  { name: 'json', help: 'print the missing object paths as a JSON array' },
];

const command: Command = {
  usage: 'missing-objects IMAGE... --basedir DIR [--basedir DIR2] [--json]',
  options: OPTIONS,
  summary: 'list backing objects not present in the object store',
  async run({ args, out, err }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const stores = flags.get('basedir') ?? [];
    if (stores.length === 0) throw new UsageError('needs --basedir DIR (the object store)');
    await checkStoreDirs(stores);
    const problems = problemCollector();
    const missing = new Set<string>();
    for (const path of positional) {
      await withImage(path, async (r) => {
        for (const o of await collectObjects(r, problems.add(path))) {
          // Object paths are bytes; the file system takes them as such (latin1 round-trips bytes).
          const rel = Buffer.from(objectRelativePath(o)).toString('utf8');
          let found = false;
          for (const s of stores) if ((found = await exists(join(s, rel)))) break;
          if (!found) missing.add(latin1(o));
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
