import { lsLine, walkComposefs } from '../../../shared/composefs/dump.ts';
import { UsageError, parseOptions, type Command } from '../io.ts';
import { budgetedOutput, withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const command: Command = {
  usage: 'ls IMAGE...',
  options: [],
  summary: 'list every path (composefs-info ls format)',
  async run({ args, out, err, devices }) {
    const { positional } = parseOptions(args, []);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const problems = problemCollector();
    for (const path of positional) {
      await withImage(path, async (r) => {
        if ('prefetchAll' in r) await (r as { prefetchAll(): Promise<boolean> }).prefetchAll();
        const emit = budgetedOutput(out, r.size);
        await walkComposefs(r, (e) => (e.depth > 0 ? emit(lsLine(e)) : undefined), problems.add(path));
      }, devices ? { devices } : {});
    }
    return failOnProblems(problems, err);
  },
};
export default command;
