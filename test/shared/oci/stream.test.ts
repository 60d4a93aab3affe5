import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource, type ByteSource } from '../../../shared/bytes/source.ts';
import { decompressChunks, detectCompression } from '../../../shared/oci/decompress.ts';
import { openOciTar } from '../../../shared/oci/reader.ts';
import { scanTar } from '../../../shared/oci/scan.ts';
import { inflatedStream } from '../../../shared/oci/stream.ts';
import { hasTool } from './gnu-tar.ts';
import { latin1Of, openBytes, walkLayer } from './oci-helpers.ts';
import { concat, entry, tar, zeros } from './tar-builder.ts';

/** Yields `data` in chunks of the given sizes (cycled), counting how many were taken. */
function chunked(data: Uint8Array, sizes: number[]) {
  const state = { pulled: 0 };
  async function* gen() {
    for (let at = 0, i = 0; at < data.length; i++) {
      const n = sizes[i % sizes.length]!;
      state.pulled++;
      yield data.slice(at, at + n);
      at += n;
    }
  }
  return { it: gen(), state };
}

const sample = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 9)) & 0xff);

describe('compression detection', () => {
  test('gzip and zstd are recognised by their magic, anything else is a plain tar', () => {
    assert.equal(detectCompression(Uint8Array.of(0x1f, 0x8b, 8, 0)), 'gzip');
    assert.equal(detectCompression(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd)), 'zstd');
    assert.equal(detectCompression(new TextEncoder().encode('file')), 'none');
    assert.equal(detectCompression(Uint8Array.of(0x1f)), 'none', 'too short to be gzip');
  });
});

describe('inflated stream', () => {
  test('reads across segment boundaries return exactly the bytes the chunks carried', async () => {
    const data = sample(3_000_001);
    const s = inflatedStream(chunked(data, [1, 70_000, 65_536, 333_333, 7]).it);
    for (const [off, len] of [[0, 10], [65_530, 20], [65_536 + 131_072 - 3, 300_000], [2_999_990, 11], [1_000_000, 1_500_000]] as const) {
      assert.deepEqual(await s.read(off, len), data.subarray(off, off + len), `${off}+${len}`);
    }
    await s.drain();
    assert.equal(s.length, data.length);
  });

  test('only the window is kept: bytes behind it are decompressed again, once per forward pass', async () => {
    const data = sample(40 << 20);
    let starts = 0;
    const s = inflatedStream(() => {
      starts++;
      return chunked(data, [1 << 20]).it;
    }, { window: 16 << 20 });
    await s.drain();
    assert.equal(s.length, data.length);
    assert.equal(starts, 1);
    // Front to back behind the window: one replay serves every read.
    for (const off of [100, 5 << 20, (10 << 20) - 3, 20 << 20]) {
      assert.deepEqual(await s.read(off, 70_000), data.subarray(off, off + 70_000), `at ${off}`);
    }
    assert.equal(starts, 2);
    // Going back restarts; the tail is still in memory and needs no decompression.
    assert.deepEqual(await s.read(1000, 10), data.subarray(1000, 1010));
    assert.equal(starts, 3);
    assert.deepEqual(await s.read((40 << 20) - 100, 100), data.subarray((40 << 20) - 100));
    assert.equal(starts, 3);
  });

  test('decompression stops at the budget with an error naming it; the budget itself is allowed', async () => {
    const data = sample(1 << 20);
    const at = inflatedStream(chunked(data, [4096]).it, { limit: 1 << 20 });
    await at.drain();
    assert.deepEqual([at.length, at.error], [1 << 20, undefined]);
    const over = inflatedStream(chunked(data, [4096]).it, { limit: (1 << 20) - 1 });
    await over.drain();
    assert.equal(over.length, (1 << 20) - 1);
    assert.ok(over.error instanceof DecodeError);
    assert.equal(over.error.code, 'budget.decompressed-bytes');
    assert.match(over.error.message, /more than 1048575 bytes, the inspector's budget/);
  });

  test('decompressed chunks are pulled only as far as reads reach', async () => {
    const data = sample(1 << 20);
    const { it, state } = chunked(data, [4096]);
    const s = inflatedStream(it);
    await s.readUpTo(0, 512);
    assert.equal(state.pulled, 1);
    await s.reach(10_000);
    assert.equal(state.pulled, 3);
  });

  test('a read past the end is short from readUpTo and a DecodeError from read', async () => {
    const s = inflatedStream(chunked(sample(1000), [300]).it);
    assert.equal((await s.readUpTo(900, 500)).length, 100);
    await assert.rejects(s.read(900, 500), (e: unknown) => e instanceof DecodeError && e.code === 'image.truncated');
  });

  test('a failing decompressor ends the stream where it failed and keeps what came before', async () => {
    async function* failing() {
      yield sample(700);
      throw new Error('bad block');
    }
    const s = inflatedStream(failing());
    assert.equal((await s.readUpTo(0, 10_000)).length, 700);
    assert.ok(s.ended);
    assert.match(String(s.error), /bad block/);
  });

  test('the header scan pulls decompressed chunks only as far as the headers need', async () => {
    // A layer followed by 4 MiB of blocking padding: the scan stops at the end marker.
    const layer = concat(tar(entry({ name: 'a' }, 'x'), entry({ name: 'b' }, 'y')), zeros(4 << 20));
    const { it, state } = chunked(layer, [16 * 1024]);
    const scan = await scanTar(inflatedStream(it));
    assert.equal(scan.members.length, 2);
    assert.ok(state.pulled <= 2, `pulled ${state.pulled} chunks of ${Math.ceil(layer.length / 16384)}`);
  });
});

describe('compressed layers', () => {
  const layer = tar(entry({ name: 'dir/', typeflag: '5' }), entry({ name: 'dir/file' }, sample(200_000)), entry({ name: 'last' }, 'end'));

  test('gzip decompresses through DecompressionStream into the same tree as the plain tar', async () => {
    const r = await openBytes(new Uint8Array(gzipSync(layer)));
    assert.equal(r.compression, 'gzip');
    assert.equal(r.size, layer.length);
    const t = await walkLayer(r);
    assert.deepEqual(await r.readData(t.get('dir/file')!.id, 0, 200_000), sample(200_000));
    assert.deepEqual(r.findings(), []);
  });

  test('concatenated gzip members read as one stream', async () => {
    const gz = concat(new Uint8Array(gzipSync(layer.subarray(0, 100_000))), new Uint8Array(gzipSync(layer.subarray(100_000))));
    const r = await openBytes(gz);
    assert.equal(r.size, layer.length);
    assert.deepEqual([...(await walkLayer(r)).keys()].sort(), ['', 'dir', 'dir/file', 'last']);
  });

  test('a gzip layer cut short opens with what decompressed and reports the damage', async () => {
    const gz = new Uint8Array(gzipSync(layer));
    const r = await openBytes(gz.subarray(0, Math.floor(gz.length * 0.6)));
    const codes = r.findings().map((f) => f.code);
    assert.ok(codes.includes('oci.compression.corrupt'), codes.join());
    assert.ok(codes.includes('oci.member.truncated'), codes.join());
    const t = await walkLayer(r);
    assert.ok(t.has('dir/file'), 'the member whose data is cut is still listed');
    await assert.rejects(r.readData(t.get('dir/file')!.id, 0, 200_000), DecodeError);
    assert.deepEqual(await r.readData(t.get('dir/file')!.id, 0, 100), sample(100), 'its surviving bytes still read');
  });

  test('zstd decompresses (zstddec) into the same tree as the plain tar', { skip: hasTool('zstd') ? false : 'zstd is not installed' }, async () => {
    const zst = new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: layer }));
    const r = await openBytes(zst);
    assert.equal(r.compression, 'zstd');
    const t = await walkLayer(r);
    assert.deepEqual(await r.readData(t.get('dir/file')!.id, 0, 200_000), sample(200_000));
    assert.equal(latin1Of(await r.readData(t.get('last')!.id, 0, 3)), 'end');
  });

  test('damaged zstd data becomes an oci.compression.corrupt finding, not an exception', { skip: hasTool('zstd') ? false : 'zstd is not installed' }, async () => {
    const zst = new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: layer }));
    const r = await openBytes(zst.subarray(0, zst.length - 20));
    assert.ok(r.findings().some((f) => f.code === 'oci.compression.corrupt'));
  });

  test('a decompressor passed in options replaces the built-in one', async () => {
    const seen: string[] = [];
    async function* viaZlib(source: ByteSource, compression: string) {
      seen.push(compression);
      yield new Uint8Array(gunzipSync(await source.read(0, source.size)));
    }
    const r = await openOciTar(memorySource(new Uint8Array(gzipSync(layer))), { decompress: viaZlib });
    assert.deepEqual(seen, ['gzip']);
    assert.equal(r.size, layer.length);
    assert.deepEqual([...(await walkLayer(r)).keys()].sort(), ['', 'dir', 'dir/file', 'last']);
  });

  test('the decompressor reads its compressed source in bounded chunks', async () => {
    const gz = new Uint8Array(gzipSync(sample(300_000)));
    const reads: number[] = [];
    const src = memorySource(gz);
    const spy = { size: src.size, read: (o: number, n: number) => (reads.push(n), src.read(o, n)) };
    let total = 0;
    for await (const c of decompressChunks(spy, 'gzip', 4096)) total += c.length;
    assert.equal(total, 300_000);
    assert.ok(reads.every((n) => n <= 4096));
  });
});
