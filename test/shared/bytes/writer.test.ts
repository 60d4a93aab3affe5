import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter } from '../../../shared/bytes/writer.ts';
import { ESCAPE_EQUAL, ESCAPE_LONE_DASH, ESCAPE_STANDARD, NOESCAPE_SPACE, escapeBytes, latin1, writeEscaped } from '../../../shared/composefs/escape.ts';

const written = (f: (w: ByteWriter) => void) => {
  const w = new ByteWriter();
  f(w);
  return latin1(w.view());
};

test('dec and oct print as JavaScript does, including 0, 2^32-1 and values beyond the fast path', () => {
  const values = [0, 7, 8, 9, 10, 99, 100, 0o40755, 0xffffffff, 2 ** 32, 2 ** 40 + 3, -1, -1700000000];
  assert.deepEqual(values.map((v) => written((w) => w.dec(v))), values.map(String));
  assert.deepEqual(values.map((v) => written((w) => w.oct(v))), values.map((v) => v.toString(8)));
});

test('writeEscaped writes exactly what escapeBytes returns, for every byte value under every flag set', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const flags of [ESCAPE_STANDARD, NOESCAPE_SPACE, ESCAPE_EQUAL, ESCAPE_LONE_DASH, ESCAPE_EQUAL | ESCAPE_LONE_DASH]) {
    for (const v of [all, new Uint8Array([0x2d]), new Uint8Array(0), new TextEncoder().encode('a=b c\\d')]) {
      assert.equal(written((w) => writeEscaped(w, v, flags)), escapeBytes(v, flags), `flags ${flags}`);
    }
  }
});

test('a writer with a sink hands over full buffers at line ends and the rest on flush, in order', () => {
  const got: number[] = [];
  const w = new ByteWriter((b) => got.push(...b), 4);
  for (let i = 0; i < 10; i++) {
    w.byte(0x30 + i);
    w.maybeFlush();
  }
  assert.equal(String.fromCharCode(...got), '01234567');
  w.flush();
  assert.equal(String.fromCharCode(...got), '0123456789');
});
