/**
 * Garbled and truncated legacy images never crash or hang the reader, the checker or the dump:
 * a seeded mutation loop (2000 cases) over a built image and the corpus images. Opening may
 * reject, and ImageReader methods may reject, but only with a DecodeError naming a byte range;
 * checkLegacy and the dump must always finish.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { legacyDump } from '../../../electron/cli/legacy-dump.ts';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkLegacy } from '../../../shared/legacy/check.ts';
import { openLegacy, type LegacyReader } from '../../../shared/legacy/reader.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { buildLegacy, sampleTree } from './build.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const prng = mulberry32;

const INTERESTING = [0, 1, 2, 3, 4, 12, 31, 32, 33, 96, 128, 255, 256, 4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff];

/** One mutant of `base`: byte flips, an interesting u32 at an aligned field, or a truncation. */
function mutate(base: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(4);
  if (kind === 0) return base.slice(0, pick(base.length));
  const b = base.slice();
  if (kind === 1) {
    for (let n = 1 + pick(4); n > 0; n--) b[pick(b.length)] = pick(256);
  } else {
    // Aligned u32 fields: superblock, inode records and vdata headers are all 4-byte aligned.
    const at = pick(Math.floor(b.length / 4)) * 4;
    const v = kind === 2 ? INTERESTING[pick(INTERESTING.length)]! : (b.length + pick(64) - 32) >>> 0;
    new DataView(b.buffer).setUint32(at, v, true);
  }
  return b;
}

const isDecodeError = (e: unknown) => e instanceof DecodeError && Number.isFinite(e.offset) && Number.isFinite(e.length);

/** Everything a consumer might do with an opened image. */
async function exercise(reader: LegacyReader) {
  await checkLegacy(reader);
  await legacyDump(reader, 'dump-extended', () => {});
  await legacyDump(reader, 'dump', () => {});
  const seen = new Set<number>();
  const visit = async (id: number): Promise<void> => {
    if (seen.has(id) || seen.size > 5000) return;
    seen.add(id);
    const node = await reader.node(id).catch((e) => assert.ok(isDecodeError(e), String(e)));
    if (!node) return;
    if (node.kind === 'symlink' && node.target) await reader.readData(id, 0, node.target.length);
    const children = await reader.children(id).catch((e) => assert.ok(isDecodeError(e), String(e)));
    for (const c of children ?? []) await visit(c.id);
  };
  await visit(reader.rootId);
  reader.info();
  reader.findings();
}

async function run(name: string, base: Uint8Array, cases: number, seed: number) {
  const rnd = prng(seed);
  let opened = 0;
  let slowest = 0;
  for (let i = 0; i < cases; i++) {
    const bytes = mutate(base, rnd);
    const t0 = performance.now();
    try {
      const reader = await openLegacy(memorySource(bytes)).catch((e) => {
        assert.ok(isDecodeError(e), `open threw ${String(e)}`);
        return undefined;
      });
      if (reader) {
        opened++;
        await exercise(reader);
      }
    } catch (e) {
      assert.fail(`${name} case ${i} (seed ${seed}): ${e instanceof Error ? e.stack : String(e)}`);
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  // A hang or a quadratic blow-up shows as one case taking far longer than a whole clean walk.
  assert.ok(slowest < 2000, `${name}: slowest case took ${slowest.toFixed(0)} ms`);
  // Mutants must still reach the decoder, or the loop proves nothing past the superblock.
  assert.ok(opened > cases / 4, `${name}: only ${opened}/${cases} mutants opened`);
}

// A copy: a Buffer from readFileSync may be a view into a shared pool, and Buffer#slice does not copy.
const corpusImage = (name: string) => new Uint8Array(readFileSync(join(corpusPath('09-legacy', name), 'image.cfs')));

test('1100 mutants of a built image: no crash, no hang, only DecodeErrors', async () => {
  await run('built', buildLegacy(sampleTree()).bytes, 1100, 7);
});

test('700 mutants of 09-legacy/readme-cfs: no crash, no hang, only DecodeErrors', { skip: corpusSkip }, async () => {
  await run('readme-cfs', corpusImage('readme-cfs'), 700, 11);
});

test('200 mutants of 09-legacy/erofs-tree-cfs: no crash, no hang, only DecodeErrors', { skip: corpusSkip }, async () => {
  await run('erofs-tree-cfs', corpusImage('erofs-tree-cfs'), 200, 13);
});

test('a 20000-level directory chain is checked and dumped without stack overflow', async () => {
  const depth = 20000;
  const nodes = Array.from({ length: depth + 1 }, (_, i) => ({
    mode: 0o040755,
    nlink: 2,
    children: i < depth ? [{ name: 'd', ino: i + 1 }] : undefined,
  }));
  const reader = await openLegacy(memorySource(buildLegacy(nodes).bytes));
  const t0 = performance.now();
  assert.deepEqual(await checkLegacy(reader), []);
  let lines = 0;
  await legacyDump(reader, 'dump', () => lines++);
  assert.equal(lines, depth + 1);
  const ms = performance.now() - t0;
  // A bound that proves termination on a shared, loaded machine, not a speed target.
  assert.ok(ms < 60_000, `took ${ms.toFixed(0)} ms`);
});
