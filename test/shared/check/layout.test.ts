/** check's layout rules on formats the map now covers: erofs-utils 1.9 images and Nydus bootstraps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkImage } from '../../../shared/check/index.ts';
import { openImage } from '../../../shared/open.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

async function layoutFindings(bytes: Uint8Array): Promise<string[]> {
  const { findings } = await checkImage(await openImage(memorySource(bytes)));
  return findings.filter((f) => f.code.startsWith('layout.')).map((f) => `${f.code}@${f.offset}+${f.length}`);
}

test('hidden bytes in the padding of a Nydus RAFS v5 bootstrap are unaccounted content', { skip: corpusSkip }, async () => {
  const bytes = new Uint8Array(readFileSync(corpusPath('11-nydus/rafs-v5-sha256-nocompress/bootstrap')));
  assert.deepEqual(await layoutFindings(bytes), []);
  bytes.set([0x68, 0x69], 0x21e1); // after the root's 1-byte name, before the next 8-byte boundary
  assert.deepEqual(await layoutFindings(bytes), [`layout.unaccounted@${0x21e1}+2`]);
});

test('hidden bytes in a RAFS v6 bootstrap between the blob table and the inodes are unaccounted content', { skip: corpusSkip }, async () => {
  const bytes = new Uint8Array(readFileSync(corpusPath('11-nydus/rafs-v6/bootstrap')));
  assert.deepEqual(await layoutFindings(bytes), []);
  bytes[0x2000] = 0x5a;
  assert.deepEqual(await layoutFindings(bytes), [`layout.unaccounted@${0x2000}+1`]);
});

test('an erofs-utils 1.9 zstd image checks clean, and a byte hidden outside every structure and slot is found', { skip: corpusSkip }, async () => {
  const bytes = new Uint8Array(readFileSync(corpusPath('15-erofs-utils-1.9/zstd/image.erofs')));
  assert.deepEqual(await layoutFindings(bytes), []);
  // Between the zstd compression config (0x480+8) and the root inode (nid 37, 0x4a0) nothing reads.
  bytes[0x48c] = 0x5a;
  assert.deepEqual(await layoutFindings(bytes), [`layout.unaccounted@${0x48c}+1`]);
  // The slack after the root's inline dirent block (0x4c0+105) up to the next slot is the inode's.
  bytes[0x529 + 10] = 0x5a;
  assert.deepEqual(await layoutFindings(bytes), [`layout.unaccounted@${0x48c}+1`]);
});
