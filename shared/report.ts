/**
 * Reports a person can attach to a bug: the findings of a check, the results of a verify, or the
 * changes of a diff, as Markdown or as one self-contained HTML file (inline style, no scripts, no
 * external resources). The CLI's `--format md|html` and the app's Save report… both write these.
 * Every value from an image is escaped for the format it goes into.
 */
import type { Change, VerityResult } from './api.ts';
import { digestAlgorithm, type Finding } from './model.ts';

export interface ReportTable {
  columns: string[];
  rows: string[][];
}

export interface Report {
  title: string;
  /** label: value facts (images, counts). */
  facts: [string, string][];
  table: ReportTable;
  /** Said when the table is empty. */
  empty: string;
}

const hex = (n: number) => '0x' + n.toString(16);

export function checkReport(doc: { image: string; findings: Finding[]; nodesChecked: number; truncated: boolean; unreadable?: boolean }): Report {
  const by = (s: string) => doc.findings.filter((f) => f.severity === s).length;
  return {
    title: `cfs-inspect check: ${doc.image}`,
    facts: [
      ['image', doc.image],
      ['inodes checked', String(doc.nodesChecked)],
      ['findings', `${by('error')} errors, ${by('warning')} warnings, ${by('info')} info${doc.truncated ? ' (stopped early)' : ''}${doc.unreadable ? ' — unreadable' : ''}`],
    ],
    table: {
      columns: ['offset', 'length', 'severity', 'code', 'where', 'message', 'expected', 'actual'],
      rows: doc.findings.map((f) => [
        hex(f.offset),
        String(f.length),
        f.severity,
        f.code,
        f.path ?? (f.nodeId !== undefined ? `nid ${f.nodeId}` : ''),
        f.message,
        f.expected ?? '',
        f.actual ?? '',
      ]),
    },
    empty: 'No findings: the image is clean.',
  };
}

export function verifyReport(doc: {
  image: string;
  stores: string[];
  counts: Partial<Record<string, number>>;
  imageDigest?: string;
  expectedImageDigest?: string;
  results: VerityResult[];
}): Report {
  const problems = doc.results.filter((r) => r.status !== 'verified' && r.status !== 'inline');
  return {
    title: `cfs-inspect verify: ${doc.image}`,
    facts: [
      ['image', doc.image],
      ['object stores', doc.stores.join(', ')],
      ['files', `${doc.results.length}: ${Object.entries(doc.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`],
      ...(doc.imageDigest ? [['image digest', `${digestAlgorithm(doc.imageDigest)}:${doc.imageDigest}`] as [string, string]] : []),
      ...(doc.expectedImageDigest ? [['expected image digest', `${digestAlgorithm(doc.expectedImageDigest)}:${doc.expectedImageDigest}`] as [string, string]] : []),
    ],
    table: {
      columns: ['status', 'path', 'expected digest', 'actual digest', 'object', 'message'],
      rows: problems.map((r) => [r.status, r.path, r.expected ?? '', r.actual ?? '', r.objectPath ?? '', r.message ?? '']),
    },
    empty: 'Every object is present and has its recorded digest.',
  };
}

export function diffReport(doc: { a: string; b: string; counts: Record<string, number>; changes: Change[] }): Report {
  return {
    title: `cfs-inspect diff: ${doc.a} → ${doc.b}`,
    facts: [
      ['before (A)', doc.a],
      ['after (B)', doc.b],
      ['changes', `${doc.counts.added ?? 0} added, ${doc.counts.removed ?? 0} removed, ${doc.counts.modified ?? 0} modified, ${doc.counts.renamed ?? 0} renamed`],
    ],
    table: {
      columns: ['change', 'path', 'kind', 'fields'],
      rows: doc.changes.map((c) => [
        c.kind,
        c.oldPath ? `${c.oldPath} → ${c.path}` : c.path,
        c.nodeKind,
        c.fields.map((f) => `${f.field}: ${f.beforeText ?? f.before ?? '∅'} → ${f.afterText ?? f.after ?? '∅'}`).join('; '),
      ]),
    },
    empty: 'The images are the same.',
  };
}

/** A Markdown table cell: pipes, backslashes and line breaks escaped, so a row stays one row. */
const mdCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, '<br>');

export function toMarkdown(r: Report): string {
  const lines = [`# ${mdCell(r.title)}`, ''];
  for (const [k, v] of r.facts) lines.push(`- **${mdCell(k)}**: ${mdCell(v)}`);
  lines.push('');
  if (r.table.rows.length === 0) lines.push(r.empty);
  else {
    lines.push(`| ${r.table.columns.map(mdCell).join(' | ')} |`, `|${r.table.columns.map(() => '---').join('|')}|`);
    for (const row of r.table.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:18px}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{color:#57606a}
dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{background:#16181c;color:#d6dae0}th{background:#1c1f24}th,td{border-color:#30363d}dt{color:#8a929d}}`;

/** One HTML file: inline style, no script, a CSP that forbids loading anything. */
export function toHtml(r: Report): string {
  const facts = r.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
  const table =
    r.table.rows.length === 0
      ? `<p>${esc(r.empty)}</p>`
      : `<table><thead><tr>${r.table.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${r.table.rows
          .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
          .join('\n')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="color-scheme" content="light dark">
<title>${esc(r.title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(r.title)}</h1><dl>${facts}</dl>
${table}
</body></html>
`;
}

export type ReportFormat = 'text' | 'json' | 'md' | 'html';

/** `--format` as given, or `--json` for json; text when neither. */
export function reportFormat(format: string | undefined, json: boolean): ReportFormat {
  if (format === undefined) return json ? 'json' : 'text';
  if (format === 'json' || format === 'md' || format === 'html' || format === 'text') return format;
  throw new Error(`--format takes json, md, html or text, not '${format}'`);
}
