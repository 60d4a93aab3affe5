/**
 * Fuzz cases: small corpus images mutated by flipping bits, zeroing runs, writing boundary values,
 * truncating and splicing bytes (within an image and across images). A case is a pure function of
 * (seed, index), so any case a run reports can be replayed on its own.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../../shared/bytes/source.ts';
import type { ErofsReader } from '../../shared/erofs/reader.ts';
import { openImage } from '../../shared/open.ts';
import { walk } from '../../shared/walk.ts';
import { corpusPath } from '../helpers/corpus.ts';
import { mulberry32 } from '../helpers/prng.ts';
import { loadErofs19Seeds } from './erofs19-seeds.ts';

/** Seed images: every format and layout the reader knows, small enough for thousands of cases. */
export const SEED_IMAGES: readonly { name: string; path: string[]; weight: number }[] = [
  { name: '01-readme', path: ['01-readme', 'image.cfs'], weight: 4 },
  { name: '03-diff-v1', path: ['03-diff', 'v1', 'image.cfs'], weight: 2 },
  { name: '07-quirks', path: ['07-quirks', 'image.cfs'], weight: 2 },
  { name: '04-dump-tree', path: ['04-dump-tree', 'image.cfs'], weight: 1 },
  { name: 'special_v1', path: ['05-upstream', 'special_v1', 'image.cfs'], weight: 2 },
  { name: 'longlink', path: ['05-upstream', 'longlink', 'image.cfs'], weight: 1 },
  { name: 'bigfile-xattr', path: ['05-upstream', 'bigfile-xattr', 'image.cfs'], weight: 1 },
  { name: 'honggfuzz-bigfile-with-acl', path: ['05-upstream', 'honggfuzz-bigfile-with-acl', 'image.cfs'], weight: 1 },
  { name: 'fuzz-busybox', path: ['05-upstream', 'fuzz-busybox', 'image.cfs'], weight: 1 },
  { name: 'erofs-plain', path: ['08-mkfs-erofs', 'plain', 'image.erofs'], weight: 1 },
  { name: 'erofs-chunked', path: ['08-mkfs-erofs', 'chunked-4k', 'image.erofs'], weight: 1 },
  { name: 'erofs-lz4', path: ['08-mkfs-erofs', 'lz4', 'image.erofs'], weight: 1 },
  { name: 'erofs-lz4hc-ztail', path: ['08-mkfs-erofs', 'lz4hc-ztail', 'image.erofs'], weight: 1 },
  { name: 'readme-erofs-v0.1.3', path: ['09-legacy', 'readme-erofs-v0.1.3', 'image.cfs'], weight: 1 },
  { name: 'readme-cfs', path: ['09-legacy', 'readme-cfs', 'image.cfs'], weight: 2 },
];

export interface Seed {
  name: string;
  bytes: Uint8Array;
  weight: number;
  /** Byte ranges of decoded structures (inodes, xattr areas, dirents, chunk maps, superblock), as [offset, length] pairs. */
  spots: number[];
}

export async function loadSeeds(): Promise<Seed[]> {
  const out: Seed[] = [];
  for (const s of SEED_IMAGES) {
    const p = corpusPath(...s.path);
    const raw = readFileSync(p);
    const bytes = new Uint8Array(p.endsWith('.gz') ? gunzipSync(raw) : raw);
    out.push({ name: s.name, weight: s.weight, bytes, spots: await structureSpots(bytes) });
  }
  // The layouts erofs-utils 1.9 writes, made at load time (skipped without ../shared/bench).
  for (const s of loadErofs19Seeds()) out.push({ ...s, weight: 1, spots: await structureSpots(s.bytes) });
  return out;
}

/** Where the structures of an EROFS image lie, found through the reader (none for other formats). */
async function structureSpots(bytes: Uint8Array): Promise<number[]> {
  const reader = await openImage(memorySource(bytes));
  if (reader.format !== 'composefs' && reader.format !== 'erofs') return [];
  const r = reader as ErofsReader;
  const spots = [0, 32, 1024, 128];
  await walk(r, async (e) => {
    const ino = await r.rawInode(e.id);
    spots.push(ino.offset, ino.inodeSize);
    if (ino.xattrSize) spots.push(ino.offset + ino.inodeSize, ino.xattrSize);
    if (e.node.kind === 'dir') for (const b of await r.dirBlocks(ino)) spots.push(b.offset, b.dirents.length * 12);
    if (e.node.data.kind === 'chunks') {
      const { layout } = await r.chunks(ino);
      spots.push(layout.offset, layout.count * layout.entrySize);
    }
  });
  return spots;
}

/** mulberry32 (test/helpers/prng.ts): tiny, fast, good enough to spread mutations. */
export const rng = mulberry32;

/** One independent stream per case: the case index mixed into the run seed. */
export const caseRng = (seed: number, index: number): (() => number) => rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));

export interface FuzzCase {
  index: number;
  image: string;
  /** What was done, for the report ("flip@4660:0x10", "truncate@9000"). */
  ops: string[];
  bytes: Uint8Array;
}

/** Values that sit on the boundaries decoders test: zero, all ones, signed edges, small counts. */
const BOUNDARY = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 12, 32, 4095, 4096, 4097];

export function makeCase(seeds: Seed[], seed: number, index: number): FuzzCase {
  const r = caseRng(seed, index);
  const int = (n: number) => Math.floor(r() * n);
  const total = seeds.reduce((s, x) => s + x.weight, 0);
  let pick = r() * total;
  const base = seeds.find((s) => (pick -= s.weight) < 0) ?? seeds[0]!;
  let bytes = base.bytes.slice();
  const ops: string[] = [];
  // Offsets land on a decoded structure, in the dense metadata after the superblock, or anywhere.
  const offset = (len = 1) => {
    const hi = Math.max(1, bytes.length - len);
    const where = r();
    if (where < 0.4 && base.spots.length) {
      const k = int(base.spots.length / 2) * 2;
      return Math.min(hi - 1, base.spots[k]! + int(Math.max(1, base.spots[k + 1]!)));
    }
    return where < 0.7 ? Math.min(hi - 1, 1024 + int(32 * 1024)) : int(hi);
  };
  const count = 1 + int(3);
  for (let k = 0; k < count && bytes.length > 0; k++) {
    const kind = int(100);
    if (kind < 35) {
      const at = offset();
      const bit = 1 << int(8);
      bytes[at]! ^= bit;
      ops.push(`flip@${at}:${bit}`);
    } else if (kind < 50) {
      const len = r() < 0.3 ? 32 : 1 + int(64);
      const at = r() < 0.3 ? offset(len) & ~31 : offset(len);
      bytes.fill(0, at, at + len);
      ops.push(`zero@${at}+${len}`);
    } else if (kind < 75) {
      const width = [1, 2, 4, 8][int(4)]!;
      const at = offset(width) & ~(width - 1);
      let v = BOUNDARY[int(BOUNDARY.length)]!;
      for (let b = 0; b < width; b++) {
        bytes[at + b] = b < 4 ? (v >>> (8 * b)) & 0xff : r() < 0.5 ? 0 : 0xff;
      }
      v >>>= 0;
      ops.push(`set${width * 8}@${at}:${v}`);
    } else if (kind < 85) {
      const cut = r() < 0.5 ? int(bytes.length) : Math.floor(int(bytes.length) / 4096) * 4096;
      bytes = bytes.slice(0, cut);
      ops.push(`truncate@${cut}`);
    } else {
      const from = r() < 0.7 ? base : seeds[int(seeds.length)]!;
      const len = r() < 0.4 ? 32 : 1 + int(256);
      if (from.bytes.length <= len || bytes.length <= len) continue;
      const src = r() < 0.4 ? int(from.bytes.length - len) & ~31 : int(from.bytes.length - len);
      const dst = r() < 0.4 ? offset(len) & ~31 : offset(len);
      bytes.set(from.bytes.subarray(src, src + len), dst);
      ops.push(`splice@${dst}+${len}<-${from.name}@${src}`);
    }
  }
  return { index, image: base.name, ops, bytes };
}
