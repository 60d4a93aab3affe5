/**
 * The repository slice of the store over a fake API: only the newest health job's events land,
 * Cancel names that job, a request from the main process shows its repository (after the store is
 * built), and a failed open keeps the view it had while naming the path that failed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectorApi, RepositoryCheckDone, RepositoryCheckProgress } from '../../shared/api.ts';
import type { RepositorySummary } from '../../shared/repository/model.ts';
import { createAppStore } from '../../renderer/store.ts';
import { SILENT_EVENTS } from '../helpers/silent-events.ts';

const summary = (path: string) => ({ path, meta: {}, images: [], streams: [], objectCount: 0, objectBytes: 0 }) as unknown as RepositorySummary;

function fakeApi() {
  const events = {
    progress: [] as ((p: RepositoryCheckProgress) => void)[],
    done: [] as ((d: RepositoryCheckDone) => void)[],
    open: [] as ((s: RepositorySummary) => void)[],
  };
  const cancelled: string[] = [];
  let job = 0;
  const api = {
    ...SILENT_EVENTS,
    onRepositoryCheckProgress: (cb: (p: RepositoryCheckProgress) => void) => (events.progress.push(cb), () => {}),
    onRepositoryCheckDone: (cb: (d: RepositoryCheckDone) => void) => (events.done.push(cb), () => {}),
    onRepositoryOpenRequest: (cb: (s: RepositorySummary) => void) => (events.open.push(cb), () => {}),
    openRepository: async (path: string) => {
      if (path.includes('refused')) throw new Error('meta.json: the repository uses incompatible feature x');
      return summary(path);
    },
    checkRepository: async () => ({ jobId: `repo-check-${++job}` }),
    cancelRepositoryCheck: async (jobId: string) => void cancelled.push(jobId),
  } as unknown as InspectorApi;
  return { api, events, cancelled };
}

test('only the newest health job moves the progress and lands its findings; Cancel names it', async () => {
  const { api, events, cancelled } = fakeApi();
  const store = createAppStore(api);
  await store.getState().openRepository('/r');
  await store.getState().checkRepository();
  await store.getState().checkRepository();
  assert.deepEqual(cancelled, ['repo-check-1'], 'a second run cancels the first');
  assert.equal(store.getState().repository.health.jobId, 'repo-check-2');

  events.progress.forEach((cb) => cb({ jobId: 'repo-check-1', done: 9, total: 10 }));
  assert.equal(store.getState().repository.health.progress, undefined);
  events.progress.forEach((cb) => cb({ jobId: 'repo-check-2', done: 3, total: 10 }));
  assert.deepEqual(store.getState().repository.health.progress, { done: 3, total: 10 });

  await store.getState().cancelRepositoryCheck();
  assert.deepEqual(cancelled, ['repo-check-1', 'repo-check-2']);
  events.done.forEach((cb) => cb({ jobId: 'repo-check-1', repoPath: '/r', cancelled: true }));
  assert.equal(store.getState().repository.health.jobId, 'repo-check-2');
  const health = { findings: [], orphanBytes: 0, objectsChecked: 3, objectsTotal: 10, complete: false };
  events.done.forEach((cb) => cb({ jobId: 'repo-check-2', repoPath: '/r', cancelled: true, health }));
  assert.deepEqual(store.getState().repository.health, { done: { jobId: 'repo-check-2', repoPath: '/r', cancelled: true, health } });
});

test('a repository the main process opened is shown; a refused one keeps the view and names its path', async () => {
  const { api, events } = fakeApi();
  const store = createAppStore(api);
  events.open.forEach((cb) => cb(summary('/sysroot/composefs')));
  await Promise.resolve();
  assert.equal(store.getState().repository.open, true);
  assert.equal(store.getState().repository.summary?.path, '/sysroot/composefs');

  await store.getState().openRepository('/refused');
  assert.equal(store.getState().repository.summary?.path, '/sysroot/composefs');
  assert.equal(store.getState().repository.error, '/refused: meta.json: the repository uses incompatible feature x');
  assert.equal(store.getState().repository.opening, undefined);
});
