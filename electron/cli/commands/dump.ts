import { needsContent, walkComposefs, writeDumpLine } from '../../../shared/composefs/dump.ts';
import { bytesEqual, stringToBytes } from '../../../shared/model.ts';
import { UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { budgetedWriter, withImage } from '../image.ts';
import { createProgress } from '../progress.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const OPTIONS: OptionSpec[] = [{ name: 'filter', value: 'PATH', repeatable: true, help: 'only entries at or below PATH' }];

const command: Command = {
  usage: 'dump IMAGE [--filter PATH]...',
  options: OPTIONS,
  summary: 'print the tree in composefs-dump(5) format (composefs-info dump)',
  async run({ args, out, err, devices }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    // --filter keeps entries at or below the given paths (like mkcomposefs/composefs-dump filters).
    const filters = (flags.get('filter') ?? []).map((f) => stringToBytes(f.startsWith('/') ? f : '/' + f));
    const keep = (path: Uint8Array) =>
      filters.length === 0 ||
      filters.some(
        (f) =>
          bytesEqual(path, f) ||
          (path.length > f.length && bytesEqual(path.subarray(0, f.length), f) && (path[f.length] === 0x2f || f.length === 1)) ||
          (f.length > path.length && bytesEqual(f.subarray(0, path.length), path) && (f[path.length] === 0x2f || path.length === 1)),
      );
    const problems = problemCollector();
    // Lines interleaved with the dump itself would garble a terminal: progress only while stdout goes elsewhere.
    const progress = createProgress({ wanted: !process.stdout.isTTY });
    for (const path of positional) {
      await withImage(path, async (r) => {
        const memo = new WeakMap();
        if ('prefetchAll' in r) await (r as { prefetchAll(): Promise<boolean> }).prefetchAll();
        const w = budgetedWriter(out, r.size);
        const total = r.info().inodes;
        let entries = 0;
        try {
          await walkComposefs(
            r,
            (e) => {
              if (progress.enabled && (++entries & 1023) === 0) progress.update(() => `dumping ${path}: ${entries}${total ? ` of about ${total}` : ''} entries`);
              if (!keep(e.path)) return;
              // Only files whose content is printed need a read; every other line is written without an await.
              if (!needsContent(e)) {
                writeDumpLine(w, e, undefined, memo);
                return void w.maybeFlush();
              }
              return r.readData(e.id, 0, e.view.size).then((content) => {
                writeDumpLine(w, e, content, memo);
                w.maybeFlush();
              });
            },
            problems.add(path),
          );
        } finally {
          w.flush(); // what was written before a failure still goes out
        }
      }, devices ? { devices } : {}).finally(() => progress.clear());
    }
    return failOnProblems(problems, err);
  },
};
export default command;
