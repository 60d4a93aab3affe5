/** The diff header's words for an image's format and digest (renderer/format.ts), from the readers' own info fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatText, shortDigest } from '../../renderer/format.ts';
import { memorySource } from '../../shared/bytes/source.ts';
import { openImage } from '../../shared/open.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

test('a composefs image is named with its format version, read from its header field', async () => {
  const reader = await openImage(memorySource(new Uint8Array(readFileSync(join(REPO_ROOT, 'samples', 'demo', 'v1.cfs')))));
  assert.equal(formatText(reader.info()), 'composefs v0');
  const field = (value: string) => ({ format: 'composefs', fields: [{ label: 'composefs format version', value }] });
  assert.equal(formatText(field('2 (composefs-rs: extended inodes, depth-first order, no whiteout table)')), 'composefs v2');
  assert.equal(formatText({ format: 'composefs', fields: [] }), 'composefs', 'no version claimed when none is recorded');
});

test('other formats by name; legacy composefs with its version', () => {
  assert.equal(formatText({ format: 'erofs', fields: [] }), 'EROFS');
  assert.equal(formatText({ format: 'legacy-cfs', fields: [{ label: 'Version', value: '1' }] }), 'legacy composefs v1');
  assert.equal(formatText({ format: 'oci-tar', fields: [] }), 'OCI tar layer');
  assert.equal(formatText({ format: 'nydus-v6', fields: [] }), 'Nydus RAFS v6');
});

test('a digest is shortened to its algorithm and first 16 hex digits', () => {
  assert.equal(shortDigest('c820e0ae75500df3ee1b154af4835550d1cb47fa29da88b1859d2371e6c23263'), 'sha256:c820e0ae75500df3…');
  assert.equal(shortDigest('ab'.repeat(64)), `sha512:${'ab'.repeat(8)}…`);
});
