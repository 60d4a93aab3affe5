/**
 * The Sharing view's store slice over the real isolated services: opening the view analyses the
 * open images in tab order, the report arrives by event, and closing the view drops it.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { InspectorApi } from '../../shared/api.ts';
import { createIsolatedInspector } from '../../electron/services/isolated.ts';
import { createAppStore } from '../../renderer/store.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';

test('opening the Sharing view analyses the open images in tab order and shows the report', { skip: corpusSkip }, async () => {
  const services = createIsolatedInspector();
  after(() => services.closeAll());
  const api = { ...services, recentFiles: async () => [], onOpenRequest: () => () => {}, onRepositoryOpenRequest: () => () => {}, openDialog: async () => null, chooseObjectStore: async () => null } as InspectorApi;
  const store = createAppStore(api);
  await store.getState().open(corpusPath('03-diff', 'v1', 'image.cfs'));
  await store.getState().open(corpusPath('03-diff', 'v2', 'image.cfs'));
  const [a, b] = store.getState().order;
  for (const id of [a!, b!]) await services.setObjectStores(id, [corpusPath('03-diff', 'objects')]);

  const done = new Promise<void>((ok) => {
    const off = store.subscribe((s) => {
      if (s.sharing?.done) {
        off();
        ok();
      }
    });
  });
  await store.getState().openSharing();
  assert.deepEqual(store.getState().sharing?.imageIds, [a, b]);
  await done;
  const d = store.getState().sharing!.done!;
  assert.equal(d.cancelled, false);
  assert.deepEqual(d.report?.images.map((i) => [i.name, i.logical, i.schemes.file.delta]), [
    ['v1/image.cfs', 26393, 26393],
    ['v2/image.cfs', 26352, 350],
  ]);

  store.getState().closeSharing();
  assert.equal(store.getState().sharing, undefined);
});

test('the Sharing view with one image open says why there is nothing to show', async () => {
  const services = createIsolatedInspector();
  after(() => services.closeAll());
  const api = { ...services, recentFiles: async () => [], onOpenRequest: () => () => {}, onRepositoryOpenRequest: () => () => {}, openDialog: async () => null, chooseObjectStore: async () => null } as InspectorApi;
  const store = createAppStore(api);
  await store.getState().openSharing();
  assert.deepEqual(store.getState().sharing, { imageIds: [], error: 'Open two or more images to see what they share.' });
});
