/**
 * Every byte of every corpus image of every format (composefs, EROFS, legacy descriptors, Nydus RAFS
 * v5 and v6 bootstraps, an OCI layer tarball) is assigned to a structure, padding, or reported as
 * unaccounted content; images made by the real tools have no unaccounted content and no overlaps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../../shared/bytes/source.ts';
import { buildLayout } from '../../shared/layout/index.ts';
import type { LayoutMap } from '../../shared/layout/model.ts';
import { openImage } from '../../shared/open.ts';
import { CORPUS, corpusSkip } from '../helpers/corpus.ts';

/** Corpus cases we cannot read yet, or not exactly yet, with the issue that will. */
const NOT_YET: Record<string, string> = {};

function images(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'objects' && name !== 'files') out.push(...images(p));
    } else if (/^(image\.(cfs|erofs)(\.gz)?|bootstrap|layer\.tar)$/.test(name) && !(name.endsWith('.cfs') && existsSync(p + '.gz'))) {
      out.push(p);
    }
  }
  return out;
}

/** Structures and gaps together cover [0, size) exactly; no gap lies over a structure. */
function assertPartition(map: LayoutMap, what: string): void {
  const spans = map.structures.map((s) => [s.offset, s.offset + s.length] as const);
  const union: [number, number][] = [];
  for (const [a, b] of spans) {
    const last = union[union.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else union.push([a, b]);
  }
  const all = [...union.map(([a, b]) => ({ a, b, gap: false })), ...map.gaps.map((g) => ({ a: g.offset, b: g.offset + g.length, gap: true }))].sort((x, y) => x.a - y.a);
  let at = 0;
  for (const s of all) {
    assert.equal(s.a, at, `${what}: bytes from ${at} to ${s.a} are neither claimed nor classified (or are both)`);
    at = s.b;
  }
  assert.equal(at, map.size, `${what}: the map ends at ${at}, the image at ${map.size}`);
}

test('every byte of every corpus image is a structure, padding or unaccounted; real-tool images have neither unaccounted bytes nor overlaps', { skip: corpusSkip }, async (t) => {
  const found = images(CORPUS!);
  assert.ok(found.length >= 50, `found only ${found.length} corpus images`);
  const formats = new Set<string>();
  let clean = 0;
  for (const path of found) {
    const rel = relative(CORPUS!, path);
    const known = Object.entries(NOT_YET).find(([k]) => rel === k || rel.startsWith(k + '/'));
    const raw = readFileSync(path);
    const bytes = new Uint8Array(path.endsWith('.gz') ? gunzipSync(raw) : raw);
    let map: LayoutMap;
    try {
      map = await buildLayout(await openImage(memorySource(bytes)));
    } catch (e) {
      assert.ok(known, `${rel}: ${(e as Error).message}`);
      t.diagnostic(`${rel}: not read (${known[1]})`);
      continue;
    }
    formats.add(map.format);
    assertPartition(map, rel);
    assert.equal(map.truncated, false, rel);
    if (known) {
      t.diagnostic(`${rel}: ${map.totals.unaccounted} unaccounted bytes, ${map.overlaps.length} overlaps (${known[1]})`);
      continue;
    }
    assert.equal(map.totals.unaccounted, 0, `${rel}: unaccounted ${JSON.stringify(map.gaps.filter((g) => g.kind === 'unaccounted').slice(0, 3))}`);
    assert.deepEqual(map.overlaps, [], rel);
    assert.deepEqual(map.problems, [], rel);
    clean++;
  }
  for (const [k, why] of Object.entries(NOT_YET)) if (!found.some((p) => relative(CORPUS!, p).startsWith(k))) t.diagnostic(`${k}: not swept (${why})`);
  t.diagnostic(`${clean} of ${found.length} corpus images mapped with every byte accounted for`);
  assert.equal(clean, found.length);
  assert.deepEqual([...formats].sort(), ['composefs', 'erofs', 'legacy-cfs', 'nydus-v5', 'nydus-v6', 'oci-tar']);
});
