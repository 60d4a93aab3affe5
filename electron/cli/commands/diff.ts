/**
 * cfs-inspect diff A B: what changed from image A to image B, as a summary line and then one
 * greppable line per change (shared/diff/format.ts). Exit 0 when equal, 1 when different, 2 on
 * errors, like diff(1).
 */
import type { DiffOptions } from '../../../shared/api.ts';
import { diffImages, formatChange } from '../../../shared/diff/index.ts';
import { failedImage } from '../../../shared/diff/errors.ts';
import type { ImageReader } from '../../../shared/model.ts';
import { CliError, UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { describeError, openForCli } from '../image.ts';
import { createProgress } from '../progress.ts';
import { diffReport, toHtml, toMarkdown } from '../../../shared/report.ts';
import { formatOf } from './check.ts';
import { readableField } from '../../services/present.ts';

/** `--ignore mtime|ownership|xattr:PATTERN`, repeatable; a comma also separates classes. */
export function ignoreOptions(values: string[]): DiffOptions {
  const options: DiffOptions = {};
  for (const v of values.flatMap((x) => x.split(','))) {
    if (v === 'mtime') options.ignoreMtime = true;
    else if (v === 'ownership' || v === 'owner') options.ignoreOwnership = true;
    else if (v.startsWith('xattr:') && v.length > 'xattr:'.length) (options.ignoreXattrs ??= []).push(v.slice('xattr:'.length));
    else throw new UsageError(`--ignore takes mtime, ownership or xattr:PATTERN, not '${v}'`);
  }
  return options;
}

const OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'print counts and changes as JSON' },
  { name: 'ignore', value: 'mtime|ownership|xattr:PATTERN', repeatable: true, help: 'leave out mtimes, owners, or xattrs whose name matches PATTERN (* and ?)' },
  { name: 'format', value: 'json|md|html', help: 'print as JSON (the --json shape), Markdown, or one self-contained HTML page' },
  { name: 'dir-sizes', help: 'also report directories whose only change is their size (dirent bytes; hidden by default)' },
];

const command: Command = {
  usage: 'diff A B [--json | --format json|md|html] [--ignore mtime|ownership|xattr:PATTERN ...] [--dir-sizes]',
  options: OPTIONS,
  summary: 'what changed from image A to image B (exit 0 equal, 1 different, 2 error)',
  async run({ args, out }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    const format = formatOf(flags.get('format')?.at(-1), flags.has('json'));
    if (positional.length !== 2) throw new UsageError('needs two images, A (old) and B (new)');
    const [pathA, pathB] = positional as [string, string];
    const options = ignoreOptions(flags.get('ignore') ?? []);
    if (flags.has('dir-sizes')) options.dirSizes = true;
    const opened: ImageReader[] = [];
    try {
      opened.push(await openForCli(pathA));
      opened.push(await openForCli(pathB));
      const [a, b] = opened as [ImageReader, ImageReader];
      const progress = createProgress();
      const total = a.info().inodes;
      const onProgress = (n: number) => progress.update(() => `comparing: ${n}${total ? ` of about ${total}` : ''} entries`);
      const result = await diffImages(a, b, { ...options, ...(progress.enabled ? { onProgress } : {}) }).finally(() => progress.clear()).catch((e: unknown) => {
        const side = failedImage(e);
        throw new CliError(side ? describeError(side === 'a' ? pathA : pathB, e) : `${pathA} vs ${pathB}: ${describeError('diff', e)}`);
      });
      const { counts, changes } = result;
      if (format === 'json') {
        out.text(JSON.stringify({ a: pathA, b: pathB, options, counts, changes }, null, 2) + '\n');
      } else if (format === 'md' || format === 'html') {
        // For people, as the app shows them: modes as -rw-r--r-- 0644, times as dates (JSON keeps the raw values).
        const readable = changes.map((c) => ({ ...c, fields: c.fields.map((f) => readableField({ ...f })) }));
        out.text((format === 'md' ? toMarkdown : toHtml)(diffReport({ a: pathA, b: pathB, counts, changes: readable })));
      } else {
        out.text(`${counts.added} added, ${counts.removed} removed, ${counts.modified} modified, ${counts.renamed} renamed\n`);
        for (const c of changes) out.text(formatChange(c) + '\n');
      }
      return changes.length ? 1 : 0;
    } finally {
      await Promise.all(opened.map((r) => r.close()));
    }
  },
};

export default command;
