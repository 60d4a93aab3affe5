import { walkComposefs, writeLsLine } from '../../../shared/composefs/dump.ts';
import { UsageError, parseArgs, type Command } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const command: Command = {
  usage: 'ls IMAGE...',
  summary: 'list every path (composefs-info ls format)',
  async run({ args, out, err }) {
    const { positional } = parseArgs(args, [], []);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const problems = problemCollector();
    const w = out.writer();
    try {
      for (const path of positional) {
        await withImage(path, async (r) => {
          if ('prefetchAll' in r) await (r as { prefetchAll(): Promise<boolean> }).prefetchAll();
          await walkComposefs(
            r,
            (e) => {
              if (e.depth === 0) return;
              writeLsLine(w, e);
              w.maybeFlush();
            },
            problems.add(path),
          );
        });
      }
    } finally {
      w.flush(); // what was written before a failure still goes out
    }
    return failOnProblems(problems, err);
  },
};
export default command;
