/**
 * The diff's fast paths (changes built from raw inodes, one-sided entries read without awaiting)
 * on small images built to take them: each diff also runs decoding every node, and the two must
 * agree, so these prove the fast paths report exactly what full decoding reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, openBytes, type EntrySpec } from '../../helpers/image-builder.ts';
import { diff, lines } from './both-ways.ts';
import { formatChange, contentView } from '../../../shared/diff/index.ts';
import { erofsShortcut } from '../../../shared/diff/erofs-shortcut.ts';
import { nodeKey, rawKey } from '../../../shared/diff/identity.ts';
import { compileIgnore } from '../../../shared/diff/options.ts';
import { kindOfMode, S_IFMT, type ImageReader } from '../../../shared/model.ts';
import { openImage } from '../../../shared/open.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { readFileSync } from 'node:fs';

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

test('an escaped whiteout whose mode, owner and mtime change stays a whiteout in the report', async () => {
  const a = [...BASE, { path: '/etc/gone', type: 'whiteout', mtime: 5000 } as EntrySpec];
  const b = [...BASE, { path: '/etc/gone', type: 'whiteout', mtime: 5001, perm: 0o600, uid: 5 } as EntrySpec];
  assert.deepEqual(await lines(a, b), ['modified whiteout /etc/gone mode=20644->20600 uid=0->5 mtime=5000.000000000->5001.000000000']);
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
  assert.deepEqual(await lines(BASE, moved), ['renamed file /etc/small -> /bin/small']);
  assert.deepEqual(await lines(BASE, moved, { dirSizes: true }), [
    'modified dir /bin size=43->60',
    'renamed file /etc/small -> /bin/small',
    'modified dir /etc size=60->43',
  ]);
});

test('a renamed directory whose files keep their names and bytes is one rename', async () => {
  const renamed = BASE.map((e) => (typeof e.path === 'string' && e.path.startsWith('/etc/') ? { ...e, path: e.path.replace('/etc/', '/conf/') } : e));
  assert.deepEqual(await lines(BASE, renamed), ['renamed dir /etc -> /conf']);
});

test('a directory with the same names, sizes and times but other digests is not a rename; its entries are listed', async () => {
  const tree = (dir: string, digest: string): EntrySpec[] => [...BASE, { path: dir, type: 'dir', mtime: 5000 }, { path: `${dir}/lib`, size: 100, digest, mtime: 5000 }];
  const r = await diff(tree('/opt/v1', D1), tree('/opt/v2', D2));
  assert.deepEqual(r.changes.filter((c) => c.kind !== 'modified').map(formatChange), [
    'removed dir /opt/v1',
    'removed file /opt/v1/lib',
    'added dir /opt/v2',
    'added file /opt/v2/lib',
  ]);
  // With the same digest the same two trees are one rename.
  assert.deepEqual((await diff(tree('/opt/v1', D1), tree('/opt/v2', D1))).changes.filter((c) => c.kind !== 'modified').map(formatChange), [
    'renamed dir /opt/v1 -> /opt/v2',
  ]);
});

test('among files alike in size, owner and time, a moved file pairs with the one of equal digest', async () => {
  const twins = (dir: string, first: string): EntrySpec[] => [
    { path: `${dir}/one`, size: 100, digest: first, mtime: 5000 },
    { path: `${dir}/two`, size: 100, digest: first === D1 ? D2 : D1, mtime: 5000 },
  ];
  const r = await diff([...BASE, ...twins('/srv/old', D1)], [...BASE, ...twins('/srv/new', D2)]);
  assert.deepEqual(r.changes.filter((c) => c.kind === 'renamed').map(formatChange), [
    'renamed file /srv/old/two -> /srv/new/one',
    'renamed file /srv/old/one -> /srv/new/two',
  ]);
});

test('a renamed directory holding a whiteout, a device and a symlink is one rename', async () => {
  const tree = (dir: string): EntrySpec[] => [
    ...BASE,
    { path: `${dir}/gone`, type: 'whiteout', mtime: 5000 } as EntrySpec,
    { path: `${dir}/tty`, type: 'chardev', rdev: 1025, mtime: 5000 },
    { path: `${dir}/ln`, type: 'symlink', target: '../etc/conf', mtime: 5000 },
  ];
  assert.deepEqual(await lines(tree('/a'), tree('/b')), ['renamed dir /a -> /b']);
});

/**
 * For every non-directory of an image, the key read from raw bytes (what a one-sided entry gets
 * without decoding) equals the key of the decoded node, and so does the kind; returns how many
 * nodes the raw path could read.
 */
async function rawKeysAgree(open: () => Promise<ImageReader>, label: string): Promise<number> {
  const [a, b] = [await open(), await open()];
  const shortcut = await erofsShortcut(a, b);
  if (!shortcut) return 0;
  let read = 0;
  const seen = new Set<number>();
  const walk = async (id: number): Promise<void> => {
    for (const e of await a.children(id)) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      const node = await a.node(e.id);
      if (node.kind === 'dir') {
        await walk(e.id);
        continue;
      }
      const facts = shortcut.facts('a', e.id);
      if (!facts) continue;
      read++;
      const view = contentView(node);
      assert.equal(kindOfMode((facts.ino.mode & ~S_IFMT) | facts.viewType), kindOfMode(view.mode), `${label} node ${e.id}: kind`);
      for (const options of [{}, { ignoreMtime: true, ignoreOwnership: true }]) {
        const ignore = compileIgnore(options);
        assert.equal(rawKey(ignore, facts.ino, facts.viewType), nodeKey(ignore, node, view), `${label} node ${e.id}: key with ${JSON.stringify(options)}`);
      }
    }
  };
  await walk(a.rootId);
  return read;
}

test('keys read from raw bytes equal the keys of the decoded nodes: every kind of node, whiteouts and hardlinks included', async () => {
  const entries: EntrySpec[] = [
    ...BASE,
    { path: '/etc/gone', type: 'whiteout', mtime: 5000 } as EntrySpec,
    { path: '/etc/hl1', size: 100, digest: D2, mtime: 5000, uid: 3, gid: 4 },
    { path: '/etc/hl2', type: 'hardlink', target: '/etc/hl1' },
    { path: '/dev/sda', type: 'blockdev', rdev: 2048, mtime: 5000 },
    { path: '/empty', content: '', mtime: 5000 },
    { path: '/x', content: 'x'.repeat(5000), mtime: 5000, xattrs: { 'user.a': '1', 'trusted.overlay.custom': 'y' } },
  ];
  const image = buildImage({ entries });
  const read = await rawKeysAgree(() => openBytes(image), 'built');
  assert.ok(read >= entries.length - 2, `most nodes are read from raw bytes (${read})`);
});

test('keys read from raw bytes equal the keys of the decoded nodes in every corpus image the shortcut reads', { skip: corpusSkip }, async () => {
  const images = [
    ['01-readme', 'image.cfs'], ['02-fs-tree', 'image.cfs'], ['04-dump-tree', 'image.cfs'], ['04-dump-tree-v0', 'image.cfs'],
    ['05-upstream', 'special', 'image.cfs'], ['05-upstream', 'special_v1', 'image.cfs'], ['05-upstream', 'fuzz-alpine', 'image.cfs'],
    ['05-upstream', 'honggfuzz-chardev-nonzero-size', 'image.cfs'], ['07-quirks', 'image.cfs'],
    ['08-mkfs-erofs', 'plain', 'image.erofs'], ['08-mkfs-erofs', 'chunked-4k', 'image.erofs'], ['08-mkfs-erofs', 'extended', 'image.erofs'],
  ];
  let read = 0;
  for (const p of images) {
    const bytes = new Uint8Array(readFileSync(corpusPath(...p)));
    read += await rawKeysAgree(() => openImage(memorySource(bytes)), p.join('/'));
  }
  assert.ok(read > 100, `the corpus gave the raw path real work (${read} nodes)`);
});
