/**
 * cfs-inspect share: what whole-file, block and content-defined-chunk deduplication would store and
 * download across a series of images (oldest first). Exit codes: 0 figures complete, 1 figures
 * printed but some files could not be read (listed), 2 an image could not be read at all.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LedgerLimitError } from '../../../shared/share/analysis.ts';
import { DEFAULT_UNIT_OPTIONS } from '../../../shared/share/units.ts';
import { shareText, bytesText, type ShareParameters } from '../../../shared/share/text.ts';
import type { SkippedFile } from '../../services/share-source.ts';
import { distinctNames, runShare } from '../../services/share-runner.ts';
import { CliError, UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { describeError } from '../image.ts';

/** The object stores for one image: the --basedir list, or objects/ beside the image. */
function storesFor(image: string, basedirs: string[]): string[] {
  if (basedirs.length > 0) return basedirs;
  const beside = join(dirname(image), 'objects');
  return existsSync(beside) ? [beside] : [];
}

function blockSizeOf(v: string | undefined): number {
  if (v === undefined) return DEFAULT_UNIT_OPTIONS.blockSize;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 512 || n > 1 << 20 || (n & (n - 1)) !== 0) {
    throw new UsageError(`--block-size must be a power of two from 512 to 1048576 (got ${v})`);
  }
  return n;
}

export { distinctNames };

/** One line per image and reason, with the first few paths: a missing store must not print 10,000 lines. */
function reportSkipped(skipped: (SkippedFile & { image: string })[], err: (line: string) => void): void {
  const groups = new Map<string, string[]>();
  for (const s of skipped) {
    const key = `${s.image}\0${s.reason.split(':')[0]}`;
    groups.set(key, [...(groups.get(key) ?? []), s.path]);
  }
  for (const [key, paths] of groups) {
    const [image, reason] = key.split('\0');
    const first = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', ...' : '');
    const hint = reason === 'missing' ? ' (is --basedir the object store?)' : '';
    err(`${image}: ${paths.length} file${paths.length === 1 ? '' : 's'} left out of every figure, ${reason}${hint}: ${first}`);
  }
}

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store for every image (default: objects/ beside each image)' },
  { name: 'block-size', value: 'N', help: 'block size of the block scheme, a power of two from 512 to 1048576 (default 4096)' },
  { name: 'json', help: 'print every figure as JSON' },
];

const command: Command = {
  usage: 'share IMAGE IMAGE... [--basedir DIR] [--basedir DIR2] [--block-size N] [--json]',
  options: OPTIONS,
  summary: 'what file-, block- and chunk-level deduplication would store and download across images (oldest first)',
  async run({ args, out, err, stderrIsTTY }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length < 2) throw new UsageError('needs two or more IMAGEs, oldest first');
    const basedirs = flags.get('basedir') ?? [];
    for (const d of basedirs) {
      if (!existsSync(d)) throw new CliError(`${d}: no such directory`);
      if (!statSync(d).isDirectory()) throw new CliError(`${d}: not a directory`);
    }
    const params: ShareParameters = {
      blockSize: blockSizeOf(flags.get('block-size')?.at(-1)),
      casync: DEFAULT_UNIT_OPTIONS.casync,
      fastcdc: DEFAULT_UNIT_OPTIONS.fastcdc,
    };
    const abort = new AbortController();
    const onSigint = () => abort.abort(new CliError('cancelled'));
    process.once('SIGINT', onSigint);
    const names = distinctNames(positional);
    let run;
    try {
      run = await runShare(
        positional.map((path, k) => ({ path, name: names[k]!, stores: storesFor(path, basedirs) })),
        {
          blockSize: params.blockSize,
          signal: abort.signal,
          ...(stderrIsTTY
            ? { onProgress: (done: number, total: number) => process.stderr.write(`\r\x1b[Kshare: ${bytesText(done)} read of ${bytesText(total)} known so far`) }
            : {}),
        },
      );
    } catch (e) {
      if (e instanceof LedgerLimitError) throw new CliError(e.message);
      const image = (e as { image?: string }).image;
      if (image) throw new CliError(describeError(image, e));
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
      if (stderrIsTTY) process.stderr.write('\r\x1b[K');
    }
    const { report, skipped } = run;
    if (flags.has('json')) out.text(JSON.stringify({ parameters: params, ...report, skipped }, null, 2) + '\n');
    else out.text(shareText(report, params));
    reportSkipped(skipped, err);
    return skipped.length > 0 ? 1 : 0;
  },
};
export default command;
