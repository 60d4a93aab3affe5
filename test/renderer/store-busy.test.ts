/**
 * The store's readiness signal: listingsLoading counts directory pages being fetched or laid out
 * (the tree shows it as aria-busy), so tests wait on the app rather than on the clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageSummary, InspectorApi, TreeEntry } from '../../shared/api.ts';
import { createAppStore } from '../../renderer/store.ts';
import { SILENT_EVENTS } from '../helpers/silent-events.ts';

test('listingsLoading rises while a page is fetched and laid out, and is 0 once the rows are there', async () => {
  const gates: (() => void)[] = [];
  const entries: TreeEntry[] = [{ id: 2, name: 'etc', kind: 'dir', childCount: 1 }];
  const api = {
    children: (_image: string, _dir: number, start = 0) =>
      new Promise((ok) => gates.push(() => ok({ total: entries.length, start, entries }))),
    recentFiles: async () => [],
    check: async (image: string) => ({ imageId: image, findings: [], nodesChecked: 0, truncated: false }),
    ...SILENT_EVENTS,
  } as unknown as InspectorApi;
  const store = createAppStore(api);
  const summary = { imageId: 'a', path: '/a.cfs', name: 'a.cfs', info: { format: 'composefs', size: 0, features: [], fields: [] }, rootId: 1, objectStores: [] } as unknown as ImageSummary;
  assert.equal(store.getState().listingsLoading, 0);
  const adopted = store.getState().adopt(summary);
  // The root page is asked for: busy until it lands and is laid out.
  while (gates.length === 0) await new Promise((r) => setImmediate(r));
  assert.ok(store.getState().listingsLoading > 0);
  gates.shift()!();
  await adopted;
  // The layout runs on the next turn; the count drops only after it.
  while (store.getState().listingsLoading > 0) await new Promise((r) => setImmediate(r));
  assert.equal(store.getState().listingsLoading, 0);
  assert.ok((store.getState().images.a?.rows.length ?? 0) > 0, 'the rows are laid out when it reaches 0');
});
