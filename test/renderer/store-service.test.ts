/**
 * The watchdog's error reaches the renderer: the window store over the real isolated services
 * (electron/services/isolated.ts, one service thread per image) marks the image whose service was
 * stopped, the tab shows why (renderer/components/ServiceStopped.tsx reads `serviceError`), and
 * Reopen gives the file a fresh service.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isServiceStopped, type InspectorApi } from '../../shared/api.ts';
import { createIsolatedInspector } from '../../electron/services/isolated.ts';
import { createAppStore } from '../../renderer/store.ts';
import { xattrFlood } from '../adversarial/craft.ts';
import { writeScratch } from '../adversarial/run.ts';

const image = writeScratch('store-busy.img', xattrFlood(10_000, 100));

test('a check that trips the watchdog marks the image in the store, and Reopen starts a fresh service', async () => {
  // A 20 ms budget for a check that needs hundreds of ms on any machine: the watchdog must trip.
  const services = createIsolatedInspector({ jobMs: 20 });
  after(() => services.closeAll());
  const api = { ...services, recentFiles: async () => [], onOpenRequest: () => () => {}, onRepositoryOpenRequest: () => () => {}, openDialog: async () => null, chooseObjectStore: async () => null } as InspectorApi;
  const store = createAppStore(api);
  const stopped = new Promise<string>((ok) => {
    const off = store.subscribe((s) => {
      const msg = s.activeId ? s.images[s.activeId]?.serviceError : undefined;
      if (msg) {
        off();
        ok(msg);
      }
    });
  });
  await store.getState().open(image); // adopting the image runs its check, as the app does
  const first = store.getState().activeId!;
  const message = await stopped;
  assert.ok(isServiceStopped(message), message);
  assert.match(message, /check took longer than 0\.02 s, the watchdog's budget for it\. Reopen the image to continue\./);

  await store.getState().reopen(first);
  const second = store.getState().activeId!;
  assert.notEqual(second, first);
  assert.deepEqual(Object.keys(store.getState().images), [second]);
  assert.equal(store.getState().images[second]!.summary.path, image);
});
