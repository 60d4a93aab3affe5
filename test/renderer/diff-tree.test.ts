import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, TreeEntry } from '../../shared/api.ts';
import { flattenTree, mergePage, rowsOf, type DirListing, type TreeRow } from '../../renderer/tree.ts';
import { buildOverlay, changeAt, compareNames } from '../../renderer/diff-tree.ts';

const file = (id: number, name: string): TreeEntry => ({ id, name, kind: 'file' });
const dir = (id: number, name: string, childCount: number): TreeEntry => ({ id, name, kind: 'dir', childCount });
const full = (entries: TreeEntry[]): DirListing => mergePage(undefined, { total: entries.length, start: 0, entries });

/** The before image: / = { a (file), etc/ = { hosts, motd, shadow }, usr/ = { lib/ = { libc.so.6, old/ = { x } } } } */
function before() {
  return new Map<number, DirListing>([
    [1, full([file(2, 'a'), dir(3, 'etc', 3), dir(4, 'usr', 1)])],
    [3, full([file(5, 'hosts'), file(6, 'motd'), file(7, 'shadow')])],
    [4, full([dir(8, 'lib', 2)])],
    [8, full([file(9, 'libc.so.6'), dir(10, 'old', 1)])],
    [10, full([file(11, 'x')])],
  ]);
}

const CHANGES: Change[] = [
  { kind: 'modified', path: '/a', nodeKind: 'dir', fields: [{ field: 'type', before: 'file', after: 'dir' }] },
  { kind: 'added', path: '/a/child', nodeKind: 'file', fields: [] },
  { kind: 'added', path: '/etc/demo.conf', nodeKind: 'file', fields: [] },
  { kind: 'removed', path: '/etc/motd', nodeKind: 'file', fields: [] },
  { kind: 'modified', path: '/etc/shadow', nodeKind: 'file', fields: [{ field: 'mode', before: '100640', after: '100600' }] },
  { kind: 'renamed', path: '/usr/lib/libc-2.38.so', oldPath: '/usr/lib/libc.so.6', nodeKind: 'file', fields: [] },
  { kind: 'renamed', path: '/usr/lib/new', oldPath: '/usr/lib/old', nodeKind: 'dir', fields: [] },
  { kind: 'added', path: '/var', nodeKind: 'dir', fields: [] },
  { kind: 'added', path: '/var/f', nodeKind: 'file', fields: [] },
];

const ALL_OPEN = new Set(['/', '/etc', '/usr', '/usr/lib', '/usr/lib/old', '/var', '/a', '/usr/lib/new']);
/** What the store records when it expands: /usr/lib/new lists the old directory, /var and /a have no listing of their own. */
const LISTING_IDS = new Map([
  ['/usr/lib/new', 10],
  ['/var', -100],
  ['/a', -101],
]);
const show = (r: TreeRow) => `${r.path}${r.change ? ` ${r.change.status}` : ''}${r.changesBelow ? ' *' : ''}`;

test('the merged tree inserts after-only entries by name among the before image entries, and keeps removed ones where they were', () => {
  const overlay = buildOverlay(CHANGES);
  const rows = rowsOf(flattenTree(1, before(), ALL_OPEN, { overlay, listingIds: LISTING_IDS }));
  assert.deepEqual(rows.map(show), [
    '/ *',
    '/a modified *',
    '/a/child added',
    '/etc *',
    '/etc/demo.conf added',
    '/etc/hosts',
    '/etc/motd removed',
    '/etc/shadow modified',
    '/usr *',
    '/usr/lib *',
    '/usr/lib/libc-2.38.so renamed-to',
    '/usr/lib/libc.so.6 renamed-from',
    '/usr/lib/new renamed-to',
    '/usr/lib/new/x renamed-to',
    '/usr/lib/old renamed-from',
    '/usr/lib/old/x renamed-from',
    '/var added *',
    '/var/f added',
  ]);
  // After-only rows carry stand-in ids that no node of the before image has.
  const added = rows.filter((r) => r.index < 0);
  assert.deepEqual(added.map((r) => r.path), ['/a/child', '/etc/demo.conf', '/usr/lib/libc-2.38.so', '/usr/lib/new', '/var', '/var/f']);
  assert.ok(added.every((r) => r.entry!.id < 0));
  assert.equal(new Set(added.map((r) => r.entry!.id)).size, added.length);
  // A file that became a directory opens onto what the after image has below it.
  assert.equal(rows.find((r) => r.path === '/a')!.opens, true);
  // Rows below the renamed directory know their path on both sides.
  assert.deepEqual(rows.find((r) => r.path === '/usr/lib/new/x')!.change!.moved, { from: '/usr/lib/old/x', to: '/usr/lib/new/x' });
  assert.deepEqual(rows.find((r) => r.path === '/usr/lib/old/x')!.change!.moved, { from: '/usr/lib/old/x', to: '/usr/lib/new/x' });
  // An added directory counts its added entries.
  assert.equal(rows.find((r) => r.path === '/var')!.entry!.childCount, 1);
});

test('selection finds merged rows by id and path, and changeAt gives every row the status the layout gave it', () => {
  const overlay = buildOverlay(CHANGES);
  const rows = flattenTree(1, before(), ALL_OPEN, { overlay, listingIds: LISTING_IDS });
  for (const [i, r] of rowsOf(rows).entries()) {
    assert.equal(rows.indexOf(r.entry!.id, r.path), i, r.path);
    assert.deepEqual(changeAt(overlay, r.path, r.index < 0), r.change, r.path);
  }
  assert.equal(changeAt(overlay, '/etc/hosts', false), undefined);
  assert.equal(changeAt(overlay, '/etc/hosts', true), undefined);
});

test('"changed only" keeps changed entries and the folders leading to them, collapsed ones included', () => {
  const overlay = buildOverlay(CHANGES);
  const open = new Set(['/', '/etc']);
  const paths = (o: Parameters<typeof flattenTree>[3]) => rowsOf(flattenTree(1, before(), open, { overlay, ...o })).map((r) => r.path);
  assert.deepEqual(paths({ changedOnly: true }), ['/', '/a', '/etc', '/etc/demo.conf', '/etc/motd', '/etc/shadow', '/usr', '/var']);
  // Combined with the name filter, a row must pass both.
  assert.deepEqual(paths({ changedOnly: true, filter: 'o' }), ['/', '/etc', '/etc/demo.conf', '/etc/motd', '/etc/shadow']);
  // Unchanged folders without changes below them go; a modified folder stays even with nothing changed inside.
  const mod = buildOverlay([{ kind: 'modified', path: '/usr', nodeKind: 'dir', fields: [{ field: 'mtime', before: '1.000000000', after: '2.000000000' }] }]);
  assert.deepEqual(rowsOf(flattenTree(1, before(), new Set(['/', '/usr']), { overlay: mod, changedOnly: true })).map(show), ['/ *', '/usr modified']);
});

test('without changes in or below a folder its rows are laid out as without a comparison', () => {
  const overlay = buildOverlay(CHANGES.filter((c) => c.path.startsWith('/etc')));
  const plain = rowsOf(flattenTree(1, before(), ALL_OPEN)).filter((r) => r.path.startsWith('/usr'));
  const merged = rowsOf(flattenTree(1, before(), ALL_OPEN, { overlay })).filter((r) => r.path.startsWith('/usr'));
  assert.deepEqual(merged, plain);
});

test('an after-only entry is placed among the loaded entries of a directory still loading, placeholders kept', () => {
  const listings = new Map<number, DirListing>([[1, mergePage(undefined, { total: 4, start: 2, entries: [file(12, 'm'), file(13, 'p')] })]]);
  const overlay = buildOverlay([{ kind: 'added', path: '/n', nodeKind: 'file', fields: [] }]);
  const rows = rowsOf(flattenTree(1, listings, new Set(['/']), { overlay }));
  assert.deepEqual(rows.map((r) => r.entry?.name ?? `#${r.index}`), ['/', '#0', '#1', 'm', 'n', 'p']);
  // Changed only cannot keep what it has not seen: placeholders go, as with the name filter.
  assert.deepEqual(rowsOf(flattenTree(1, listings, new Set(['/']), { overlay, changedOnly: true })).map((r) => r.path), ['/', '/n']);
});

test('names are ordered by their bytes: escapes, backslashes and characters beyond the BMP included', () => {
  const names = ['b', 'a', '\\xff', 'é', '\\\\', '\u{1F600}', '\uFFFD', 'Z', '\\x01'];
  assert.deepEqual(names.slice().sort(compareNames), ['\\x01', 'Z', '\\\\', 'a', 'b', 'é', '\uFFFD', '\u{1F600}', '\\xff']);
});
