import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReport, diffReport, reportFormat, toHtml, toMarkdown } from '../../shared/report.ts';

const finding = { code: 'erofs.dirent.name-slash', severity: 'error' as const, offset: 0x41a6, length: 1, path: '/etc', message: 'name "a|b<x>" contains "/"' };

test('Markdown keeps each finding on one table row, escaping pipes, backslashes and markup', () => {
  const md = toMarkdown(checkReport({ image: 'x.cfs', findings: [{ ...finding, actual: 'a\\b\nc' }], nodesChecked: 3, truncated: false }));
  assert.equal(
    md,
    [
      '# cfs-inspect check: x.cfs',
      '',
      '- **image**: x.cfs',
      '- **inodes checked**: 3',
      '- **findings**: 1 errors, 0 warnings, 0 info',
      '',
      '| offset | length | severity | code | where | message | expected | actual |',
      '|---|---|---|---|---|---|---|---|',
      '| 0x41a6 | 1 | error | erofs.dirent.name-slash | /etc | name "a\\|b&lt;x>" contains "/" |  | a\\\\b<br>c |',
      '',
    ].join('\n'),
  );
});

test('HTML is one self-contained page: escaped values, inline style, nothing loaded, no script', () => {
  const html = toHtml(diffReport({ a: 'a<b>.cfs', b: 'b.cfs', counts: { added: 1, removed: 0, modified: 0, renamed: 0 }, changes: [{ kind: 'added', path: '/<script>alert(1)</script>', nodeKind: 'file', fields: [] }] }));
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('<td>/&lt;script&gt;alert(1)&lt;/script&gt;</td>'));
  assert.ok(html.includes('<title>cfs-inspect diff: a&lt;b&gt;.cfs → b.cfs</title>'));
  assert.doesNotMatch(html, /<script|src=|href=|@import|url\(/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
});

test('an empty report says so instead of an empty table', () => {
  assert.match(toMarkdown(checkReport({ image: 'x', findings: [], nodesChecked: 1, truncated: false })), /No findings: the image is clean\.\n$/);
});

test('--format picks the output; --json is --format json; anything else is refused', () => {
  assert.equal(reportFormat(undefined, false), 'text');
  assert.equal(reportFormat(undefined, true), 'json');
  assert.equal(reportFormat('html', false), 'html');
  assert.throws(() => reportFormat('xml', false), /--format takes json, md, html or text, not 'xml'/);
});
