/**
 * The app's services in their own threads (electron/services/isolated.ts): hostile images are
 * parsed, checked and listed in a service host per image, under a watchdog and a memory ceiling,
 * while another image's tree keeps answering from its own host.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isServiceStopped } from '../../../shared/api.ts';
import { createIsolatedInspector } from '../../../electron/services/isolated.ts';
import { buildImage } from '../../helpers/image-builder.ts';
import { repeatedBlockDirectory, xattrFlood } from '../../adversarial/craft.ts';
import { writeScratch } from '../../adversarial/run.ts';

const calm = writeScratch('calm.cfs', buildImage({ entries: Array.from({ length: 50 }, (_, i) => ({ path: `/etc/f${i}`, content: `file ${i}\n` })) }));
const amplification = writeScratch('amplification.img', repeatedBlockDirectory());
const xattrs = writeScratch('xattrs.img', xattrFlood(32_767, 20));
const busyXattrs = writeScratch('xattrs-busy.img', xattrFlood(10_000, 100));

const messageOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => assert.fail('expected a rejection'),
    (e: Error) => e.message,
  );

describe('services outside the main process', () => {
  const inspector = createIsolatedInspector({ jobMs: 20 });
  after(() => inspector.closeAll());

  test('the amplification and xattr images are opened and checked in their hosts while another tree answers within 200 ms', async () => {
    const a = await inspector.openImage(calm);
    const rootA = (await inspector.children(a.imageId, a.rootId)).entries.find((e) => e.name === 'etc')!;
    // The hostile work starts; the calm image is asked again and again while it runs.
    let hostileSettled = false;
    const hostile = (async () => {
      const amp = await inspector.openImage(amplification);
      const ampError = await messageOf(inspector.children(amp.imageId, amp.rootId));
      const x = await inspector.openImage(xattrs);
      const listed = await inspector.children(x.imageId, x.rootId);
      const busy = await inspector.openImage(busyXattrs);
      const watchdog = await messageOf(inspector.check(busy.imageId));
      hostileSettled = true;
      return { ampError, listed, busy, watchdog };
    })();
    const latencies: number[] = [];
    const answeredDuringHostileWork: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const page = await inspector.children(a.imageId, rootA.id);
      latencies.push(performance.now() - t);
      answeredDuringHostileWork.push(!hostileSettled);
      assert.equal(page.total, 50);
    }
    const r = await hostile;
    assert.ok(answeredDuringHostileWork.every(Boolean), 'the calm tree answered while the hostile images were being processed');
    assert.ok(Math.min(...latencies) < 200, `calm tree answered in ${latencies.map(Math.round).join(', ')} ms`);
    // What the hostile images came to: clear errors, not a dead app.
    assert.match(r.ampError, /maps block 66 \(0x42000\) more than once/);
    // Our writer adds the 256 whiteouts 00..ff to every root, as mkcomposefs does.
    assert.deepEqual(r.listed.entries.filter((e) => !e.hidden).map((e) => e.name).slice(0, 3), ['f', 'h01', 'h02']);
    assert.ok(isServiceStopped(r.watchdog), r.watchdog);
    assert.match(r.watchdog, /check took longer than 0\.02 s, the watchdog's budget for it\. Reopen the image to continue\./);
    // The stopped image keeps saying so; the calm one is unaffected.
    assert.ok(isServiceStopped(await messageOf(inspector.children(r.busy.imageId, r.busy.rootId))));
    assert.equal((await inspector.children(a.imageId, rootA.id)).total, 50);
    // Reopening starts a fresh host.
    await inspector.closeImage(r.busy.imageId);
    const again = await inspector.openImage(busyXattrs);
    assert.notEqual(again.imageId, r.busy.imageId);
    assert.equal((await inspector.children(again.imageId, again.rootId)).total, 256 + 100);
  });
});

describe('the memory ceiling', () => {
  test('a host that exceeds its heap ceiling is stopped with a message naming the ceiling', async () => {
    const tiny = createIsolatedInspector({ heapMb: 4 });
    try {
      const m = await messageOf(tiny.openImage(busyXattrs));
      assert.ok(isServiceStopped(m), m);
      assert.match(m, /ran out of its 4 MiB memory ceiling/);
    } finally {
      await tiny.closeAll();
    }
  });
});
