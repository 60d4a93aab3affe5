/**
 * Sharing analysis jobs as the app runs them: over the open images' paths and object stores, with
 * the job id returned before any event, a report in the done event, and cancel ending a job as
 * cancelled rather than failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ShareDone } from '../../../shared/api.ts';
import { createInspector } from '../../../electron/services/inspector.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const v1 = corpusPath('03-diff', 'v1', 'image.cfs');
const v2 = corpusPath('03-diff', 'v2', 'image.cfs');

function nextDone(inspector: ReturnType<typeof createInspector>): Promise<ShareDone> {
  return new Promise((resolve) => {
    const off = inspector.onShareDone((d) => {
      off();
      resolve(d);
    });
  });
}

test('a share job over two open images reports both, named apart, with the stores found beside them', { skip: corpusSkip }, async () => {
  const inspector = createInspector();
  try {
    const a = await inspector.openImage(v1);
    const b = await inspector.openImage(v2);
    const done = nextDone(inspector);
    const { jobId } = await inspector.share([a.imageId, b.imageId]);
    const d = await done;
    assert.equal(d.jobId, jobId);
    assert.deepEqual(d.imageIds, [a.imageId, b.imageId]);
    assert.deepEqual(d.names, ['v1/image.cfs', 'v2/image.cfs']);
    assert.equal(d.error, undefined);
    assert.deepEqual(d.skipped, []);
    assert.deepEqual(d.report!.images.map((i) => i.logical), [26393, 26352]);
    assert.equal(d.report!.images[1]!.schemes.file.delta, 350);
  } finally {
    await inspector.closeAll();
  }
});

test('a share job cancelled before it starts ends as cancelled, not as an error', { skip: corpusSkip }, async () => {
  const inspector = createInspector();
  try {
    const a = await inspector.openImage(v1);
    const done = nextDone(inspector);
    const { jobId } = await inspector.share([a.imageId], { blockSize: 512 });
    await inspector.cancelShare(jobId);
    const d = await done;
    assert.equal(d.cancelled, true);
    assert.equal(d.error, undefined);
    assert.equal(d.report, undefined);
  } finally {
    await inspector.closeAll();
  }
});

test('sharing needs open images: none, or an unknown id, is refused at once', async () => {
  const inspector = createInspector();
  try {
    await assert.rejects(inspector.share([]), /at least one open image/);
    await assert.rejects(inspector.share(['img-99']), /no open image/);
  } finally {
    await inspector.closeAll();
  }
});
