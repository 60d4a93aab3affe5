import { walkComposefs, writeLsLine } from '../../../shared/composefs/dump.ts';
import { UsageError, parseOptions, type Command } from '../io.ts';
import { budgetedWriter, withImage } from '../image.ts';
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
        const w = budgetedWriter(out, r.size);
        try {
          await walkComposefs(
            r,
            (e) => {
              if (e.depth === 0) return;
              writeLsLine(w, e);
              w.maybeFlush();
            },
            problems.add(path),
          );
        } finally {
          w.flush(); // what was written before a failure still goes out
        }
      }, devices ? { devices } : {});
    }
    return failOnProblems(problems, err);
  },
};
export default command;
