/**
 * Rules only the layout map can judge: non-zero bytes no structure claims (unaccounted content),
 * structures claiming the same bytes (overlaps), and the superblock's block count against the
 * blocks the structures actually reach, both ways. An overlap is a consequence: the structure that
 * overlaps the most others (or, between two, the one lying wholly inside the other, else the one
 * running into the next) is the culprit, and the root finding is the field that placed or sized it.
 */
import { hex } from '../bytes/cursor.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import type { Finding, ImageReader } from '../model.ts';
import { buildLayout } from '../layout/index.ts';
import type { FieldRef, LayoutMap, LayoutStructure } from '../layout/model.ts';
import { finding } from './codes.ts';
import { EROFS_FEATURE_INCOMPAT_METABOX } from '../erofs/erofs_fs.ts';

/** Findings each of these kinds adds at most; past that, more of the same explains nothing new. */
const MAX_UNACCOUNTED = 256;
const MAX_OVERLAP_FINDINGS = 256;

const contains = (outer: { offset: number; length: number }, inner: { offset: number; length: number }) =>
  inner.offset >= outer.offset && inner.offset + inner.length <= outer.offset + outer.length;

/**
 * Can the map speak for every byte? Not for metadata compression (metabox): the reader lists it as
 * unsupported and maps none of it, so an unclaimed byte there is a gap in the map, not hidden data.
 * casync archives are mapped by `layout` but not judged here yet: past damage the walk stops and
 * everything after it would read as unaccounted, which the casync rules already explain.
 */
function mapCoversEveryByte(reader: ImageReader): boolean {
  if (reader.format !== 'composefs' && reader.format !== 'erofs') return ['legacy-cfs', 'oci-tar', 'nydus-v5', 'nydus-v6'].includes(reader.format);
  return !((reader as ErofsReader).sb.featureIncompat & EROFS_FEATURE_INCOMPAT_METABOX);
}

export async function checkLayout(reader: ImageReader, findings: Finding[], signal?: AbortSignal): Promise<LayoutMap | undefined> {
  if (!mapCoversEveryByte(reader)) return undefined;
  let map: LayoutMap;
  try {
    map = await buildLayout(reader, signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    return undefined; // the format checks already report what stops decoding
  }
  let n = 0;
  for (const g of map.gaps) {
    if (g.kind !== 'unaccounted' || n++ >= MAX_UNACCOUNTED) continue;
    findings.push(finding('layout.unaccounted', g.offset, g.length, `${g.length} non-zero bytes at ${hex(g.offset)} belong to no structure: no reader sees them`));
  }
  addOverlaps(map, findings);
  if (reader.format === 'composefs' || reader.format === 'erofs') checkBlockCount(reader as ErofsReader, map, findings);
  return map;
}

function addOverlaps(map: LayoutMap, findings: Finding[]): void {
  const count = new Map<number, number>();
  for (const o of map.overlaps) {
    count.set(o.a, (count.get(o.a) ?? 0) + 1);
    count.set(o.b, (count.get(o.b) ?? 0) + 1);
  }
  const roots = new Map<string, Finding>();
  let n = 0;
  for (const o of map.overlaps) {
    const a = map.structures[o.a]!;
    const b = map.structures[o.b]!;
    const ca = count.get(o.a)!;
    const cb = count.get(o.b)!;
    const inside = b.offset + b.length <= a.offset + a.length;
    const culprit = ca > cb ? a : cb > ca ? b : inside ? b : a;
    const misplaced = culprit === b && inside;
    const field = (misplaced ? culprit.placedBy ?? culprit.sizedBy : culprit.sizedBy ?? culprit.placedBy) ?? undefined;
    const root = field ? rootFor(roots, findings, culprit, field, misplaced || !culprit.sizedBy, count.get(culprit === a ? o.a : o.b)!) : undefined;
    if (n++ >= MAX_OVERLAP_FINDINGS) continue;
    const f = finding('layout.overlap', o.offset, o.length, `${b.name} (${hex(b.offset)}+${b.length}) lies over ${a.name} (${hex(a.offset)}+${a.length})`);
    if (b.paths[0] !== undefined) f.path = b.paths[0];
    if (root) f.cause = idOf(root);
    findings.push(f);
  }
}

/** The finding for the field behind a culprit: one already on those bytes, else a new one. */
function rootFor(roots: Map<string, Finding>, findings: Finding[], culprit: LayoutStructure, field: FieldRef, pointer: boolean, overlaps: number): Finding {
  const key = `${field.offset}+${field.length}`;
  const known = roots.get(key) ?? findings.find((f) => !f.cause && f.length > 0 && contains(field, f));
  const region = { offset: culprit.offset, length: culprit.length };
  if (known) {
    known.region ??= region;
    roots.set(key, known);
    return known;
  }
  const what = `${culprit.name} (${hex(culprit.offset)}+${culprit.length})`;
  const f = pointer
    ? finding('layout.wild-pointer', field.offset, field.length, `${field.name} places ${what} over other structures`)
    : finding('layout.wild-size', field.offset, field.length, `${field.name} makes ${what} run over ${overlaps} other structure${overlaps === 1 ? '' : 's'}`);
  if (culprit.paths[0] !== undefined) f.path = culprit.paths[0];
  f.region = region;
  findings.push(f);
  roots.set(key, f);
  return f;
}

export const idOf = (f: Finding): string => (f.id ??= `${f.code}@${f.offset}+${f.length}`);

/** The superblock's block count must be exactly the blocks the structures reach. */
function checkBlockCount(r: ErofsReader, map: LayoutMap, findings: Finding[]): void {
  let reach = 0;
  for (const s of map.structures) reach = Math.max(reach, s.offset + s.length);
  const bs = r.blockSize;
  const used = Math.ceil(reach / bs);
  const blocks = r.sb.blocks;
  const [o, l] = r.sb.fieldRanges['blocks']!;
  const claimed = blocks * bs;
  if (blocks < used) {
    const f = finding('erofs.superblock.blocks', o, l, `the superblock claims ${blocks} blocks but structures reach block ${used - 1}: a reader trusting the count stops at ${hex(claimed)}`, {
      expected: String(used),
      actual: String(blocks),
    });
    f.region = { offset: claimed, length: reach - claimed };
    findings.push(f);
  } else if (blocks > used && claimed <= r.size) {
    const f = finding('erofs.superblock.blocks', o, l, `the superblock claims ${blocks} blocks but no structure uses anything past block ${used - 1}`, {
      severity: 'warning',
      expected: String(used),
      actual: String(blocks),
    });
    f.region = { offset: used * bs, length: claimed - used * bs };
    findings.push(f);
  }
}
