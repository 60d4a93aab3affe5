/**
 * The diff's fast paths (changes built from raw inodes, one-sided entries read without awaiting)
 * on small images built to take them: each diff also runs decoding every node, and the two must
 * agree, so these prove the fast paths report exactly what full decoding reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, openBytes, type EntrySpec } from '../../helpers/image-builder.ts';
import { diffImages, formatChange, contentView } from '../../../shared/diff/index.ts';
import { diffWithView, type DiffResult } from '../../../shared/diff/diff.ts';
import type { DiffOptions } from '../../../shared/api.ts';

const D1 = '11'.repeat(32);
const D2 = '22'.repeat(32);

// mtimes away from the build time keep inodes extended on both sides, so a changed mtime, mode or
// owner changes only the inode core: the case the raw comparison settles without decoding.
const BASE: EntrySpec[] = [
  { path: '/', mtime: 1000 },
  { path: '/etc/conf', size: 100, digest: D1, mtime: 5000 },
  { path: '/etc/small', content: 'hello\n', mtime: 5000, xattrs: { 'security.selinux': 'ctx' } },
  { path: '/bin/link', type: 'symlink', target: 'sh', mtime: 5000 },
  { path: '/dev/null', type: 'chardev', rdev: 259, mtime: 5000 },
];

async function diff(a: EntrySpec[], b: EntrySpec[], options: DiffOptions = {}): Promise<DiffResult> {
  const [ia, ib] = [buildImage({ entries: a }), buildImage({ entries: b })];
  const fast = await diffImages(await openBytes(ia), await openBytes(ib), options);
  const slow = await diffWithView(await openBytes(ia), await openBytes(ib), contentView, { ...options, exhaustive: true });
  assert.deepEqual(fast, slow, 'the raw-byte shortcut agrees with decoding every node');
  return fast;
}

const lines = async (a: EntrySpec[], b: EntrySpec[], options?: DiffOptions) => (await diff(a, b, options)).changes.map(formatChange);

const touched = (mtime: number, extra: Partial<EntrySpec> = {}): EntrySpec[] =>
  BASE.map((e) => (e.path === '/' ? e : { ...e, mtime, ...extra }));

test('files, symlinks and devices whose inode core alone changed report mode, owner, mtime and link count', async () => {
  assert.deepEqual(await lines(BASE, touched(5001, { perm: 0o600, uid: 7, gid: 8 })), [
    'modified symlink /bin/link mode=120777->120600 uid=0->7 gid=0->8 mtime=5000.000000000->5001.000000000',
    'modified chardev /dev/null mode=20644->20600 uid=0->7 gid=0->8 mtime=5000.000000000->5001.000000000',
    'modified file /etc/conf mode=100644->100600 uid=0->7 gid=0->8 mtime=5000.000000000->5001.000000000',
    'modified file /etc/small mode=100644->100600 uid=0->7 gid=0->8 mtime=5000.000000000->5001.000000000',
  ]);
});

test('ignore options apply to changes built from raw inodes', async () => {
  const b = touched(5001, { uid: 7 });
  assert.deepEqual(await lines(BASE, b, { ignoreMtime: true, ignoreOwnership: true }), []);
  assert.deepEqual(await lines(BASE, b, { ignoreMtime: true }), [
    'modified symlink /bin/link uid=0->7',
    'modified chardev /dev/null uid=0->7',
    'modified file /etc/conf uid=0->7',
    'modified file /etc/small uid=0->7',
  ]);
});

test('an escaped whiteout whose mode, owner and mtime change stays a char device in the report', async () => {
  const a = [...BASE, { path: '/etc/gone', type: 'whiteout', mtime: 5000 } as EntrySpec];
  const b = [...BASE, { path: '/etc/gone', type: 'whiteout', mtime: 5001, perm: 0o600, uid: 5 } as EntrySpec];
  assert.deepEqual(await lines(a, b), ['modified chardev /etc/gone mode=20644->20600 uid=0->5 mtime=5000.000000000->5001.000000000']);
});

test('hardlinked files touched together report their own changes and no partner change', async () => {
  const links = (mtime: number): EntrySpec[] => [
    ...BASE,
    { path: '/etc/hl1', size: 100, digest: D2, mtime },
    { path: '/etc/hl2', type: 'hardlink', target: '/etc/hl1' },
  ];
  assert.deepEqual(await lines(links(5000), links(5001)), [
    'modified file /etc/hl1 mtime=5000.000000000->5001.000000000',
    'modified file /etc/hl2 mtime=5000.000000000->5001.000000000',
  ]);
});

test('an inline file moved to another directory pairs as a rename: its bytes are hashed the same on both sides', async () => {
  const moved = BASE.map((e) => (e.path === '/etc/small' ? { ...e, path: '/bin/small' } : e));
  assert.deepEqual(await lines(BASE, moved), [
    'modified dir /bin size=43->60',
    'renamed file /etc/small -> /bin/small',
    'modified dir /etc size=60->43',
  ]);
});

test('a renamed directory whose files keep their names and bytes is one rename', async () => {
  const renamed = BASE.map((e) => (typeof e.path === 'string' && e.path.startsWith('/etc/') ? { ...e, path: e.path.replace('/etc/', '/conf/') } : e));
  assert.deepEqual(await lines(BASE, renamed), ['renamed dir /etc -> /conf']);
});
