import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TreeEntry } from '../../shared/api.ts';
import { flattenTree, mergePage, missingPages, rowsOf, type DirListing } from '../../renderer/tree.ts';

const file = (id: number, name: string, extra: Partial<TreeEntry> = {}): TreeEntry => ({ id, name, kind: 'file', ...extra });
const dir = (id: number, name: string, childCount: number): TreeEntry => ({ id, name, kind: 'dir', childCount });
const full = (entries: TreeEntry[]): DirListing => mergePage(undefined, { total: entries.length, start: 0, entries });

/** / = { a/ = { x, y }, b/ = { z }, c, 00 (hidden whiteout) } */
function sample() {
  const listings = new Map<number, DirListing>([
    [1, full([file(9, '00', { kind: 'chardev', whiteout: true, hidden: true }), dir(2, 'a', 2), dir(3, 'b', 1), file(4, 'c')])],
    [2, full([file(5, 'x'), file(6, 'y')])],
    [3, full([file(7, 'z')])],
  ]);
  return listings;
}
const paths = (rows: ReturnType<typeof flattenTree>) => rowsOf(rows).map((r) => r.path);

test('only the root shows until it is expanded; expanded folders list their children depth first', () => {
  const l = sample();
  assert.deepEqual(paths(flattenTree(1, l, new Set())), ['/']);
  const rows = flattenTree(1, l, new Set(['/', '/a']));
  assert.deepEqual(paths(rows), ['/', '/a', '/a/x', '/a/y', '/b', '/c']);
  assert.deepEqual(rowsOf(rows).map((r) => r.depth), [0, 1, 2, 2, 1, 1]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => rows.parentOf(i)), [-1, 0, 1, 1, 0, 0]);
  assert.equal(rows.indexOf(6, '/a/y'), 3);
  assert.equal(rows.indexOf(7, '/b/z'), -1);
  assert.equal(rows.indexOf(1, '/'), 0);
});

test('hidden entries appear only when asked for', () => {
  const rows = flattenTree(1, sample(), new Set(['/']), { showHidden: true });
  assert.deepEqual(paths(rows), ['/', '/00', '/a', '/b', '/c']);
});

test('the filter keeps matching names and the folders leading to them, case-insensitively', () => {
  const rows = flattenTree(1, sample(), new Set(['/', '/a', '/b']), { filter: 'Y' });
  assert.deepEqual(paths(rows), ['/', '/a', '/a/y']);
  assert.equal(rows.parentOf(2), 1);
  assert.deepEqual(paths(flattenTree(1, sample(), new Set(['/', '/a', '/b']), { filter: 'nothing' })), ['/']);
});

test('unloaded entries are placeholders that know their directory and index, and the filter drops them', () => {
  const listings = new Map<number, DirListing>([[1, mergePage(undefined, { total: 5, start: 2, entries: [file(12, 'm'), file(13, 'n')] })]]);
  const rows = flattenTree(1, listings, new Set(['/']));
  const all = rowsOf(rows);
  assert.equal(all.length, 6);
  assert.deepEqual(all.map((r) => r.entry?.name ?? `#${r.index}`), ['/', '#0', '#1', 'm', 'n', '#4']);
  assert.ok(all.slice(1).every((r) => r.parentId === 1));
  assert.equal(new Set(all.map((r) => r.path)).size, 6, 'row keys are unique');
  assert.deepEqual(paths(flattenTree(1, listings, new Set(['/']), { filter: 'n' })), ['/', '/n']);
  assert.deepEqual(missingPages(listings.get(1)!, 0, 5, 2), [0, 2]);
});

test('a folder listed inside itself only grows as far as it is expanded', () => {
  const listings = new Map<number, DirListing>([[1, full([dir(1, 'loop', 1)])]]);
  const rows = flattenTree(1, listings, new Set(['/', '/loop', '/loop/loop']));
  assert.deepEqual(paths(rows), ['/', '/loop', '/loop/loop', '/loop/loop/loop']);
});

test('laying out a 200,000-entry folder makes no row objects up front', () => {
  const n = 200_000;
  const listings = new Map<number, DirListing>([
    [1, full([dir(2, 'huge', n)])],
    [2, mergePage(undefined, { total: n, start: n - 2, entries: [file(3, 'last-1'), file(4, 'last')] })],
  ]);
  const rows = flattenTree(1, listings, new Set(['/', '/huge']));
  assert.equal(rows.length, n + 2);
  assert.equal(rows.at(n + 1).entry?.name, 'last');
  assert.equal(rows.at(1000).entry, undefined);
  assert.equal(rows.parentOf(n + 1), 1);
  assert.equal(rows.indexOf(4, '/huge/last'), n + 1);
});
