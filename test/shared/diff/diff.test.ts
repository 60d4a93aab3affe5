/**
 * The diff engine on small images built by our writer: one test per class of change and per
 * ignore option. Every diff here runs twice, with the raw-byte shortcut and decoding every node,
 * and the two must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage, openBytes, type EntrySpec } from '../../helpers/image-builder.ts';
import { diff, lines } from './both-ways.ts';
import { formatChange } from '../../../shared/diff/index.ts';

const D1 = '11'.repeat(32);
const D2 = '22'.repeat(32);
const D3 = '33'.repeat(32);

const BASE: EntrySpec[] = [
  { path: '/', mtime: 1000 },
  { path: '/etc/conf', size: 100, digest: D1, mtime: 1000 },
  { path: '/etc/small', content: 'hello\n', mtime: 1000 },
  { path: '/etc/big', content: 'x'.repeat(200), mtime: 1000 },
  { path: '/bin/sh', size: 5000, digest: D2, perm: 0o755, mtime: 1000 },
  { path: '/bin/link', type: 'symlink', target: 'sh', mtime: 1000 },
  { path: '/dev/null', type: 'chardev', rdev: 259, mtime: 1000 },
  { path: '/x', content: 'x', mtime: 1000, xattrs: { 'user.a': '1', 'user.b': '2', 'security.selinux': 'system_u:object_r:etc_t:s0' } },
  { path: '/var/lib/db', size: 70, digest: D3, mtime: 1000 },
  { path: '/var/lib/empty', content: '', mtime: 1000 },
];

/** BASE with entries replaced (same path), removed (value null) or added. */
function variant(changes: Record<string, Partial<EntrySpec> | null>, base = BASE): EntrySpec[] {
  const out: EntrySpec[] = [];
  for (const e of base) {
    const c = changes[e.path as string];
    if (c === null) continue;
    out.push(c ? { ...e, ...c } : e);
  }
  for (const [path, c] of Object.entries(changes)) {
    if (c && !base.some((e) => e.path === path)) out.push({ mtime: 1000, ...c, path } as EntrySpec);
  }
  return out;
}


test('identical images report no change and zero counts', async () => {
  const r = await diff(BASE, BASE);
  assert.deepEqual(r, { counts: { added: 0, removed: 0, modified: 0, renamed: 0 }, changes: [] });
});

test('an added file is reported once; its directory, whose only change is its size, is not', async () => {
  const r = await diff(BASE, variant({ '/etc/new': { size: 10, digest: 'ab'.repeat(32) } }));
  assert.deepEqual(r.changes.map(formatChange), ['added file /etc/new']);
  assert.deepEqual(r.counts, { added: 1, removed: 0, modified: 0, renamed: 0 });
});

// An EROFS directory's size is its dirents: 12 bytes per entry ("." and ".." included) plus the names.
test('with dirSizes, the directory whose entry list grew is reported with its size', async () => {
  const r = await diff(BASE, variant({ '/etc/new': { size: 10, digest: 'ab'.repeat(32) } }), { dirSizes: true });
  assert.deepEqual(r.changes.map(formatChange), ['modified dir /etc size=75->90', 'added file /etc/new']);
  assert.deepEqual(r.counts, { added: 1, removed: 0, modified: 1, renamed: 0 });
});

test('a removed file is reported as removed; with dirSizes its directory too', async () => {
  const r = await diff(BASE, variant({ '/etc/small': null }));
  assert.deepEqual(r.changes.map(formatChange), ['removed file /etc/small']);
  assert.deepEqual(r.counts, { added: 0, removed: 1, modified: 0, renamed: 0 });
  const sized = await diff(BASE, variant({ '/etc/small': null }), { dirSizes: true });
  assert.deepEqual(sized.changes.map(formatChange), ['modified dir /etc size=75->58', 'removed file /etc/small']);
  assert.deepEqual(sized.counts, { added: 0, removed: 1, modified: 1, renamed: 0 });
});

test('a directory whose size changed along with another field keeps its size field, with or without dirSizes', async () => {
  const [root, ...rest] = variant({ '/etc/new': { content: 'n', mtime: 1000 } });
  const b: EntrySpec[] = [root!, { path: '/etc', type: 'dir', mtime: 2000 }, ...rest];
  const want = ['modified dir /etc size=75->90 mtime=1000.000000000->2000.000000000', 'added file /etc/new'];
  assert.deepEqual(await lines(BASE, b), want);
  assert.deepEqual(await lines(BASE, b, { dirSizes: true }), want);
});

test('an added directory is listed with everything below it, parents first', async () => {
  const b = variant({ '/opt/app/bin/run': { content: '#!/bin/sh\n' }, '/opt/app/README': { content: 'read me' } });
  const r = await diff(BASE, b);
  assert.deepEqual(
    r.changes.filter((c) => c.kind === 'added').map((c) => `${c.nodeKind} ${c.path}`),
    // Names sort by bytes, as on disk: "README" before "bin".
    ['dir /opt', 'dir /opt/app', 'file /opt/app/README', 'dir /opt/app/bin', 'file /opt/app/bin/run'],
  );
  assert.equal(r.counts.added, 5);
});

test('a removed directory tree is listed entry by entry', async () => {
  const r = await diff(BASE, variant({ '/var/lib/db': null, '/var/lib/empty': null }));
  assert.deepEqual(r.changes.map(formatChange), [
    'modified dir / nlink=6->5', // the root is a whole block either way (composefs keeps 256 whiteouts there)
    'removed dir /var',
    'removed dir /var/lib',
    'removed file /var/lib/db',
    'removed file /var/lib/empty',
  ]);
});

test('mode, owner and mtime (to the nanosecond) changes are reported field by field', async () => {
  const b = variant({ '/bin/sh': { perm: 0o4755, uid: 0, gid: 10 }, '/etc/conf': { uid: 1000, mtime: { sec: 1000, nsec: 5 } } });
  assert.deepEqual(await lines(BASE, b), [
    'modified file /bin/sh mode=100755->104755 gid=0->10',
    'modified file /etc/conf uid=0->1000 mtime=1000.000000000->1000.000000005',
  ]);
});

test('a new object digest is a content change; a redirect derived from it is not reported twice', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/etc/conf': { digest: D3 } })), [`modified file /etc/conf digest=${D1}->${D3}`]);
});

test('a custom redirect change with the same digest is reported as a redirect change', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/etc/conf': { payload: 'custom/obj' } })), [
    `modified file /etc/conf redirect=${D1.slice(0, 2)}/${D1.slice(2)}->custom/obj`,
  ]);
});

test('inline content changes show the bytes when short and their sha256 when long', async () => {
  const b = variant({ '/etc/small': { content: 'HELLO\n' }, '/etc/big': { content: 'y'.repeat(200) } });
  const r = await diff(BASE, b);
  assert.deepEqual(r.changes.map((c) => c.path), ['/etc/big', '/etc/small']);
  const [big, small] = r.changes.map((c) => c.fields);
  assert.equal(big!.length, 1);
  assert.equal(big![0]!.field, 'data');
  assert.match(big![0]!.before!, /^sha256:[0-9a-f]{64}$/);
  assert.match(big![0]!.after!, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(big![0]!.before, big![0]!.after);
  assert.deepEqual(small, [{ field: 'data', before: 'hello\\x0a', after: 'HELLO\\x0a' }]);
});

test('inline content moving to an object store reports size, digest and the inline bytes that went', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/etc/small': { content: undefined, size: 6, digest: D3 } })), [
    `modified file /etc/small added:digest=${D3} removed:data=hello\\x0a`,
  ]);
});

test('a symlink retarget is a target change', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/bin/link': { target: 'bash' } })), ['modified symlink /bin/link size=2->4 target=sh->bash']);
});

test('a file replaced by a symlink is one modified entry with a type change', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/etc/conf': { type: 'symlink', target: 'small', size: undefined, digest: undefined, perm: 0o777 } })), [
    `modified symlink /etc/conf type=file->symlink mode=100644->120777 size=100->5 added:target=small removed:digest=${D1}`,
  ]);
});

test('a file replaced by a directory reports the type change and the new entries below it', async () => {
  const b = [...variant({ '/etc/small': null }), { path: '/etc/small', type: 'dir', mtime: 1000 } as EntrySpec, { path: '/etc/small/inner', content: 'i', mtime: 1000 }];
  const r = await diff(BASE, b);
  assert.deepEqual(
    r.changes.map((c) => `${c.kind} ${c.path} ${c.fields.map((f) => f.field).join(',')}`),
    ['modified /etc nlink', 'modified /etc/small type,mode,size,nlink,data', 'added /etc/small/inner '],
  );
});

test('a device number change is an rdev change', async () => {
  assert.deepEqual(await lines(BASE, variant({ '/dev/null': { rdev: 260 } })), ['modified chardev /dev/null rdev=259->260']);
});

test('a file turned into a whiteout changes type and whiteout status', async () => {
  const r = await diff(BASE, variant({ '/var/lib/empty': { type: 'whiteout', content: undefined } }));
  const c = r.changes.find((x) => x.path === '/var/lib/empty')!;
  assert.equal(c.nodeKind, 'whiteout');
  assert.deepEqual(c.fields.find((f) => f.field === 'whiteout'), { field: 'whiteout', before: 'false', after: 'true' });
  assert.deepEqual(c.fields.find((f) => f.field === 'type'), { field: 'type', before: 'file', after: 'whiteout' });
});

test('xattrs are compared key by key: added, removed and changed values, binary shown escaped', async () => {
  const b = variant({ '/x': { xattrs: { 'user.a': '1', 'user.b': 'two', 'user.c': new Uint8Array([0, 255, 0x3e]) } } });
  assert.deepEqual(await lines(BASE, b), [
    'modified file /x removed:xattr:security.selinux=system_u:object_r:etc_t:s0 xattr:user.b=2->two added:xattr:user.c=\\x00\\xff\\x3e',
  ]);
});

test('hardlinks split into separate files report link count and partner changes on both names', async () => {
  const a = [...BASE, { path: '/etc/hl1', size: 100, digest: D2, mtime: 1000 }, { path: '/etc/hl2', type: 'hardlink', target: '/etc/hl1' } as EntrySpec];
  const b = [...BASE, { path: '/etc/hl1', size: 100, digest: D2, mtime: 1000 }, { path: '/etc/hl2', size: 100, digest: D2, mtime: 1000 }];
  const r = await diff(a, b);
  assert.deepEqual(r.changes.map(formatChange), [
    'modified file /etc/hl1 nlink=2->1 removed:hardlink:/etc/hl2=linked',
    'modified file /etc/hl2 nlink=2->1 removed:hardlink:/etc/hl1=linked',
  ]);
});

test('a hardlink moved to a new partner changes the partner list, not the link count', async () => {
  const hl = (name: string): EntrySpec[] => [
    { path: '/etc/hl1', size: 100, digest: D2, mtime: 1000 },
    { path: '/etc/hl2', size: 100, digest: D2, mtime: 1000 },
    { path: name, type: 'hardlink', target: '/etc/hl1' },
  ];
  const r = await diff([...BASE, ...hl('/etc/link-a')], [...BASE, ...hl('/var/link-b')]);
  const hl1 = r.changes.find((c) => c.path === '/etc/hl1');
  assert.deepEqual(hl1?.fields, [
    { field: 'hardlink:/etc/link-a', before: 'linked' },
    { field: 'hardlink:/var/link-b', after: 'linked' },
  ]);
});

test('a file at a new path with the same content and metadata is a rename, across directories too', async () => {
  const r = await diff(BASE, variant({ '/etc/conf': null, '/var/conf.moved': { size: 100, digest: D1, mtime: 1000 } }));
  const renamed = r.changes.filter((c) => c.kind === 'renamed');
  assert.deepEqual(renamed.map(formatChange), ['renamed file /etc/conf -> /var/conf.moved']);
  assert.equal(r.counts.renamed, 1);
  assert.equal(r.counts.added + r.counts.removed, 0);
});

test('a renamed directory is one rename, not its entries added and removed', async () => {
  const b = variant({ '/var/lib/db': null, '/var/lib/empty': null, '/srv/lib/db': { size: 70, digest: D3 }, '/srv/lib/empty': { content: '' } });
  const r = await diff(BASE, b);
  assert.deepEqual(r.changes.filter((c) => c.kind !== 'modified').map(formatChange), ['renamed dir /var -> /srv']);
});

test('a directory moved under a new parent is a rename below an added directory', async () => {
  const b = variant({ '/var/lib/db': null, '/var/lib/empty': null, '/srv/data/db': { size: 70, digest: D3 }, '/srv/data/empty': { content: '' } });
  const r = await diff(BASE, b);
  assert.deepEqual(r.changes.filter((c) => c.kind !== 'modified').map(formatChange), [
    'added dir /srv',
    'renamed dir /var/lib -> /srv/data',
    'removed dir /var',
  ]);
});

test('same content with different metadata is a removal and an addition, not a rename', async () => {
  const r = await diff(BASE, variant({ '/etc/conf': null, '/etc/conf2': { size: 100, digest: D1, perm: 0o600 } }));
  assert.deepEqual(r.changes.filter((c) => c.kind !== 'modified').map(formatChange), ['removed file /etc/conf', 'added file /etc/conf2']);
});

test('empty files are not paired as renames: nothing identifies them', async () => {
  const r = await diff(BASE, variant({ '/var/lib/empty': null, '/var/lib/empty2': { content: '' } }));
  assert.deepEqual(r.counts, { added: 1, removed: 1, modified: 0, renamed: 0 });
});

test('several identical candidates pair up in path order, deterministically', async () => {
  const a = [...BASE, { path: '/m/a1', content: 'same', mtime: 1000 }, { path: '/m/a2', content: 'same', mtime: 1000 }];
  const b = [...BASE, { path: '/m/b1', content: 'same', mtime: 1000 }, { path: '/m/b2', content: 'same', mtime: 1000 }];
  const r = await diff(a, b);
  assert.deepEqual(r.changes.filter((c) => c.kind === 'renamed').map(formatChange), [
    'renamed file /m/a1 -> /m/b1',
    'renamed file /m/a2 -> /m/b2',
  ]);
});

test('inline files with equal metadata but different bytes are not paired as a rename', async () => {
  const r = await diff(BASE, variant({ '/etc/small': null, '/etc/small2': { content: 'HELLO\n' } }));
  assert.deepEqual(r.counts, { added: 1, removed: 1, modified: 0, renamed: 0 });
});

test('ignoring mtime hides mtime-only changes, directories included, and lets a touched file pair as a rename', async () => {
  const b = variant({ '/': { mtime: 2000 }, '/etc/conf': { mtime: 2000 }, '/bin/sh': { mtime: 2000, perm: 0o700 } });
  assert.deepEqual(await lines(BASE, b, { ignoreMtime: true }), ['modified file /bin/sh mode=100755->100700']);
  const moved = variant({ '/etc/conf': null, '/etc/conf.new': { size: 100, digest: D1, mtime: 5000 } });
  assert.deepEqual(
    (await diff(BASE, moved, { ignoreMtime: true })).changes.filter((c) => c.kind !== 'modified').map(formatChange),
    ['renamed file /etc/conf -> /etc/conf.new'],
  );
  assert.equal((await diff(BASE, moved)).counts.renamed, 0, 'without the option the touched file is not a rename');
});

test('ignoring ownership hides uid and gid changes but not mode changes', async () => {
  const b = variant({ '/bin/sh': { uid: 5, gid: 6 }, '/etc/conf': { uid: 7, perm: 0o600 } });
  assert.deepEqual(await lines(BASE, b, { ignoreOwnership: true }), ['modified file /etc/conf mode=100644->100600']);
});

test('ignoring xattr patterns hides matching names only; patterns are globs', async () => {
  const b = variant({ '/x': { xattrs: { 'user.a': 'one', 'user.b': '2', 'security.selinux': 'other' } } });
  assert.deepEqual(await lines(BASE, b, { ignoreXattrs: ['security.*'] }), ['modified file /x xattr:user.a=1->one']);
  assert.deepEqual(await lines(BASE, b, { ignoreXattrs: ['security.*', 'user.?'] }), []);
  assert.deepEqual(await lines(BASE, b, { ignoreXattrs: ['user.[b-z]'] }), [
    'modified file /x xattr:security.selinux=system_u:object_r:etc_t:s0->other xattr:user.a=1->one',
  ]);
});

test('names with spaces, newlines, backslashes and invalid UTF-8 print as single escaped tokens', async () => {
  const odd = new Uint8Array([0x61, 0x20, 0x62, 0x0a, 0x5c, 0xff, 0x3e]); // "a b\n\\\xff>"
  const path = new Uint8Array([0x2f, ...odd]);
  const r = await diff(BASE, [...BASE, { path, content: 'v', mtime: 1000 }, { path: '/café', content: 'w', mtime: 1000 }]);
  const added = r.changes.filter((c) => c.kind === 'added');
  assert.deepEqual(added.map((c) => c.path), ['/a b\\x0a\\\\\\xff>', '/café']);
  assert.deepEqual(added.map(formatChange), ['added file /a\\x20b\\x0a\\\\\\xff>', 'added file /café']);
});

test('field values: an absent side is empty, an empty value is "", and > in a value is escaped', async () => {
  const b = variant({ '/x': { xattrs: { 'user.a': '', 'user.b': 'a->b', 'security.selinux': 'system_u:object_r:etc_t:s0' } } });
  assert.deepEqual(await lines(BASE, b), ['modified file /x xattr:user.a=1->"" xattr:user.b=2->a-\\x3eb']);
});

test('the 256 whiteouts a composefs root always carries are not reported, though they change with the root', async () => {
  const b = variant({ '/': { mtime: 2000 } });
  const [ra, rb] = [await openBytes(buildImage({ entries: BASE })), await openBytes(buildImage({ entries: b }))];
  const hidden = async (r: typeof ra) => {
    const e = (await r.children(r.rootId)).find((x) => x.name.length === 2 && x.name[0] === 0x30 && x.name[1] === 0x30)!;
    return r.node(e.id);
  };
  assert.notEqual((await hidden(ra)).mtime.sec, (await hidden(rb)).mtime.sec, 'the hidden whiteout /00 did change');
  // Parents the builder creates take the root's mtime; the whiteouts are the only other nodes that do.
  assert.deepEqual(
    await lines(BASE, b),
    ['/', '/bin', '/dev', '/etc', '/var', '/var/lib'].map((d) => `modified dir ${d} mtime=1000.000000000->2000.000000000`),
  );
});
