/**
 * Bad input never hangs or crashes the diff: directory loops are refused with a DecodeError,
 * decode failures say which image they came from, and the raw-byte shortcut never changes a
 * result, even on images with random damage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { openImage } from '../../../shared/open.ts';
import { contentView, diffImages, formatChange } from '../../../shared/diff/index.ts';
import { diffWithView } from '../../../shared/diff/diff.ts';
import { failedImage } from '../../../shared/diff/errors.ts';
import { S_IFDIR, S_IFREG, stringToBytes, type DirEntry, type ImageNode, type ImageReader } from '../../../shared/model.ts';
import { buildImage, openBytes, type EntrySpec } from '../../helpers/image-builder.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { mulberry32 } from '../../helpers/prng.ts';

/** A minimal in-memory reader: nodes by id, children as given (order and all). */
function fakeReader(nodes: Record<number, { dir?: boolean; children?: [string, number][]; failNode?: boolean }>): ImageReader {
  const node = async (id: number): Promise<ImageNode> => {
    const n = nodes[id];
    if (!n || n.failNode) throw new DecodeError(`inode ${id} is damaged`, id * 32, 32, 'test.damaged');
    return {
      id, kind: n.dir ? 'dir' : 'file', mode: (n.dir ? S_IFDIR : S_IFREG) | 0o644, uid: 0, gid: 0, size: 0,
      mtime: { sec: 0, nsec: 0 }, nlink: 1, rdev: 0, xattrs: [], data: { kind: 'none' }, ranges: [],
    };
  };
  return {
    format: 'erofs',
    rootId: 1,
    size: 0,
    info: () => ({ format: 'erofs', size: 0, fields: [], features: [] }),
    node,
    children: async (id) =>
      (nodes[id]?.children ?? []).map(([name, child]): DirEntry => ({ name: stringToBytes(name), id: child, kind: nodes[child]?.dir ? 'dir' : 'file' })),
    readData: async () => new Uint8Array(0),
    findings: () => [],
    bytes: async () => new Uint8Array(0),
    close: async () => {},
  };
}

test('a directory that contains itself is refused with a DecodeError instead of walking forever', async () => {
  const plain = fakeReader({ 1: { dir: true, children: [['d', 2]] }, 2: { dir: true } });
  const loop = fakeReader({ 1: { dir: true, children: [['d', 2]] }, 2: { dir: true, children: [['again', 1]] } });
  await assert.rejects(diffImages(plain, loop), (e: unknown) => e instanceof DecodeError && e.code === 'diff.directory-loop' && /\/d\/again/.test(e.message));
  await assert.rejects(diffImages(loop, loop), (e: unknown) => e instanceof DecodeError && e.code === 'diff.directory-loop');
});

test('children listed out of order on disk are still compared and reported in name order', async () => {
  const a = fakeReader({ 1: { dir: true, children: [['b', 2], ['a', 3]] }, 2: {}, 3: {} });
  const b = fakeReader({ 1: { dir: true, children: [['c', 4], ['a', 3]] }, 3: {}, 4: {} });
  const r = await diffImages(a, b);
  assert.deepEqual(r.changes.map(formatChange), ['removed file /b', 'added file /c']);
});

test('a node that cannot be decoded fails the diff, and the failure says which image it came from', async () => {
  const good = fakeReader({ 1: { dir: true, children: [['f', 2]] }, 2: {} });
  const bad = fakeReader({ 1: { dir: true, children: [['f', 2]] }, 2: { failNode: true } });
  await assert.rejects(diffImages(good, bad), (e: unknown) => e instanceof DecodeError && failedImage(e) === 'b');
  await assert.rejects(diffImages(bad, good), (e: unknown) => e instanceof DecodeError && failedImage(e) === 'a');
});

/** Deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
const rng = mulberry32;

/** Outcome of a diff as comparable data: the result, or the error's code and image. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (e) {
    return { error: e instanceof DecodeError ? e.code : String((e as Error)?.message), image: failedImage(e) };
  }
}

test('on randomly damaged copies of an image the shortcut and full decoding give the same outcome', async () => {
  const image = buildImage({
    entries: [
      { path: '/etc/a', size: 100, digest: '11'.repeat(32), xattrs: { 'security.selinux': 'ctx', 'user.x': '1' } },
      { path: '/etc/b', content: 'inline bytes', xattrs: { 'security.selinux': 'ctx' } },
      { path: '/etc/c', type: 'symlink', target: 'a' },
      { path: '/usr/lib/d', size: 9000, digest: '22'.repeat(32), uid: 70000 },
      { path: '/usr/lib/e', type: 'hardlink', target: '/usr/lib/d' },
      { path: '/dev/n', type: 'chardev', rdev: 259 },
      ...Array.from({ length: 40 }, (_, i) => ({ path: `/many/f${i}`, content: `file ${i}`, mtime: i })),
    ],
  });
  const random = rng(0xd1ff);
  let differing = 0;
  for (let round = 0; round < 150; round++) {
    const damaged = image.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let k = 0; k < flips; k++) damaged[1024 + Math.floor(random() * (damaged.length - 1024))]! ^= 1 << Math.floor(random() * 8);
    const fast = await outcome(async () => diffImages(await openBytes(image), await openBytes(damaged)));
    const slow = await outcome(async () => diffWithView(await openBytes(image), await openBytes(damaged), contentView, { exhaustive: true }));
    assert.deepEqual(fast, slow, `round ${round}`);
    if ((fast as { changes?: unknown[] }).changes?.length) differing++;
  }
  assert.ok(differing > 10, `enough damage was visible to make the comparison meaningful (${differing} of 150)`);
});

test('corpus images diffed against each other: the shortcut agrees with full decoding', { skip: corpusSkip }, async () => {
  const open = async (...p: string[]) => openImage(memorySource(new Uint8Array(readFileSync(corpusPath(...p)))));
  const pairs = [
    [['02-fs-tree', 'image.cfs'], ['02-fs-tree-skip-xattrs+use-epoch+skip-devices', 'image.cfs']],
    [['04-dump-tree', 'image.cfs'], ['04-dump-tree-v0', 'image.cfs']],
    [['08-mkfs-erofs', 'plain', 'image.erofs'], ['08-mkfs-erofs', 'extended', 'image.erofs']],
  ];
  for (const [x, y] of pairs) {
    const fast = await outcome(async () => diffImages(await open(...x!), await open(...y!)));
    const slow = await outcome(async () => diffWithView(await open(...x!), await open(...y!), contentView, { exhaustive: true }));
    assert.deepEqual(fast, slow, `${x!.join('/')} vs ${y!.join('/')}`);
  }
});

test('when an image is too large to preload, the shortcut reads what it needs and still agrees with full decoding', async () => {
  const entries: EntrySpec[] = [
    { path: '/etc/a', size: 100, digest: '11'.repeat(32), xattrs: { 'security.selinux': 'ctx' } },
    { path: '/etc/b', content: 'inline bytes', xattrs: { 'security.selinux': 'ctx', 'user.k': 'v' } },
    ...Array.from({ length: 300 }, (_, i) => ({ path: `/d${i % 7}/f${i}`, content: `file ${i}`, mtime: i })),
  ];
  const a = buildImage({ entries });
  const b = buildImage({ entries: entries.map((e, i) => (i % 50 === 3 ? { ...e, mtime: 99999 } : e)) });
  /** A reader that refuses to preload, so every probe starts from a cold cache. */
  const cold = async (bytes: Uint8Array) => {
    const r = await openBytes(bytes);
    let reads = 0;
    Object.assign(r, { prefetchAll: async () => false });
    const source = (r as unknown as { source: { read: (o: number, l: number) => Promise<Uint8Array> } }).source;
    const read = source.read.bind(source);
    source.read = (o, l) => (reads++, read(o, l));
    return Object.assign(r, { reads: () => reads });
  };
  const [ra, rb] = [await cold(a), await cold(b)];
  const fast = await diffImages(ra, rb);
  const slow = await diffWithView(await openBytes(a), await openBytes(b), contentView, { exhaustive: true });
  assert.deepEqual(fast, slow);
  assert.equal(fast.counts.modified, 6);
  assert.ok(ra.reads() > 0 && rb.reads() > 0, 'the images were read on demand');
});
