/**
 * What the compressed files of an image add up to, for `info`: pclusters per algorithm, their
 * sizes, how much is shared between extents (dedupe), and how much lives in the packed inode
 * (fragments). Maps are read, nothing is decompressed; the scan stops at a budget of extents.
 */
import { EROFS_INODE_COMPRESSED_COMPACT, EROFS_INODE_COMPRESSED_FULL } from './erofs_fs.ts';
import type { ErofsReader } from './reader.ts';
import { compressedExtents } from './zdata.ts';
import { Z_EROFS_ALGORITHM_NAMES } from './zmap.ts';
import { walk } from '../walk.ts';

export interface CompressionStats {
  files: number;
  extents: number;
  /** Distinct pclusters and their encoded bytes, by algorithm name. */
  byAlgorithm: Record<string, { pclusters: number; bytes: number }>;
  /** Smallest and largest encoded pcluster (inline tails excluded). */
  pclusterMin: number;
  pclusterMax: number;
  /** Extents that decode from a pcluster another extent already uses, and the bytes they decode to. */
  dedupedExtents: number;
  dedupedBytes: number;
  /** Bytes of files kept in the packed inode (fragments). */
  fragmentBytes: number;
  /** Inline (ztailpacking) pclusters. */
  inlineTails: number;
  /** The scan stopped at the extent budget. */
  partial: boolean;
  /** Compressed files whose map could not be read. */
  unreadable: number;
}

export async function compressionStats(r: ErofsReader, budget = 1_000_000): Promise<CompressionStats> {
  const s: CompressionStats = {
    files: 0, extents: 0, byAlgorithm: {}, pclusterMin: Infinity, pclusterMax: 0, dedupedExtents: 0, dedupedBytes: 0,
    fragmentBytes: 0, inlineTails: 0, partial: false, unreadable: 0,
  };
  const seen = new Set<number>();
  const inodes = new Set<number>();
  await walk(
    r,
    async (e) => {
      if (s.partial || inodes.has(e.id)) return;
      inodes.add(e.id);
      const ino = await r.rawInode(e.id);
      if (ino.datalayout !== EROFS_INODE_COMPRESSED_FULL && ino.datalayout !== EROFS_INODE_COMPRESSED_COMPACT) return;
      s.files++;
      let extents;
      try {
        ({ extents } = await compressedExtents(r, ino));
      } catch {
        s.unreadable++;
        return;
      }
      for (const x of extents) {
        if (++s.extents > budget) {
          s.partial = true;
          return;
        }
        if (x.fragment) {
          s.fragmentBytes += x.llen;
          continue;
        }
        if (x.hole || !x.plen) continue;
        if (x.inline) s.inlineTails++;
        if (seen.has(x.pa)) {
          s.dedupedExtents++;
          s.dedupedBytes += x.llen;
          continue;
        }
        seen.add(x.pa);
        const name = Z_EROFS_ALGORITHM_NAMES[x.algorithm] ?? `algorithm ${x.algorithm}`;
        const a = (s.byAlgorithm[name] ??= { pclusters: 0, bytes: 0 });
        a.pclusters++;
        a.bytes += x.plen;
        if (!x.inline) {
          s.pclusterMin = Math.min(s.pclusterMin, x.plen);
          s.pclusterMax = Math.max(s.pclusterMax, x.plen);
        }
      }
    },
    { onProblem: () => undefined },
  );
  if (s.pclusterMin === Infinity) s.pclusterMin = 0;
  return s;
}

/** Rows for `info`. */
export function compressionRows(s: CompressionStats): [string, string][] {
  const rows: [string, string][] = [['compressed files', `${s.files}${s.unreadable ? ` (${s.unreadable} with unreadable maps)` : ''}`]];
  for (const [name, a] of Object.entries(s.byAlgorithm).sort()) rows.push([`  ${name} pclusters`, `${a.pclusters}, ${a.bytes} bytes`]);
  if (s.pclusterMax) rows.push(['pcluster sizes', s.pclusterMin === s.pclusterMax ? `${s.pclusterMax} bytes` : `${s.pclusterMin}..${s.pclusterMax} bytes`]);
  if (s.inlineTails) rows.push(['inline tail pclusters (ztailpacking)', String(s.inlineTails)]);
  rows.push(['deduplicated', `${s.dedupedExtents} extents share an earlier pcluster (${s.dedupedBytes} decoded bytes)`]);
  if (s.fragmentBytes) rows.push(['data in the packed inode (fragments)', `${s.fragmentBytes} bytes`]);
  if (s.partial) rows.push(['compression scan', 'stopped at its budget: figures cover part of the image']);
  return rows;
}
