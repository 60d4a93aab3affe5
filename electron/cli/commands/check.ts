import { hex } from '../../../shared/bytes/cursor.ts';
import { checkSource, type SourceCheckResult } from '../../../shared/check/index.ts';
import type { Finding } from '../../../shared/model.ts';
import { fileSource } from '../../services/file-source.ts';
import { CliError, UsageError, parseArgs, type Command } from '../io.ts';
import { describeError } from '../image.ts';
import { checkReport, reportFormat, toHtml, toMarkdown } from '../../../shared/report.ts';

/** One finding per line: where, how bad, what, whose, why, and the values that disagree. */
export function findingLine(f: Finding): string {
  let s = `${hex(f.offset)}+${f.length} ${f.severity} ${f.code}`;
  if (f.path !== undefined) s += ` ${f.path}`;
  else if (f.nodeId !== undefined) s += ` nid ${f.nodeId}`;
  s += `: ${f.message}`;
  const vs = [f.expected !== undefined ? `expected ${f.expected}` : '', f.actual !== undefined ? `actual ${f.actual}` : ''].filter(Boolean);
  if (vs.length) s += ` (${vs.join(', ')})`;
  return s + '\n';
}

/** The output format, or a usage error naming the choices. */
export function formatOf(format: string | undefined, json: boolean) {
  try {
    return reportFormat(format, json);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const command: Command = {
  usage: 'check IMAGE... [--json | --format json|md|html] [--max-findings N]',
  summary: 'find every corruption: findings sorted by offset; exit 0 clean, 1 findings, 2 unreadable',
  async run({ args, out }) {
    const { positional, flags } = parseArgs(args, ['max-findings', 'format'], ['json']);
    const format = formatOf(flags.get('format')?.at(-1), flags.has('json'));
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const maxText = flags.get('max-findings')?.at(-1);
    const maxFindings = maxText === undefined ? undefined : Number(maxText);
    if (maxFindings !== undefined && !(Number.isSafeInteger(maxFindings) && maxFindings > 0)) {
      throw new UsageError(`--max-findings needs a positive integer, not '${maxText}'`);
    }
    const reports: (SourceCheckResult & { image: string })[] = [];
    for (const path of positional) {
      let src;
      try {
        src = await fileSource(path);
      } catch (e) {
        throw new CliError(describeError(path, e));
      }
      try {
        reports.push({ image: path, ...(await checkSource(src, maxFindings === undefined ? {} : { maxFindings })) });
      } finally {
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
        for (const f of r.findings) out.text(prefix + findingLine(f));
        const counts = (['error', 'warning', 'info'] as const).map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
        const summary = r.unreadable
          ? 'unreadable'
          : r.findings.length === 0
            ? `clean (${r.nodesChecked} inodes checked)`
            : `${counts.map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`).join(', ')} in ${r.nodesChecked} inodes${r.truncated ? ' (stopped early: --max-findings reached)' : ''}`;
        out.text(`${r.image}: ${summary}\n`);
      }
    }
    if (reports.some((r) => r.unreadable)) return 2;
    return reports.some((r) => r.findings.length > 0) ? 1 : 0;
  },
};
export default command;
