import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { REPO_ROOT } from '../helpers/corpus.ts';

const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

/** Walks a PNG's chunks, checking each CRC (with zlib's, not the generator's); returns the header fields and the inflated image data. */
function readPng(bytes: Buffer) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let pos = 8;
  const types: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  while (pos < bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    assert.equal(bytes.readUInt32BE(pos + 8 + len), crc32(bytes.subarray(pos + 4, pos + 8 + len)), `${type} CRC`);
    types.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  assert.equal(types[0], 'IHDR');
  assert.equal(types.at(-1), 'IEND');
  return { width: ihdr!.readUInt32BE(0), height: ihdr!.readUInt32BE(4), depth: ihdr![8], colour: ihdr![9], data: inflateSync(Buffer.concat(idat)) };
}

test('every Linux icon size is a valid square RGBA PNG of the size its name says', () => {
  for (const size of SIZES) {
    const png = readPng(readFileSync(join(REPO_ROOT, 'build', 'icons', `${size}x${size}.png`)));
    assert.deepEqual([png.width, png.height, png.depth, png.colour], [size, size, 8, 6], `${size}x${size}`);
    assert.equal(png.data.length, size * (1 + size * 4), `${size}x${size} pixel data`);
  }
});

test('the app icon is the 512 px image', () => {
  assert.ok(readFileSync(join(REPO_ROOT, 'build', 'icon.png')).equals(readFileSync(join(REPO_ROOT, 'build', 'icons', '512x512.png'))));
});

test('the committed icons are what build/make-icons.mjs draws', () => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'build', 'make-icons.mjs'), '--check', '16', '32', '48'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
