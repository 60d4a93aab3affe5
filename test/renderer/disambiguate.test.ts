import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinguishingNames } from '../../renderer/disambiguate.ts';

test('same-named images get the shortest parent path that tells them apart; others keep their name', () => {
  const m = distinguishingNames(['/a/v1/image.cfs', '/a/v2/image.cfs', '/b/other.cfs', '/x/same/deep.cfs', '/y/same/deep.cfs']);
  assert.deepEqual([...m.values()], ['…/v1/image.cfs', '…/v2/image.cfs', 'other.cfs', '…/x/same/deep.cfs', '…/y/same/deep.cfs']);
});
