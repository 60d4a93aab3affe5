/**
 * The synthesized overlay xattrs make a legacy node read like a composefs node through the shared
 * composefs layer: backing path and digest come out as payload and digest, the image's own
 * trusted.overlay.* xattrs come out unchanged, and the bookkeeping stays hidden.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { composefsView } from '../../../shared/composefs/overlay.ts';
import { openLegacy } from '../../../shared/legacy/reader.ts';
import { bytesToString, toHex } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { buildLegacy, sampleTree } from './build.ts';

const names = (xs: { name: Uint8Array; value: Uint8Array }[]) => xs.map((x) => `${bytesToString(x.name)}=${bytesToString(x.value)}`);

describe('legacy nodes through composefsView', () => {
  test('payload and digest are those stored in the inode; stored trusted.overlay.* xattrs survive unescaped', async () => {
    const reader = await openLegacy(memorySource(buildLegacy(sampleTree()).bytes));
    const view = composefsView(await reader.node(1));
    assert.equal(bytesToString(view.payload!), '01/0203');
    assert.equal(toHex(view.digest!), toHex(Uint8Array.from({ length: 32 }, (_, i) => i + 1)));
    assert.deepEqual(names(view.xattrs), ['trusted.overlay.x=v', 'user.k=val']);
  });

  test('a file without a stored digest has a payload and no digest', async () => {
    const reader = await openLegacy(memorySource(buildLegacy(sampleTree()).bytes));
    const view = composefsView(await reader.node(5));
    assert.equal(bytesToString(view.payload!), 'ff/00');
    assert.equal(view.digest, undefined);
    assert.deepEqual(names(view.xattrs), ['user.k=val']);
  });

  test('directories, symlinks and empty files have neither', async () => {
    const reader = await openLegacy(memorySource(buildLegacy(sampleTree()).bytes));
    for (const id of [0, 3, 4]) {
      const view = composefsView(await reader.node(id));
      assert.equal(view.payload, undefined, `inode ${id}`);
      assert.equal(view.digest, undefined, `inode ${id}`);
    }
  });

  test('every file of erofs-tree-cfs shows the digest decoded.txt records for it', { skip: corpusSkip }, async () => {
    const dir = corpusPath('09-legacy', 'erofs-tree-cfs');
    const reader = await openLegacy(memorySource(new Uint8Array(readFileSync(`${dir}/image.cfs`))));
    const expected = new Map<number, string>();
    for (const line of readFileSync(`${dir}/decoded.txt`, 'latin1').split('\n')) {
      const m = / ino=(\d+) .* digest=([0-9a-f]{64})/.exec(line);
      if (m) expected.set(Number(m[1]), m[2]!);
    }
    assert.equal(expected.size, 13);
    for (const [ino, digest] of expected) assert.equal(toHex(composefsView(await reader.node(ino)).digest!), digest, `inode ${ino}`);
  });
});
