/**
 * One mtime form in every human-readable output: seconds and 9-digit nanoseconds in diff, info and
 * the app; only dump keeps composefs-info's unpadded nanoseconds, byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mtimeText } from '../../electron/services/inspector.ts';
import { walkComposefs, formatDumpLine } from '../../shared/composefs/dump.ts';
import { diffImages, formatChange } from '../../shared/diff/index.ts';
import { formatTimestamp } from '../../shared/time.ts';
import { chunkedErofs } from '../helpers/erofs-builder.ts';
import { buildImage, openBytes } from '../helpers/image-builder.ts';

test('formatTimestamp pads nanoseconds to 9 digits', () => {
  assert.equal(formatTimestamp(1700000000, 5), '1700000000.000000005');
  assert.equal(formatTimestamp(0, 123456789), '0.123456789');
});

test('diff, info and the app print an mtime of 1000 s + 5 ns alike; dump prints it as composefs-info does', async () => {
  const a = await openBytes(buildImage({ entries: [{ path: '/f', content: 'x', mtime: { sec: 1000, nsec: 5 } }] }));
  const b = await openBytes(buildImage({ entries: [{ path: '/f', content: 'x', mtime: { sec: 1000, nsec: 6 } }] }));
  assert.deepEqual((await diffImages(a, b)).changes.map(formatChange), ['modified file /f mtime=1000.000000005->1000.000000006']);
  assert.equal(mtimeText(1000, 5), '1970-01-01 00:16:40.000000005 UTC');

  const lines: string[] = [];
  await walkComposefs(a, (e) => void (e.depth === 1 && lines.push(formatDumpLine(e, new TextEncoder().encode('x')))));
  assert.deepEqual(lines, ['/f 1 100644 1 0 0 0 1000.5 - x -\n']);

  const image = chunkedErofs([]);
  new DataView(image.buffer).setBigUint64(1024 + 24, 1000n, true);
  new DataView(image.buffer).setUint32(1024 + 32, 5, true);
  const info = (await openBytes(image)).info();
  assert.equal(info.fields.find((f) => f.label === 'build time')?.value, '1000.000000005');
});
