/**
 * Bounded mutation loop over a PuzzleFS image built by the test builder (metadata encoded by
 * capnp encode): damaged metadata and rootfs messages (bits flipped, ranges filled, cut short,
 * pointer words rewritten), damaged zstd-seekable blobs, damaged index and manifest JSON. Every
 * case must open or be refused with a DecodeError, walk, read and check without any other
 * exception, and finish. Prints its case count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource, type SiblingFiles } from '../../../shared/bytes/source.ts';
import { checkImage } from '../../../shared/check/index.ts';
import { isPuzzlefsCode } from '../../../shared/puzzlefs/codes.ts';
import { openPuzzlefs } from '../../../shared/puzzlefs/reader.ts';
import { walk } from '../../../shared/walk.ts';
import { mulberry32 } from '../../helpers/prng.ts';
import { removeDir } from '../oci/gnu-tar.ts';
import { buildPuzzlefs, ENTRIES, puzzlefsSkip, type Built } from './puzzlefs-builder.ts';

const CASES = 600;
const HANG_MS = 30_000;

function mutate(src: Uint8Array, next: () => number): Uint8Array {
  const int = (n: number) => Math.floor(next() * n);
  const b = src.slice();
  const at = int(Math.max(1, b.length));
  switch (int(5)) {
    case 0:
      for (let i = 0, n = 1 + int(6); i < n; i++) b[int(b.length)]! ^= 1 << int(8);
      return b;
    case 1:
      b.fill(int(2) ? 0 : 0xff, at, at + 1 + int(64));
      return b;
    case 2:
      return b.subarray(0, at);
    default: {
      // A Cap'n Proto word (pointer or data) rewritten with a plausible or wild value.
      const w = (at >> 3) << 3;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (w + 8 <= b.length) dv.setUint32(w + int(2) * 4, [0, 1, 2, 3, 0xffffffff, 0x7ffffffc, int(1 << 30)][int(7)]!, true);
      return b;
    }
  }
}

let img: Built;
before(() => {
  img = buildPuzzlefs(ENTRIES);
});
after(() => {
  if (img) removeDir(img.dir);
});

test('damaged PuzzleFS images never crash or hang the reader and check', { skip: puzzlefsSkip, timeout: 600_000 }, async () => {
  const files = new Map<string, Uint8Array>();
  for (const [h, path] of img.blobs) files.set(`blobs/sha256/${h}`, new Uint8Array(readFileSync(path)));
  const index = new Uint8Array(readFileSync(img.index));
  const targets = ['index.json', ...[...files.keys()]];
  let crashes: string[] = [];
  let hangs = 0;
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < CASES; i++) {
    const next = mulberry32(0x9f5 + i);
    const target = targets[Math.floor(next() * targets.length)]!;
    const blobs = new Map(files);
    let idx: Uint8Array = index;
    if (target === 'index.json') idx = mutate(index, next);
    else blobs.set(target, mutate(files.get(target)!, next));
    const siblings: SiblingFiles = { where: 'memory', read: async (p) => blobs.get(p) };
    const run = async (): Promise<string> => {
      let r;
      try {
        r = await openPuzzlefs(memorySource(idx), { siblings });
      } catch (e) {
        if (e instanceof DecodeError) return 'unreadable';
        throw e;
      }
      await walk(r, async (e) => {
        if (e.node.kind === 'file') await r.readData(e.id, 0, e.node.size).catch((err: unknown) => { if (!(err instanceof DecodeError)) throw err; });
      }, { onProblem: () => undefined });
      const { findings } = await checkImage(r);
      for (const f of findings) assert.ok(isPuzzlefsCode(f.code), f.code);
      return findings.length ? 'findings' : 'clean';
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const out = await Promise.race([run(), new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), HANG_MS)))]);
      if (out === 'hang') hangs++;
      else outcomes[out] = (outcomes[out] ?? 0) + 1;
    } catch (e) {
      crashes = [...crashes, `case ${i} (${target}): ${(e as Error)?.stack ?? e}`];
    } finally {
      clearTimeout(timer);
    }
  }
  console.log(`puzzlefs fuzz: ${CASES} cases, ${crashes.length} crashes, ${hangs} hangs; outcomes ${JSON.stringify(outcomes)}`);
  assert.deepEqual(crashes, []);
  assert.equal(hangs, 0);
  assert.ok((outcomes.findings ?? 0) + (outcomes.unreadable ?? 0) > CASES / 2, JSON.stringify(outcomes));
});
