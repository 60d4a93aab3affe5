/** The top/bottom split: any share asked for lands inside the bounds, and the store keeps it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampShare, paneSlice, TOP_SHARE_DEFAULT, TOP_SHARE_MAX, TOP_SHARE_MIN } from '../../renderer/pane-slice.ts';

test('a share outside the bounds is clamped to them; nonsense falls back to the default', () => {
  assert.equal(clampShare(0.5), 0.5);
  assert.equal(clampShare(0.01), TOP_SHARE_MIN);
  assert.equal(clampShare(3), TOP_SHARE_MAX);
  assert.equal(clampShare(Number.NaN), TOP_SHARE_DEFAULT);
  assert.equal(clampShare(-Infinity), TOP_SHARE_DEFAULT);
});

test('setTopShare stores the clamped share', () => {
  const patches: unknown[] = [];
  const { setTopShare } = paneSlice((p) => void patches.push(p));
  setTopShare(0.95);
  setTopShare(0.4);
  assert.deepEqual(patches, [{ topShare: TOP_SHARE_MAX }, { topShare: 0.4 }]);
});
