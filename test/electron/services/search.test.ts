import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, openBytes } from '../../helpers/image-builder.ts';
import { buildSearchIndex, globToRegExp, queryMode } from '../../../electron/services/search.ts';

const IMAGE = buildImage({
  entries: [
    { path: '/etc/hostname', content: 'box\n' },
    { path: '/etc/ssl/openssl.cnf', content: 'x' },
    { path: '/usr/lib/libc.so.6', content: 'elf' },
    { path: '/usr/lib/libm.so.6', content: 'elf' },
    { path: '/usr/lib/libc.so', type: 'symlink', target: 'libc.so.6' },
    { path: '/usr/share/doc/README', content: 'read me' },
    { path: new Uint8Array([0x2f, 0x62, 0x61, 0x64, 0xff]), content: 'non-UTF-8 name' },
  ],
});

const paths = async (query: string, limit?: number) => {
  const index = await buildSearchIndex(await openBytes(IMAGE));
  const r = index.search(query, limit);
  return { paths: r.hits.map((h) => h.path), total: r.total, mode: r.mode };
};

test('the index holds every entry of the image except the root, however deep, without expanding anything', async () => {
  const index = await buildSearchIndex(await openBytes(IMAGE));
  assert.equal(index.entries, 13);
  assert.equal(index.problems, 0);
});

test('a plain query matches names containing it, ignoring case unless it has capitals', async () => {
  assert.deepEqual(await paths('libc'), { paths: ['/usr/lib/libc.so', '/usr/lib/libc.so.6'], total: 2, mode: 'name' });
  assert.deepEqual((await paths('readme')).paths, ['/usr/share/doc/README']);
  assert.deepEqual((await paths('Readme')).paths, [], 'smart case: a capital makes it exact');
  assert.deepEqual((await paths('usr')).paths, ['/usr'], 'names only, not the folders above');
});

test('a glob matches whole names; with a slash, whole paths', async () => {
  assert.deepEqual(await paths('*.so.?'), { paths: ['/usr/lib/libc.so.6', '/usr/lib/libm.so.6'], total: 2, mode: 'glob' });
  assert.deepEqual((await paths('lib[!c]*')).paths, ['/usr/lib/libm.so.6']);
  assert.deepEqual((await paths('/usr/*/lib*.so')).paths, ['/usr/lib/libc.so']);
  assert.deepEqual((await paths('/usr/**/README')).paths, ['/usr/share/doc/README']);
});

test('a query starting with / matches full paths by prefix', async () => {
  assert.deepEqual(await paths('/etc/ss'), { paths: ['/etc/ssl', '/etc/ssl/openssl.cnf'], total: 2, mode: 'path' });
});

test('non-UTF-8 names are searchable in their escaped display form', async () => {
  assert.deepEqual((await paths('\\xff')).paths, ['/bad\\xff']);
});

test('the count is every match; the hits stop at the limit', async () => {
  assert.deepEqual(await paths('l', 2), { paths: ['/etc/ssl', '/etc/ssl/openssl.cnf'], total: 6, mode: 'name' });
  assert.deepEqual(await paths('   '), { paths: [], total: 0, mode: 'name' });
});

test('query forms and glob translation', () => {
  assert.equal(queryMode('a*'), 'glob');
  assert.equal(queryMode('/a'), 'path');
  assert.equal(queryMode('a.b'), 'name');
  assert.equal(globToRegExp('a.b*', false).source, '^a\\.b[^/]*$');
  assert.equal(globToRegExp('[ab', false).test('[ab'), true, 'an unclosed bracket is literal');
});
