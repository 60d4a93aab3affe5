/**
 * cfs-inspect extract IMAGE DEST: rebuilds the image's tree under DEST, like `fsck.erofs --extract`
 * (electron/services/extract.ts), never writing outside DEST whatever the image's names say.
 * Exit 0 all extracted, 1 some entries skipped (missing or damaged objects, refused names),
 * 2 usage, an unreadable image, or a DEST that is not empty (without --force).
 */
import { displayBytes } from '../../../shared/diff/text.ts';
import { ExtractRefused, extractImage, type ExtractCounters } from '../../services/extract.ts';
import { CliError, UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { storesFor } from './cat.ts';

const mib = (n: number) => (n / 2 ** 20).toFixed(1);

/**
 * A one-line progress display on a terminal, erased at the end. (Minimal and local: the shared
 * CLI progress module is another helper's work; this can move onto it when that lands.)
 */
function progressLine(enabled: boolean) {
  let shown = false;
  return {
    show(c: ExtractCounters) {
      if (!enabled) return;
      process.stderr.write(`\r\x1b[Kextracting: ${c.entries} entries, ${c.files} files, ${mib(c.bytes)} MiB`);
      shown = true;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

const SHOWN = 20;

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store holding the backing objects (tried in order)' },
  { name: 'path', value: 'SUBTREE', help: 'extract only this path of the image' },
  { name: 'force', help: 'write into a DEST that is not empty' },
];

const command: Command = {
  usage: 'extract IMAGE DEST [--basedir DIR] [--basedir DIR2] [--path SUBTREE] [--force]',
  options: OPTIONS,
  summary: 'rebuild the tree under DEST (exit 1 when objects are missing or damaged)',
  async run({ args, out, err, stderrIsTTY }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length !== 2) throw new UsageError('needs an IMAGE and a DEST directory');
    const [image, dest] = positional as [string, string];
    const resolver = await storesFor(image, flags.get('basedir') ?? []);
    const subtree = flags.get('path')?.at(-1);
    const progress = progressLine(stderrIsTTY);
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const outcome = await withImage(image, async (reader) => {
      try {
        return await extractImage(reader, {
          dest,
          resolver,
          force: flags.has('force'),
          ...(subtree !== undefined ? { subtree: Buffer.from(subtree, 'utf8') } : {}),
          onProgress: (c) => progress.show(c),
          signal: abort.signal,
        });
      } catch (e) {
        if (e instanceof ExtractRefused) throw new CliError(e.message);
        throw e;
      }
    }).finally(() => {
      process.removeListener('SIGINT', onSigint);
      progress.clear();
    });
    const { counters, problems, xattrsNotSet, specialsNotMade } = outcome;
    for (const p of problems) err(`${p.path}: ${p.reason}: ${p.message}`);
    const notes = [...xattrsNotSet.map((x) => `xattr not set: ${x}`), ...specialsNotMade.map((x) => `not made: ${x}`)];
    for (const n of notes.slice(0, SHOWN)) err(`warning: ${n}`);
    if (notes.length > SHOWN) err(`warning: ... and ${notes.length - SHOWN} more`);
    out.text(
      `${counters.entries} entries (${counters.files} files, ${counters.bytes} bytes) extracted to ${displayBytes(Buffer.from(dest))}` +
        (problems.length ? `; ${problems.length} skipped` : '') +
        '\n',
    );
    return problems.length ? 1 : 0;
  },
};
export default command;
