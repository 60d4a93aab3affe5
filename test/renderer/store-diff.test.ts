/**
 * The window store's comparison state over a scripted InspectorApi: what reaches the tree, what a
 * selection of an entry only the other image has asks the service, and which of several runs of a
 * comparison wins. No DOM, no services.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, DiffOptions, DiffReport, ImageSummary, InspectorApi, NodeDetails, TreeEntry } from '../../shared/api.ts';
import { createAppStore } from '../../renderer/store.ts';
import { rowsOf } from '../../renderer/tree.ts';
import { SILENT_EVENTS } from '../helpers/silent-events.ts';

const file = (id: number, name: string): TreeEntry => ({ id, name, kind: 'file' });

/** Image "a": / = { etc/ = { hosts, motd } }; image "b" adds /etc/new. Node ids are per image. */
const TREES: Record<string, Map<number, TreeEntry[]>> = {
  a: new Map([
    [1, [{ id: 2, name: 'etc', kind: 'dir', childCount: 2 }]],
    [2, [file(3, 'hosts'), file(4, 'motd')]],
  ]),
  b: new Map([
    [1, [{ id: 2, name: 'etc', kind: 'dir', childCount: 2 }]],
    [2, [file(5, 'hosts'), file(6, 'new')]],
  ]),
};
const PATHS: Record<string, Record<string, number>> = { a: { '/': 1, '/etc': 2, '/etc/hosts': 3, '/etc/motd': 4 }, b: { '/': 1, '/etc': 2, '/etc/hosts': 5, '/etc/new': 6 } };

const CHANGES: Change[] = [
  { kind: 'modified', path: '/etc/hosts', nodeKind: 'file', fields: [{ field: 'mtime', before: '1.000000000', after: '2.000000000' }] },
  { kind: 'removed', path: '/etc/motd', nodeKind: 'file', fields: [] },
  { kind: 'added', path: '/etc/new', nodeKind: 'file', fields: [] },
];

const summary = (id: string): ImageSummary => ({
  imageId: id,
  path: `/images/${id}.cfs`,
  name: `${id}.cfs`,
  info: { format: 'composefs', size: 0, features: [], fields: [] } as unknown as ImageSummary['info'],
  rootId: 1,
  objectStores: [],
});

const details = (image: string, id: number): NodeDetails => {
  const path = Object.entries(PATHS[image]!).find(([, x]) => x === id)?.[0] ?? `#${id}`;
  return {
    id, path, name: path.slice(path.lastIndexOf('/') + 1) || '/', kind: id <= 2 ? 'dir' : 'file', mode: 0o100644, modeString: '-rw-r--r--',
    uid: 0, gid: 0, size: id, mtime: { sec: 0, nsec: 0 }, mtimeText: '', nlink: 1, xattrs: [], ranges: [], findings: [],
  };
};

/** A scripted service: diff calls wait until the test settles them, in any order. */
function fakeApi() {
  const calls: string[] = [];
  const diffs: { options: DiffOptions | undefined; settle(r: Change[] | Error): void }[] = [];
  const api = {
    async children(image: string, dir: number, start = 0, count = 5000) {
      const all = TREES[image]!.get(dir) ?? [];
      return { total: all.length, start, entries: all.slice(start, start + count) };
    },
    async node(image: string, id: number) {
      calls.push(`node ${image} ${id}`);
      return details(image, id);
    },
    async lookup(image: string, path: string) {
      calls.push(`lookup ${image} ${path}`);
      return PATHS[image]![path] ?? null;
    },
    async check(image: string) {
      return { imageId: image, findings: [], nodesChecked: 0, truncated: false };
    },
    async recentFiles() {
      return [];
    },
    async closeImage() {},
    diff(a: string, b: string, options?: DiffOptions) {
      return new Promise<DiffReport>((ok, fail) => {
        diffs.push({
          options,
          settle: (r) => {
            if (r instanceof Error) return fail(r);
            const counts = { added: 0, removed: 0, modified: 0, renamed: 0 };
            for (const c of r) counts[c.kind]++;
            ok({ a, b, counts, changes: r });
          },
        });
      });
    },
    ...SILENT_EVENTS,
  };
  return { api: api as unknown as InspectorApi, calls, diffs };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await tick();
  assert.ok(cond(), 'condition not reached');
}

async function twoImages() {
  const f = fakeApi();
  const store = createAppStore(f.api);
  await store.getState().adopt(summary('b'));
  await store.getState().adopt(summary('a'));
  await store.getState().expand('/etc', 2);
  await until(() => rowsOf(store.getState().images.a!.rows).length === 4);
  return { ...f, store, a: () => store.getState().images.a! };
}

/** Compares a with b, the service answering `changes`. */
async function compared(t: Awaited<ReturnType<typeof twoImages>>, changes: Change[] | Error = CHANGES) {
  const run = t.store.getState().compareWith('b');
  await until(() => t.diffs.length === 1);
  t.diffs[0]!.settle(changes);
  await run;
}

const shown = (rows: ReturnType<typeof rowsOf>) => rows.map((r) => `${r.path}${r.change ? ' ' + r.change.status : ''}`);

test('a finished comparison merges the other image into the tree; stopping it gives the plain tree back', async () => {
  const t = await twoImages();
  const { store, a } = t;
  await compared(t);
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts modified', '/etc/motd removed', '/etc/new added']);
  store.getState().stopComparing();
  await until(() => a().diff === undefined);
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts', '/etc/motd']);
});

test('selecting an entry only the other image has asks the other image for it, by path', async () => {
  const t = await twoImages();
  const { store, calls, a } = t;
  await compared(t);
  const added = rowsOf(a().rows).find((r) => r.path === '/etc/new')!;
  calls.length = 0;
  await store.getState().select(added.entry!.id, added.path);
  assert.deepEqual(calls, ['lookup b /etc/new', 'node b 6']);
  assert.equal(a().details, undefined, 'nothing of it is in this image');
  assert.equal(a().compare?.after?.path, '/etc/new');
  assert.equal(a().compare?.change?.status, 'added');
});

test('new options keep the previous report on screen until the new one lands, and a run overtaken by a newer one is dropped', async () => {
  const t = await twoImages();
  const { store, diffs, a } = t;
  await compared(t);
  const slow = store.getState().setDiffOptions({ ignoreMtime: false, ignoreOwnership: true });
  const fast = store.getState().setDiffOptions({ ignoreMtime: true });
  await until(() => diffs.length === 3);
  assert.equal(a().diff?.running, true);
  assert.equal(a().diff?.report?.changes.length, 3, 'the last report stays while running');
  assert.ok(rowsOf(a().rows).some((r) => r.change?.status === 'added'));
  diffs[2]!.settle(CHANGES.filter((c) => c.path !== '/etc/hosts'));
  await fast;
  diffs[1]!.settle(CHANGES); // the older run ends last and must not win
  await slow;
  assert.deepEqual(a().diff?.options, { ignoreMtime: true });
  assert.equal(a().diff?.report?.changes.length, 2);
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts', '/etc/motd removed', '/etc/new added']);
});

test('a selected stand-in survives a re-run under its new id, and closing the other image ends the comparison', async () => {
  const t = await twoImages();
  const { store, diffs, a } = t;
  await compared(t);
  const added = rowsOf(a().rows).find((r) => r.path === '/etc/new')!;
  await store.getState().select(added.entry!.id, added.path);
  // The re-run lists another addition first, so this one's stand-in id changes.
  const again = store.getState().setDiffOptions({ ignoreMtime: true });
  await until(() => diffs.length === 2);
  diffs[1]!.settle([{ kind: 'added', path: '/etc/aaa', nodeKind: 'file', fields: [] }, CHANGES[1]!, CHANGES[2]!]);
  await again;
  const now = rowsOf(a().rows).find((r) => r.path === '/etc/new')!;
  assert.notEqual(now.entry!.id, added.entry!.id);
  assert.deepEqual(a().selected, { id: now.entry!.id, path: '/etc/new' });
  assert.equal(rowsOf(a().rows).find((r) => r.path === '/etc/aaa')?.change?.status, 'added');

  await store.getState().close('b');
  await until(() => a().diff === undefined);
  assert.deepEqual(a().selected, { id: 1, path: '/' }, 'a stand-in cannot stay selected without its image');
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts', '/etc/motd']);
});

test('a failed comparison says why and leaves the tree unmerged', async () => {
  const t = await twoImages();
  const a = t.a;
  await compared(t, new Error('image b: inode 7 is corrupt'));
  assert.equal(a().diff?.error, 'image b: inode 7 is corrupt');
  assert.equal(a().diff?.overlay, undefined);
  assert.ok(rowsOf(a().rows).every((r) => r.change === undefined));
});

test('a count chip keeps only its kind of change in the tree ("changed only"); pressed again, every change and the earlier "changed only"', async () => {
  const t = await twoImages();
  const { store, a } = t;
  await compared(t);
  await store.getState().filterChanges('added');
  assert.equal(a().diff?.only, 'added');
  assert.equal(a().changedOnly, true);
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/new added']);
  await store.getState().filterChanges('removed');
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/motd removed']);
  assert.equal(a().diff?.report?.changes.length, 3, 'the report itself is whole');
  await store.getState().filterChanges('removed');
  assert.equal(a().diff?.only, undefined);
  assert.equal(a().changedOnly, false, '"changed only" was off before the first chip');
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts modified', '/etc/motd removed', '/etc/new added']);
});

test('unchecking "changed only" clears the chip; a re-run with other options keeps it', async () => {
  const t = await twoImages();
  const { store, diffs, a } = t;
  await compared(t);
  await store.getState().filterChanges('modified');
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc', '/etc/hosts modified']);
  const again = store.getState().setDiffOptions({ dirSizes: true });
  await until(() => diffs.length === 2);
  diffs[1]!.settle([{ kind: 'modified', path: '/etc', nodeKind: 'dir', fields: [{ field: 'size', before: '40', after: '53' }] }, ...CHANGES]);
  await again;
  assert.equal(a().diff?.only, 'modified');
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc modified', '/etc/hosts modified']);
  await store.getState().setChangedOnly(false);
  assert.equal(a().diff?.only, undefined);
  assert.deepEqual(shown(rowsOf(a().rows)), ['/', '/etc modified', '/etc/hosts modified', '/etc/motd removed', '/etc/new added']);
});
