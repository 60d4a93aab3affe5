/**
 * The layout map as text, in offset order: one block per structure (offset, length, kind, name,
 * owning paths, then each field at its relative offset with its value), padding as a count of NUL
 * bytes, unaccounted content as a hex dump, overlaps marked, and a closing table of bytes per kind.
 * Deterministic: the same image always prints the same text, and since every byte is either a field
 * value, content digested into a field, padding (zeros) or dumped, different images print differently.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../model.ts';
import { describeFields, type LayoutField } from './fields.ts';
import type { BytesAt, LayoutMap, LayoutStructure } from './model.ts';

const h = (n: number, w = 8) => '0x' + n.toString(16).padStart(w, '0');
/** Owning paths shown per structure; a shared xattr can belong to every file of an image. */
const MAX_PATHS = 16;
/** Unaccounted content is dumped up to this many bytes, then summarised by its digest. */
const MAX_DUMP = 64 * 1024;

export function hexDump(bytes: Uint8Array, base: number, indent = '  '): string {
  let s = '';
  for (let p = 0; p < bytes.length; p += 16) {
    const row = bytes.subarray(p, p + 16);
    const hx = Array.from(row, (x) => x.toString(16).padStart(2, '0')).join(' ');
    const asc = Array.from(row, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    s += `${indent}${h(base + p)}  ${hx.padEnd(47)}  |${asc}|\n`;
  }
  return s;
}

export function structureHeading(s: LayoutStructure): string {
  let line = `${h(s.offset)} +${s.length} ${s.kind} "${s.name}"`;
  if (s.paths.length) {
    const shown = s.paths.slice(0, MAX_PATHS).map((p) => JSON.stringify(p)).join(' ');
    const more = s.paths.length - Math.min(MAX_PATHS, s.paths.length) + (s.morePaths ?? 0);
    line += ` ${shown}${more ? ` (and ${more} more paths)` : ''}`;
  }
  return line;
}

export function fieldLine(f: LayoutField): string {
  return `  +${f.offset.toString(16).padStart(3, '0')} ${f.name} [${f.size}] = ${f.value}`;
}

type Item = { at: number; order: number; text: () => Promise<string> };

/** Writes the map through `write` (called with text pieces in order). */
export async function writeLayoutText(map: LayoutMap, bytesAt: BytesAt, write: (s: string) => void): Promise<void> {
  write(`layout of a ${map.format} image, ${map.size} bytes${map.space ? ` (offsets in ${map.space})` : ''}\n`);
  const items: Item[] = [];
  for (const s of map.structures) {
    items.push({
      at: s.offset,
      order: 1,
      text: async () => {
        let out = structureHeading(s) + '\n';
        if (s.placedBy) out += `  placed by ${s.placedBy.name} [${s.placedBy.length}] at ${h(s.placedBy.offset)}\n`;
        if (s.sizedBy) out += `  sized by ${s.sizedBy.name} [${s.sizedBy.length}] at ${h(s.sizedBy.offset)}\n`;
        for (const f of describeFields(s, await bytesAt(s.offset, s.length))) out += fieldLine(f) + '\n';
        return out;
      },
    });
  }
  for (const g of map.gaps) {
    items.push({
      at: g.offset,
      order: 0,
      text: async () => {
        if (g.kind === 'padding') return `${h(g.offset)} padding ${g.length} nul bytes\n`;
        let out = `${h(g.offset)} UNACCOUNTED ${g.length} bytes (non-zero, no structure points here)\n`;
        const shown = Math.min(g.length, MAX_DUMP);
        out += hexDump(await bytesAt(g.offset, shown), g.offset);
        if (shown < g.length) out += `  ... ${g.length - shown} more bytes, sha256 of all: ${toHex(sha256(await bytesAt(g.offset, g.length)))}\n`;
        return out;
      },
    });
  }
  for (const o of map.overlaps) {
    const a = map.structures[o.a]!;
    const b = map.structures[o.b]!;
    items.push({ at: o.offset, order: 2, text: async () => `${h(o.offset)} OVERLAP +${o.length}: "${b.name}" lies over "${a.name}" (${h(a.offset)}+${a.length})\n` });
  }
  for (const p of map.problems) items.push({ at: p.offset, order: 3, text: async () => `${h(p.offset)} PROBLEM +${p.length}: ${p.message}\n` });
  items.sort((x, y) => x.at - y.at || x.order - y.order);
  for (const it of items) write(await it.text());
  if (map.truncated) write('(stopped early: the structure budget was reached; later structures are missing)\n');
  write(totalsText(map));
}

export function totalsText(map: LayoutMap): string {
  const rows: [string, number][] = Object.entries(map.totals.byKind).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  rows.push(['padding', map.totals.padding], ['unaccounted', map.totals.unaccounted], ['overlapping', map.totals.overlapping]);
  const w = Math.max(...rows.map(([k]) => k.length));
  let out = 'bytes by kind:\n';
  for (const [k, n] of rows) out += `  ${k.padEnd(w)} ${String(n).padStart(12)}\n`;
  return out;
}

/** The map as JSON-ready data, each structure with its fields. */
export async function layoutJson(map: LayoutMap, bytesAt: BytesAt): Promise<unknown> {
  const structures = [];
  for (const s of map.structures) structures.push({ ...s, fields: describeFields(s, await bytesAt(s.offset, s.length)) });
  return { ...map, structures };
}
