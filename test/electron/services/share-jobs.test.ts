/** Share jobs as the app runs them: the report by event, progress, cancel, and refusing one image. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageSummary, ShareDone, ShareProgress } from '../../../shared/api.ts';
import { shareJobs } from '../../../electron/services/share-jobs.ts';
import { runShare } from '../../../electron/services/share-runner.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const store = corpusPath('03-diff', 'objects');
const summaries: Record<string, ImageSummary> = {
  a: { imageId: 'a', path: corpusPath('03-diff', 'v1', 'image.cfs'), name: 'image.cfs', objectStores: [store] } as ImageSummary,
  b: { imageId: 'b', path: corpusPath('03-diff', 'v2', 'image.cfs'), name: 'image.cfs', objectStores: [store] } as ImageSummary,
};
const summaryOf = (id: string) => {
  const s = summaries[id];
  if (!s) throw new Error(`no open image with id ${id}`);
  return s;
};

function nextDone(jobs: ReturnType<typeof shareJobs>): Promise<ShareDone> {
  return new Promise((resolve) => {
    const off = jobs.onShareDone((d) => {
      off();
      resolve(d);
    });
  });
}

test('a share job ends with the report the CLI computes, named as the CLI names the images', { skip: corpusSkip }, async () => {
  const jobs = shareJobs(summaryOf);
  const progress: ShareProgress[] = [];
  jobs.onShareProgress((p) => progress.push(p));
  const done = nextDone(jobs);
  const { jobId } = await jobs.share(['a', 'b']);
  const d = await done;
  const expected = await runShare([
    { path: summaries.a!.path, name: 'v1/image.cfs', stores: [store] },
    { path: summaries.b!.path, name: 'v2/image.cfs', stores: [store] },
  ]);
  assert.deepEqual(d, { jobId, imageIds: ['a', 'b'], cancelled: false, report: expected.report, skipped: [] });
  // The last progress event says every byte was read: 26,393 + 26,352 bytes of file data.
  assert.deepEqual(progress.at(-1), { jobId, bytesDone: 52745, bytesTotal: 52745 });
});

test('a share job cancelled before it reads ends cancelled, without a report', { skip: corpusSkip }, async () => {
  const jobs = shareJobs(summaryOf);
  const done = nextDone(jobs);
  const { jobId } = await jobs.share(['a', 'b']);
  await jobs.cancelShare(jobId);
  assert.deepEqual(await done, { jobId, imageIds: ['a', 'b'], cancelled: true, skipped: [] });
});

test('a share job needs two open images', async () => {
  const jobs = shareJobs(summaryOf);
  await assert.rejects(jobs.share(['a']), /two or more images/);
  await assert.rejects(jobs.share(['a', 'zz']), /no open image with id zz/);
});

test('a missing object store is reported per file, not as a failure', { skip: corpusSkip }, async () => {
  const jobs = shareJobs((id) => ({ ...summaryOf(id), objectStores: [] }));
  const done = nextDone(jobs);
  await jobs.share(['a', 'b']);
  const d = await done;
  assert.equal(d.cancelled, false);
  assert.equal(d.error, undefined);
  // 12 files of each image live in the store; what remains are the inline files (11 and 5 bytes).
  assert.deepEqual(
    ['a', 'b'].map((id) => d.skipped.filter((s) => s.imageId === id).length),
    [12, 12],
  );
  assert.deepEqual(new Set(d.skipped.map((s) => s.reason)), new Set(['no-store: no object store chosen']));
  assert.ok(d.skipped.some((s) => s.imageId === 'b' && s.path === '/inline-to-external'));
  assert.deepEqual(d.report?.images.map((i) => i.logical), [11, 5]);
});
