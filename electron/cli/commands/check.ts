import { hex } from '../../../shared/bytes/cursor.ts';
import { checkSource, type SourceCheckResult } from '../../../shared/check/index.ts';
import type { Finding } from '../../../shared/model.ts';
import { fileSource } from '../../services/file-source.ts';
import { siblingFiles } from '../../services/open-file.ts';
import { CliError, UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { describeError } from '../image.ts';
import { createProgress } from '../progress.ts';
import { cliBlobDirs } from '../blob-dirs.ts';
import { blobDirsFor, blobResolver } from '../../services/nydus-blobs.ts';
import { checkReport, reportFormat, toHtml, toMarkdown } from '../../../shared/report.ts';

/** One finding per line: where, how bad, what, whose, why, and the values that disagree. */
export function findingLine(f: Finding, label: string = f.severity): string {
  let s = `${hex(f.offset)}+${f.length} ${label} ${f.code}`;
  if (f.path !== undefined) s += ` ${f.path}`;
  else if (f.nodeId !== undefined) s += ` nid ${f.nodeId}`;
  s += `: ${f.message}`;
  const vs = [f.expected !== undefined ? `expected ${f.expected}` : '', f.actual !== undefined ? `actual ${f.actual}` : ''].filter(Boolean);
  if (vs.length) s += ` (${vs.join(', ')})`;
  return s + '\n';
}

/** Roots in offset order, each followed by the findings that follow from it, indented. */
export function groupedLines(findings: Finding[], prefix = ''): string {
  const byCause = new Map<string, Finding[]>();
  const ids = new Set(findings.map((f) => f.id));
  for (const f of findings) {
    if (f.cause === undefined || !ids.has(f.cause)) continue;
    const list = byCause.get(f.cause);
    if (list) list.push(f);
    else byCause.set(f.cause, [f]);
  }
  let out = '';
  for (const f of findings) {
    if (f.cause !== undefined && ids.has(f.cause)) continue;
    const consequences = f.id === undefined ? undefined : byCause.get(f.id);
    out += prefix + findingLine(f).replace(/\n$/, consequences ? ` [root cause of ${consequences.length} more]\n` : '\n');
    if (f.region) out += `${prefix}    affects ${hex(f.region.offset)}+${f.region.length}\n`;
    for (const c of consequences ?? []) out += `${prefix}    -> ${findingLine(c)}`;
  }
  return out;
}

/** The output format, or a usage error naming the choices. */
export function formatOf(format: string | undefined, json: boolean) {
  try {
    return reportFormat(format, json);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'print the findings as JSON (one document, or an array for several images)' },
  { name: 'max-findings', value: 'N', help: 'stop after N findings per image' },
  { name: 'format', value: 'json|md|html', help: 'print as JSON (the --json shape), Markdown, or one self-contained HTML page' },
];

const command: Command = {
  usage: 'check IMAGE... [--json | --format json|md|html] [--max-findings N]',
  options: OPTIONS,
  summary: 'find every corruption: findings sorted by offset; exit 0 clean, 1 findings, 2 unreadable, 3 clean but parts unsupported (skipped)',
  async run({ args, out }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    const format = formatOf(flags.get('format')?.at(-1), flags.has('json'));
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const maxText = flags.get('max-findings')?.at(-1);
    const maxFindings = maxText === undefined ? undefined : Number(maxText);
    if (maxFindings !== undefined && !(Number.isSafeInteger(maxFindings) && maxFindings > 0)) {
      throw new UsageError(`--max-findings needs a positive integer, not '${maxText}'`);
    }
    const reports: (SourceCheckResult & { image: string })[] = [];
    const progress = createProgress();
    for (const path of positional) {
      let src;
      try {
        src = await fileSource(path);
      } catch (e) {
        throw new CliError(describeError(path, e));
      }
      try {
        const open = { blobs: blobResolver(blobDirsFor(path, cliBlobDirs())), siblings: siblingFiles(path) };
        const onProgress = (n: number) => progress.update(() => `checking ${path}: ${n} inodes`);
        reports.push({ image: path, ...(await checkSource(src, { open, ...(maxFindings === undefined ? {} : { maxFindings }), ...(progress.enabled ? { onProgress } : {}) })) });
      } finally {
        progress.clear();
        await src.close?.();
      }
    }
    if (format === 'json') {
      out.text(JSON.stringify(positional.length === 1 ? reports[0] : reports, null, 2) + '\n');
    } else if (format === 'md' || format === 'html') {
      for (const r of reports) out.text((format === 'md' ? toMarkdown : toHtml)(checkReport(r)));
    } else {
      for (const r of reports) {
        const prefix = positional.length > 1 ? `${r.image}: ` : '';
        out.text(groupedLines(r.findings, prefix));
        for (const u of r.unsupported ?? []) out.text(prefix + findingLine(u, 'unsupported'));
        const counts = (['error', 'warning', 'info'] as const).map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
        const skipped = r.unsupported?.length ? `; could not check everything: ${r.unsupported.length} unsupported part${r.unsupported.length === 1 ? '' : 's'} skipped` : '';
        const summary = r.unreadable
          ? 'unreadable'
          : r.findings.length === 0
            ? `${skipped ? 'no findings' : 'clean'} (${r.nodesChecked} inodes checked)${skipped}`
            : `${counts.map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`).join(', ')} in ${r.nodesChecked} inodes${r.truncated ? ' (stopped early: --max-findings reached)' : ''}${skipped}`;
        out.text(`${r.image}: ${summary}\n`);
      }
    }
    if (reports.some((r) => r.unreadable)) return 2;
    if (reports.some((r) => r.findings.length > 0)) return 1;
    // Exit 3: nothing wrong was found, but some of the image could not be checked (listed above).
    return reports.some((r) => r.unsupported?.length) ? 3 : 0;
  },
};
export default command;
