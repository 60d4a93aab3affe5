import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageType, previewKind, textLines } from '../../renderer/content-text.ts';
import { typeAheadTarget, nextPrefix } from '../../renderer/typeahead.ts';

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const flat = (lines: ReturnType<typeof textLines>) => lines.map((l) => l.map((s) => (s.escaped ? `[${s.text}]` : s.text)).join(''));

test('text lines keep valid UTF-8 and tabs, end at \\n or \\r\\n, and escape every other byte', () => {
  assert.deepEqual(flat(textLines(b('a\tü\r\nb', [0xff, 0x1b], 'c\n', [0xe2, 0x82], '\nend'))), ['a\tü', 'b[\\xff][\\x1b]c', '[\\xe2][\\x82]', 'end']);
  assert.deepEqual(flat(textLines(b(''))), ['']);
  assert.deepEqual(flat(textLines(b('x\n'))), ['x']);
});

test('what a preview shows: images by signature, text with few odd bytes, hex otherwise', () => {
  assert.equal(imageType(b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]) ), 'image/png');
  assert.equal(imageType(b('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')), 'image/webp');
  assert.equal(imageType(b('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined, 'never SVG');
  assert.equal(previewKind(b('plain text\nwith one odd byte ', [0xff], '\n')), 'text');
  assert.equal(previewKind(b('nul', [0], 'inside')), 'hex');
  assert.equal(previewKind(b([0xff, 0xfe, 0x01, 0x02, 0x03])), 'hex');
});

test('type-ahead finds the next row starting with the prefix, wraps, and repeats a letter to move on', () => {
  const names = ['/', 'big', 'bigdir', 'sizes', 'special', 'times'];
  const at = (i: number) => names[i];
  assert.equal(typeAheadTarget(names.length, at, 1, 's'), 3);
  assert.equal(typeAheadTarget(names.length, at, 3, 'ss'), 4, 'the same letter again: the next one');
  assert.equal(typeAheadTarget(names.length, at, 3, 'sp'), 4);
  assert.equal(typeAheadTarget(names.length, at, 5, 'b'), 1, 'wraps to the top');
  assert.equal(typeAheadTarget(names.length, at, 2, 'big'), 2, 'a longer prefix may stay on the current row');
  assert.equal(typeAheadTarget(names.length, at, 2, 'zz'), -1);
  assert.deepEqual(nextPrefix({ prefix: 's', at: 1000 }, 'p', 1500), { prefix: 'sp', at: 1500 });
  assert.deepEqual(nextPrefix({ prefix: 's', at: 1000 }, 'p', 5000), { prefix: 'p', at: 5000 });
});
