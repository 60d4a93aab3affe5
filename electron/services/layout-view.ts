/**
 * The layout map for the hex view and the block-map strip: built once per open image (lazily, on
 * the first request), then answered from memory. Fields are decoded only for the structures asked
 * about. Findings come from the session's last check.
 */
import type { BlockMapView, LayoutAt, StructureView } from '../../shared/api.ts';
import { describeFields } from '../../shared/layout/fields.ts';
import { buildLayout } from '../../shared/layout/index.ts';
import { structuresAt, type LayoutMap, type LayoutStructure } from '../../shared/layout/model.ts';
import { toHex, type Finding, type ImageReader } from '../../shared/model.ts';

export interface LayoutViews {
  at(reader: ImageReader, offset: number, findings: readonly Finding[]): Promise<LayoutAt>;
  blockMap(reader: ImageReader, buckets: number, findings: readonly Finding[]): Promise<BlockMapView>;
}

const touches = (f: Finding, from: number, to: number) =>
  (f.offset < to && f.offset + Math.max(1, f.length) > from) || (f.region !== undefined && f.region.offset < to && f.region.offset + f.region.length > from);

/** Findings listed with one structure: a wild region can touch thousands of them. */
const MAX_STRUCTURE_FINDINGS = 32;

export function layoutViews(): LayoutViews {
  const maps = new WeakMap<ImageReader, Promise<LayoutMap>>();
  const mapOf = (r: ImageReader): Promise<LayoutMap> => {
    let m = maps.get(r);
    if (!m) {
      m = buildLayout(r);
      maps.set(r, m);
      m.catch(() => maps.delete(r));
    }
    return m;
  };

  const view = async (r: ImageReader, s: LayoutStructure, findings: readonly Finding[]): Promise<StructureView> => {
    const bytes = await r.bytes(s.offset, s.length);
    const fields = describeFields(s, bytes).map((f) => ({ ...f, raw: toHex(bytes.subarray(f.offset, f.offset + Math.min(f.size, 64))) }));
    const end = s.offset + s.length;
    const out: StructureView = {
      kind: s.kind, name: s.name, offset: s.offset, length: s.length, paths: s.paths, fields,
      findings: findings.filter((f) => touches(f, s.offset, end)).slice(0, MAX_STRUCTURE_FINDINGS),
    };
    if (s.morePaths) out.morePaths = s.morePaths;
    if (s.placedBy) out.placedBy = s.placedBy;
    if (s.sizedBy) out.sizedBy = s.sizedBy;
    return out;
  };

  return {
    async at(r, offset, findings) {
      const map = await mapOf(r);
      const structures = [];
      for (const s of structuresAt(map, offset)) structures.push(await view(r, s, findings));
      const out: LayoutAt = { offset, structures };
      const gap = map.gaps.find((g) => offset >= g.offset && offset < g.offset + g.length);
      if (gap) out.gap = { kind: gap.kind, offset: gap.offset, length: gap.length };
      return out;
    },

    async blockMap(r, buckets, findings) {
      const map = await mapOf(r);
      const n = Math.max(1, Math.min(buckets, map.size || 1));
      const bucketBytes = Math.ceil(map.size / n) || 1;
      // Bytes of each kind per bucket; the kind with most bytes names the bucket.
      const weight = Array.from({ length: n }, () => new Map<string, number>());
      const addSpan = (kind: string, offset: number, length: number) => {
        for (let b = Math.floor(offset / bucketBytes); b < n && b * bucketBytes < offset + length; b++) {
          const from = Math.max(offset, b * bucketBytes);
          const to = Math.min(offset + length, (b + 1) * bucketBytes);
          weight[b]!.set(kind, (weight[b]!.get(kind) ?? 0) + (to - from));
        }
      };
      for (const s of map.structures) addSpan(s.kind, s.offset, s.length);
      for (const g of map.gaps) addSpan(g.kind, g.offset, g.length);
      const kinds = weight.map((w) => [...w].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? 'padding');
      const marks = new Array<string>(n).fill('');
      const mark = (offset: number, length: number, what: string, rank: number) => {
        const order = ['', 'unaccounted', 'finding', 'root'];
        for (let b = Math.floor(offset / bucketBytes); b < n && b * bucketBytes < offset + Math.max(1, length); b++) {
          if (order.indexOf(marks[b]!) < rank) marks[b] = what;
        }
      };
      for (const g of map.gaps) if (g.kind === 'unaccounted') mark(g.offset, g.length, 'unaccounted', 1);
      for (const f of findings) {
        if (f.region) mark(f.region.offset, f.region.length, 'finding', 2);
        if (f.cause) mark(f.offset, f.length, 'finding', 2);
        else mark(f.offset, f.length, 'root', 3);
      }
      return { size: map.size, bucketBytes, kinds, marks };
    },
  };
}
