/** zstd layers through zstddec's streaming decoder: whole streams decode; damage ends in an error, never a hang. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { memorySource } from '../../../shared/bytes/source.ts';
import { decompressChunks } from '../../../shared/oci/decompress.ts';
import { hasTool } from '../erofs/erofs-utils.ts';

const skip = hasTool('zstd') ? false : 'zstd not installed';
const text = new TextEncoder().encode(Array.from({ length: 40000 }, (_, i) => `line ${i} ${(i * 7919) % 1013}\n`).join(''));
const compressed = () => new Uint8Array(execFileSync('zstd', ['-c', '-3'], { input: text, maxBuffer: 64 << 20 }));

async function drain(bytes: Uint8Array): Promise<{ n: number; error?: string }> {
  let n = 0;
  try {
    for await (const c of decompressChunks(memorySource(bytes), 'zstd', 4096)) n += c.length;
    return { n };
  } catch (e) {
    return { n, error: (e as Error).message };
  }
}

test('a zstd stream read in small chunks decodes to exactly its content', { skip }, async () => {
  const out: Uint8Array[] = [];
  for await (const c of decompressChunks(memorySource(compressed()), 'zstd', 1000)) out.push(c);
  assert.deepEqual(Buffer.concat(out), Buffer.from(text));
});

test('a damaged zstd stream ends in an error instead of looping', { skip }, async () => {
  const z = compressed();
  for (let i = 20; i < 60; i++) z[i] ^= 0xa5;
  const r = await drain(z);
  assert.ok(r.error, 'damage is reported');
  assert.ok(r.n < text.length);
});

test('a truncated zstd stream says more data was expected', { skip }, async () => {
  const z = compressed();
  const r = await drain(z.subarray(0, z.length - 50));
  // fzstd (the bounded stream decoder) says the frame ended early.
  assert.match(r.error ?? '', /unexpected EOF/);
});
