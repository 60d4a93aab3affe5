/**
 * Check jobs report progress and can be cancelled, in the inspector itself and through the service
 * host the app runs it in (electron/services/isolated.ts): progress counts inodes of the image's
 * inode count; a cancelled check rejects with CHECK_CANCELLED and the next check runs to the end.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CHECK_CANCELLED, type CheckProgress } from '../../../shared/api.ts';
import { createInspector, type Inspector } from '../../../electron/services/inspector.ts';
import { createIsolatedInspector } from '../../../electron/services/isolated.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

/** 475 inodes: the core reports progress once, at 256. */
const IMAGE = corpusPath('15-erofs-utils-1.9', 'plain', 'image.erofs');

for (const [what, make] of [['in-process inspector', () => createInspector()], ['service host', () => createIsolatedInspector()]] as [string, () => Inspector][]) {
  describe(`check progress and cancel: ${what}`, { skip: corpusSkip }, () => {
    const inspector = make();
    after(() => inspector.closeAll());

    test('progress names the image, the inodes checked and the image\'s inode count', async () => {
      const s = await inspector.openImage(IMAGE);
      const seen: CheckProgress[] = [];
      const off = inspector.onCheckProgress((p) => seen.push(p));
      const report = await inspector.check(s.imageId);
      off();
      assert.deepEqual(seen, [{ imageId: s.imageId, checked: 256, total: s.info.inodes }]);
      assert.equal(report.nodesChecked, 475);
      assert.deepEqual(report.findings, []);
    });

    test('cancel stops the running check, which rejects; the next check runs to the end', async () => {
      const s = await inspector.openImage(IMAGE);
      const off = inspector.onCheckProgress((p) => void inspector.cancelCheck(p.imageId));
      const err = await inspector.check(s.imageId).then(
        () => assert.fail('the cancelled check resolved'),
        (e: Error) => e,
      );
      off();
      assert.ok(err.message.startsWith(CHECK_CANCELLED), err.message);
      const again = await inspector.check(s.imageId);
      assert.equal(again.nodesChecked, 475);
      // Cancelling when nothing runs is a no-op.
      await inspector.cancelCheck(s.imageId);
    });
  });
}
