/**
 * The LZ4 block decoder: hand-made streams for each rule of the block format, every bounds check
 * failing with the input position it concerns, and blocks written by the reference lz4 tool.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { lz4DecompressBlock } from '../../../shared/erofs/lz4.ts';
import { hasTool, noise, text } from './erofs-utils.ts';
import { concat } from '../oci/tar-builder.ts';

const enc = new TextEncoder();
const decode = (src: number[] | Uint8Array, outLen: number, partial = false) => {
  const dst = new Uint8Array(outLen);
  const n = lz4DecompressBlock(Uint8Array.from(src), dst, 1000, { partial });
  return dst.subarray(0, n);
};
const rejects = (src: number[], outLen: number, at: number, pattern: RegExp, partial = false) =>
  assert.throws(
    () => decode(src, outLen, partial),
    (e: unknown) => e instanceof DecodeError && e.code === 'erofs.lz4.corrupt' && e.offset === 1000 + at && pattern.test(e.message),
  );

test('a literals-only stream decodes to its literals', () => {
  assert.deepEqual(decode([0x50, ...enc.encode('hello')], 5), enc.encode('hello'));
  assert.deepEqual(decode([0x00], 0), new Uint8Array(0));
});

test('an overlapping match repeats the bytes before it (offset 1 = run of one byte)', () => {
  // 1 literal 'a', match offset 1 length 6+4, then an empty final sequence.
  assert.deepEqual(decode([0x16, 0x61, 0x01, 0x00, 0x00], 11), enc.encode('a'.repeat(11)));
  // "abc" then offset 3 length 4 then final literal "!".
  assert.deepEqual(decode([0x30, ...enc.encode('abc'), 0x03, 0x00, 0x10, 0x21], 8), enc.encode('abcabca!'));
});

test('length extension bytes of 255 continue the length and the first smaller byte ends it', () => {
  const lit = noise(300, 3);
  assert.deepEqual(decode([0xf0, 255, 30, ...lit], 300), lit);
  // Match length 15 + 255 + 10 + 4 = 284 after one literal.
  assert.deepEqual(decode([0x1f, 0x7a, 0x01, 0x00, 255, 10, 0x00], 285), enc.encode('z'.repeat(285)));
});

test('a match offset of 0 or before the start of the output is corrupt, named at the offset bytes', () => {
  rejects([0x14, 0x61, 0x00, 0x00, 0x00], 9, 2, /match offset 0/);
  rejects([0x14, 0x61, 0x02, 0x00, 0x00], 9, 2, /match offset 2 points before/);
});

test('runs past the end of the input are corrupt', () => {
  rejects([0x50, 0x61, 0x62], 5, 1, /literal run of 5 bytes runs past the end of the input/);
  rejects([0xf0, 255], 300, 2, /length extension runs past the end/);
  rejects([0x14, 0x61, 0x01], 9, 2, /match offset runs past the end/);
  rejects([0x14, 0x61, 0x01, 0x00], 9, 4, /input ends before the final literals/);
});

test('output larger than the buffer is corrupt unless decoding partially, which stops at the buffer end', () => {
  rejects([0x50, ...enc.encode('hello')], 4, 1, /literal run of 5 bytes overflows the 4-byte output/);
  rejects([0x16, 0x61, 0x01, 0x00, 0x00], 5, 2, /match of 10 bytes overflows/);
  assert.deepEqual(decode([0x50, ...enc.encode('hello')], 3, true), enc.encode('hel'));
  assert.deepEqual(decode([0x16, 0x61, 0x01, 0x00, 0x00], 5, true), enc.encode('aaaaa'));
  // Partial decoding ignores whatever follows the point where the output is full (padding).
  assert.deepEqual(decode([0x16, 0x61, 0x01, 0x00, 0xff, 0xff, 0xff], 11, true), enc.encode('a'.repeat(11)));
});

test('a stream ending early leaves the output short: the caller sees fewer bytes than it asked for', () => {
  assert.equal(decode([0x30, ...enc.encode('abc')], 10).length, 3);
  assert.equal(decode([0x30, ...enc.encode('abc')], 10, true).length, 3);
});

/** Splits an lz4 frame (lz4_Frame_format.md) into its blocks. */
function frameBlocks(frame: Uint8Array): { data: Uint8Array; compressed: boolean }[] {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  assert.equal(dv.getUint32(0, true), 0x184d2204, 'lz4 frame magic');
  const flg = frame[4]!;
  let p = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
  const out: { data: Uint8Array; compressed: boolean }[] = [];
  for (;;) {
    const word = dv.getUint32(p, true);
    p += 4;
    if (word === 0) break;
    const len = word & 0x7fffffff;
    out.push({ data: frame.subarray(p, p + len), compressed: (word & 0x80000000) === 0 });
    p += len + (flg & 0x10 ? 4 : 0);
  }
  return out;
}

test('blocks written by the lz4 tool (fast and high compression) decode to the original, exactly consuming their input', { skip: hasTool('lz4') ? false : 'lz4 tool not installed' }, () => {
  const original = concat(text(150_000, 4), noise(5000, 5), new Uint8Array(70_000), text(3000, 6));
  for (const level of ['-1', '-9', '-12']) {
    const frame = new Uint8Array(execFileSync('lz4', [level, '-B4', '-c'], { input: original, maxBuffer: 1 << 24 }));
    const blocks = frameBlocks(frame);
    assert.ok(blocks.length >= 4, `${level}: several 64 KiB blocks`);
    const parts = blocks.map((b, i) => {
      if (!b.compressed) return b.data;
      const want = Math.min(65536, original.length - i * 65536);
      const dst = new Uint8Array(want);
      assert.equal(lz4DecompressBlock(b.data, dst, 0), want);
      return dst;
    });
    assert.ok(blocks.some((b) => b.compressed));
    assert.deepEqual(concat(...parts), original, level);
  }
});
