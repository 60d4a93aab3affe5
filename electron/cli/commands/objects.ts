import { collectObjectNames } from '../../../shared/composefs/dump.ts';
import { UsageError, parseOptions, writeLines, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const OPTIONS: OptionSpec[] = [{ name: 'json', help: 'print the object paths as a JSON array' }];

const command: Command = {
  usage: 'objects IMAGE... [--json]',
  options: OPTIONS,
  summary: 'list the backing objects the image refers to',
  async run({ args, out, err }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const problems = problemCollector();
    // Object names as latin1 strings (one char per byte): byte-exact and cheap to sort.
    let sorted: string[] = [];
    for (const path of positional) {
      await withImage(path, async (r) => {
        const names = await collectObjectNames(r, problems.add(path));
        sorted = sorted.length ? [...new Set([...sorted, ...names])].sort() : names;
      });
    }
    if (flags.has('json')) out.text(JSON.stringify(sorted.map((k) => Buffer.from(k, 'latin1').toString('utf8')), null, 2) + '\n');
    else writeLines(out, sorted);
    return failOnProblems(problems, err);
  },
};
export default command;
