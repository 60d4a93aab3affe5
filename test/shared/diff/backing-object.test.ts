/**
 * A composefs file with a backing object (a redirect, a digest, or mkcomposefs's bare metacopy
 * marker) is compared by its object and digest: overlayfs never reads its chunk addresses, so the
 * diff never reads them either, whatever bytes they hold.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { diffImages } from '../../../shared/diff/index.ts';
import { openErofs } from '../../../shared/erofs/reader.ts';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { bytesToString } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { buildImage, openBytes } from '../../helpers/image-builder.ts';

const DIGEST = 'ab'.repeat(32);

/** The image with the first chunk of /big pointed at block 0 (the superblock's block). */
async function withRealChunk(image: Uint8Array): Promise<Uint8Array> {
  const r = await openErofs(memorySource(image));
  const entry = (await r.children(r.rootId)).find((e) => bytesToString(e.name) === 'big')!;
  const { chunks } = await r.chunks(await r.rawInode(entry.id));
  const out = image.slice();
  new DataView(out.buffer).setUint32(chunks[0]!.offset, 0, true);
  return out;
}

describe('files with a backing object', () => {
  for (const [what, spec] of [
    ['a redirect and a digest', { payload: `ab/${'ab'.repeat(31)}`, digest: DIGEST }],
    ['a digest only', { digest: DIGEST }],
    ['neither (a bare metacopy marker, as mkcomposefs writes it)', {}],
  ] as const) {
    test(`with ${what}: chunk addresses are never compared`, async () => {
      const image = buildImage({ entries: [{ path: '/big', size: 1 << 20, ...spec }] });
      const a = await openBytes(image);
      const b = await openBytes(await withRealChunk(image));
      assert.equal(b.format, 'composefs');
      assert.deepEqual((await diffImages(a, b)).changes, []);
      assert.deepEqual((await diffImages(b, b)).changes, []);
    });
  }

  test('05-upstream/bigfile-xattr equals itself (its out-of-line chunk map is never read)', { skip: corpusSkip }, async () => {
    const path = corpusPath('05-upstream', 'bigfile-xattr', 'image.cfs');
    assert.ok(existsSync(path));
    const [a, b] = [await openImageFile(path), await openImageFile(path)];
    try {
      assert.deepEqual(await diffImages(a, b), { counts: { added: 0, removed: 0, modified: 0, renamed: 0 }, changes: [] });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
