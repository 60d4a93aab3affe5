import type { VerityResult, VerityStatus } from '../../../shared/api.ts';
import { normalizeDigest, verifyImage, type VerifyCounters } from '../../verity/verify.ts';
import { CliError, UsageError, checkStoreDirs, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { createProgress } from '../progress.ts';
import { toHtml, toMarkdown, verifyReport } from '../../../shared/report.ts';
import { formatOf } from './check.ts';
import { digestAlgorithm } from '../../../shared/model.ts';

const algo = digestAlgorithm;
/** Summary order: good news first, then problems from the most to the least alarming. */
const STATUS_ORDER: VerityStatus[] = ['verified', 'inline', 'empty', 'escape', 'mismatch', 'size-mismatch', 'missing', 'unreadable', 'no-digest'];
const OK: ReadonlySet<VerityStatus> = new Set(['verified', 'inline', 'empty']);

const gib = (n: number) => (n / 2 ** 30).toFixed(2);

function problemLine(r: VerityResult): string {
  const where = r.objectPath ? ` (${r.objectPath})` : '';
  switch (r.status) {
    case 'mismatch':
      return `mismatch ${r.path}: expected ${algo(r.expected)}:${r.expected}, object has ${algo(r.actual)}:${r.actual}${where}`;
    case 'size-mismatch':
      return `size-mismatch ${r.path}: object is ${r.actualSize} bytes, the image says ${r.expectedSize}${where}`;
    default:
      return `${r.status} ${r.path}: ${r.message ?? r.status}${where}`;
  }
}

function progressLine(p: VerifyCounters): string {
  // Until the walk is done the file count is not known; the image digest may already be running.
  if (p.filesTotal === 0) return `verifying: reading the image tree, ${gib(p.bytesDone)}/${gib(p.bytesTotal)} GiB`;
  return `verifying: ${p.filesDone}/${p.filesTotal} files, ${gib(p.bytesDone)}/${gib(p.bytesTotal)} GiB`;
}

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store to look in; stores are tried in order' },
  { name: 'digest', value: 'HEX', help: 'the fs-verity digest the image itself must have (exit 1 if not)' },
  { name: 'json', help: 'print every result as JSON' },
  { name: 'format', value: 'json|md|html', help: 'print as JSON (the --json shape), Markdown, or one self-contained HTML page' },
];

const command: Command = {
  usage: 'verify IMAGE --basedir DIR [--basedir DIR2] [--digest HEX] [--json | --format json|md|html]',
  options: OPTIONS,
  summary: 'check every backing object against its fs-verity digest (exit 1 on any problem)',
  async run({ args, out, err, stderrIsTTY }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    const format = formatOf(flags.get('format')?.at(-1), flags.has('json'));
    if (positional.length !== 1) throw new UsageError('needs exactly one IMAGE');
    const image = positional[0]!;
    const stores = flags.get('basedir') ?? [];
    if (stores.length === 0) throw new UsageError('needs --basedir DIR (the object store)');
    await checkStoreDirs(stores);
    const digestFlag = flags.get('digest')?.at(-1);
    let expectedImageDigest: string | undefined;
    if (digestFlag !== undefined) {
      try {
        expectedImageDigest = normalizeDigest(digestFlag);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const json = format === 'json';

    // Ctrl-C stops the digests and still prints what was found so far.
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgress();
    const outcome = await withImage(image, (reader) =>
      verifyImage(reader, {
        imagePath: image,
        stores,
        ...(expectedImageDigest ? { expectedImageDigest } : {}),
        signal: abort.signal,
        ...(progress.enabled ? { onProgress: (p: VerifyCounters) => progress.update(() => progressLine(p)) } : {}),
      }),
    ).finally(() => {
      process.removeListener('SIGINT', onSigint);
      progress.clear();
    });

    const problems = outcome.results.filter((r) => !OK.has(r.status));
    const imageMismatch = expectedImageDigest !== undefined && outcome.imageDigest !== expectedImageDigest;
    const failed = problems.length > 0 || outcome.problems.length > 0 || imageMismatch;

    if (format === 'md' || format === 'html') {
      out.text((format === 'md' ? toMarkdown : toHtml)(verifyReport({ image, stores, ...outcome })));
    } else if (json) {
      const doc = {
        image,
        stores,
        cancelled: outcome.cancelled,
        counts: outcome.counts,
        imageDigest: outcome.imageDigest,
        expectedImageDigest: outcome.expectedImageDigest,
        imageDigestMatches: expectedImageDigest === undefined ? undefined : !imageMismatch,
        walkProblems: outcome.problems,
        results: outcome.results,
      };
      out.text(JSON.stringify(doc, null, 2) + '\n');
    } else {
      for (const p of outcome.problems) out.text(`unreadable-image ${p}\n`);
      for (const r of problems) out.text(problemLine(r) + '\n');
      if (outcome.imageDigest) {
        const verdict = expectedImageDigest === undefined ? '' : imageMismatch ? `, expected ${algo(expectedImageDigest)}:${expectedImageDigest}: MISMATCH` : ' (as expected)';
        out.text(`image ${algo(outcome.imageDigest)}:${outcome.imageDigest}${verdict}\n`);
      }
      const parts = STATUS_ORDER.filter((s) => outcome.counts[s]).map((s) => `${outcome.counts[s]} ${s}`);
      out.text(`${outcome.results.length} files: ${parts.join(', ') || 'none'}${outcome.cancelled ? ' (cancelled before the end)' : ''}\n`);
    }
    if (outcome.cancelled) return 2;
    return failed ? 1 : 0;
  },
};
export default command;
