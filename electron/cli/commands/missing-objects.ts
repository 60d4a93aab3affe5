/**
 * missing-objects: backing objects an object store does not hold. An object is looked up exactly as
 * verify looks it up (electron/verity/store.ts): a redirect that would leave the store (absolute,
 * '..', a symlink out, not UTF-8) is never probed; it is reported on stderr and the exit code is 2.
 */
import { collectObjects } from '../../../shared/composefs/dump.ts';
import { latin1 } from '../../../shared/composefs/escape.ts';
import { createResolver } from '../../verity/store.ts';
import { UsageError, parseArgs, type Command } from '../io.ts';
import { requireStoreDir, withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const command: Command = {
  usage: 'missing-objects IMAGE... --basedir DIR [--json]',
  summary: 'list backing objects not present in the object store',
  async run({ args, out, err }) {
    const { positional, flags } = parseArgs(args, ['basedir'], ['json']);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const basedir = flags.get('basedir')?.at(-1);
    if (!basedir) throw new UsageError('needs --basedir DIR');
    await requireStoreDir(basedir);
    const resolver = createResolver([basedir]);
    const problems = problemCollector();
    const missing = new Set<string>();
    for (const path of positional) {
      await withImage(path, async (r) => {
        for (const o of await collectObjects(r, problems.add(path))) {
          const found = resolver.resolve(o);
          if (found.ok) continue;
          if (found.reason === 'missing') missing.add(latin1(o));
          else problems.list.push(`${path}: object ${JSON.stringify(latin1(o))}: ${found.reason === 'escape' ? 'refused' : 'unreadable'}: ${found.message}`);
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
