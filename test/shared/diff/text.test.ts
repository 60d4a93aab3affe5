/** Display escaping, line tokens and xattr-name globs: the small pieces the diff output rests on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayBytes, token } from '../../../shared/diff/text.ts';
import { compileIgnore } from '../../../shared/diff/options.ts';
import { formatChange, formatField } from '../../../shared/diff/format.ts';

const b = (...xs: number[]) => new Uint8Array(xs);
const utf8 = (s: string) => new TextEncoder().encode(s);

test('printable ASCII and valid UTF-8 display as they are', () => {
  assert.equal(displayBytes(utf8('etc/os-release')), 'etc/os-release');
  assert.equal(displayBytes(utf8('café ☃ 𝄞')), 'café ☃ 𝄞');
});

test('control bytes, DEL, C1 controls and invalid UTF-8 display as \\xNN, a backslash as \\\\', () => {
  assert.equal(displayBytes(b(0x61, 0x0a, 0x00, 0x7f)), 'a\\x0a\\x00\\x7f');
  assert.equal(displayBytes(b(0xff, 0xfe)), '\\xff\\xfe');
  assert.equal(displayBytes(b(0xc2, 0x85)), '\\xc2\\x85', 'U+0085 (NEL) is a control');
  assert.equal(displayBytes(b(0xe2, 0x82)), '\\xe2\\x82', 'truncated sequence');
  assert.equal(displayBytes(b(0xc0, 0xaf)), '\\xc0\\xaf', 'overlong encoding');
  assert.equal(displayBytes(b(0xed, 0xa0, 0x80)), '\\xed\\xa0\\x80', 'surrogate');
  assert.equal(displayBytes(utf8('a\\b')), 'a\\\\b');
});

test('distinct byte strings never display the same', () => {
  const samples = [utf8('\\x00'), b(0x00), utf8('\\\\x00'), b(0x5c, 0x00), b(0xc3), utf8('\\xc3')];
  const shown = samples.map(displayBytes);
  assert.equal(new Set(shown).size, samples.length, shown.join(' | '));
});

test('a token has no whitespace: space escapes as \\x20, and the extra characters asked for escape too', () => {
  assert.equal(token('a b\tc'), 'a\\x20b\\x09c');
  assert.equal(token('x=y->z', '=>'), 'x\\x3dy-\\x3ez');
  assert.equal(token('café'), 'café');
});

test('globs: * spans dots, ? is one character, [..] and [!..] are classes, \\ quotes', () => {
  const m = (g: string, s: string) => compileIgnore({ ignoreXattrs: [g] }).xattr!.test(s);
  assert.ok(m('security.*', 'security.selinux'));
  assert.ok(m('security.*', 'security.'));
  assert.ok(!m('security.*', 'user.security.x'));
  assert.ok(m('user.?', 'user.a'));
  assert.ok(!m('user.?', 'user.ab'));
  assert.ok(m('user.[a-c]x', 'user.bx'));
  assert.ok(!m('user.[!a-c]x', 'user.bx'));
  assert.ok(m('user.\\*', 'user.*'));
  assert.ok(!m('user.\\*', 'user.a'));
  assert.ok(m('a.b', 'a.b') && !m('a.b', 'aXb'), 'a dot is literal');
  assert.ok(m('trusted.[', 'trusted.['), 'an unclosed [ is literal');
});

test('compiled ignore options match whole names against any of the patterns', () => {
  const ig = compileIgnore({ ignoreMtime: true, ignoreXattrs: ['security.*', 'user.a'] });
  assert.equal(ig.mtime, true);
  assert.equal(ig.ownership, false);
  assert.ok(ig.xattr!.test('security.ima'));
  assert.ok(ig.xattr!.test('user.a'));
  assert.ok(!ig.xattr!.test('user.ab'));
  assert.equal(compileIgnore({}).xattr, undefined);
});

test('one-line forms of each kind of change', () => {
  assert.equal(formatChange({ kind: 'added', path: '/a b', nodeKind: 'file', fields: [] }), 'added file /a\\x20b');
  assert.equal(formatChange({ kind: 'removed', path: '/d', nodeKind: 'dir', fields: [] }), 'removed dir /d');
  assert.equal(formatChange({ kind: 'renamed', path: '/new', oldPath: '/old', nodeKind: 'symlink', fields: [] }), 'renamed symlink /old -> /new');
  assert.equal(
    formatChange({ kind: 'modified', path: '/f', nodeKind: 'file', fields: [{ field: 'mode', before: '100644', after: '100755' }, { field: 'xattr:user.k=v', after: '' }] }),
    'modified file /f mode=100644->100755 added:xattr:user.k\\x3dv=""',
  );
});

test('field values: absent is empty, empty is "", and quotes and > are escaped so the separator is unique', () => {
  assert.equal(formatField({ field: 'target', before: 'a->b', after: '"q"' }), 'target=a-\\x3eb->\\x22q\\x22');
  assert.equal(formatField({ field: 'digest' }), 'digest=->');
});
