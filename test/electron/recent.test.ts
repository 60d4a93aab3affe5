import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withDir } from './fakes.ts';
import { loadRecentFiles } from '../../electron/recent.ts';

test('a missing recent-files file starts an empty list', () =>
  withDir(async (dir) => {
    const r = await loadRecentFiles(join(dir, 'recent.json'));
    assert.deepEqual(r.list(), []);
  }));

test('adding puts the newest first, moves re-opened files to the front and persists', () =>
  withDir(async (dir) => {
    const file = join(dir, 'sub', 'recent.json');
    const r = await loadRecentFiles(file);
    await r.add('/img/a.cfs');
    await r.add('/img/b.cfs');
    await r.add('/img/./a.cfs');
    assert.deepEqual(r.list(), ['/img/a.cfs', '/img/b.cfs']);
    const again = await loadRecentFiles(file);
    assert.deepEqual(again.list(), ['/img/a.cfs', '/img/b.cfs']);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { version: 1, files: ['/img/a.cfs', '/img/b.cfs'] });
  }));

test('the list keeps only the most recent entries up to its limit', () =>
  withDir(async (dir) => {
    const r = await loadRecentFiles(join(dir, 'recent.json'), 3);
    for (const n of ['a', 'b', 'c', 'd']) await r.add(`/img/${n}.cfs`);
    assert.deepEqual(r.list(), ['/img/d.cfs', '/img/c.cfs', '/img/b.cfs']);
  }));

test('remove and clear take entries out and persist', () =>
  withDir(async (dir) => {
    const file = join(dir, 'recent.json');
    const r = await loadRecentFiles(file);
    await r.add('/img/a.cfs');
    await r.add('/img/b.cfs');
    await r.remove('/img/a.cfs');
    assert.deepEqual((await loadRecentFiles(file)).list(), ['/img/b.cfs']);
    await r.clear();
    assert.deepEqual((await loadRecentFiles(file)).list(), []);
  }));

test('a corrupt or hand-edited file is read leniently: bad entries are dropped', () =>
  withDir(async (dir) => {
    const file = join(dir, 'recent.json');
    await writeFile(file, '{"files": [');
    assert.deepEqual((await loadRecentFiles(file)).list(), []);
    await writeFile(file, JSON.stringify({ files: [42, '/x.cfs', '', null, '/x.cfs', 'a\0b', '/y.cfs'] }));
    assert.deepEqual((await loadRecentFiles(file)).list(), ['/x.cfs', '/y.cfs']);
    await writeFile(file, JSON.stringify(['/x.cfs']));
    assert.deepEqual((await loadRecentFiles(file)).list(), []);
  }));

test('concurrent adds all land and leave no temp files behind', () =>
  withDir(async (dir) => {
    const file = join(dir, 'recent.json');
    const r = await loadRecentFiles(file);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => r.add(`/img/${n}.cfs`)));
    assert.deepEqual((await loadRecentFiles(file)).list(), r.list());
    assert.deepEqual(await readdir(dir), ['recent.json']);
  }));
