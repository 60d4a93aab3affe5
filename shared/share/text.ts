/** The `share` report as text: one block per image, then the set, then where schemes beat whole files. */
import type { ShareReport } from './analysis.ts';
import { SCHEMES, type Scheme } from './units.ts';
import type { ChunkSizes } from './buzhash.ts';

export interface ShareParameters {
  blockSize: number;
  casync: ChunkSizes;
  fastcdc: ChunkSizes;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Exact bytes, and a binary-prefixed size beside them once past 1 KiB. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n;
  let u = -1;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${UNITS[u]}`;
}

const kib = (s: ChunkSizes) => `${s.min / 1024}/${s.avg / 1024}/${s.max / 1024} KiB`;

export const SCHEME_TEXT: Record<Scheme, (p: ShareParameters) => string> = {
  file: () => 'whole files (composefs, ostree)',
  block: (p) => `aligned ${p.blockSize}-byte blocks (EROFS, Nydus)`,
  casync: (p) => `casync buzhash chunks, ${kib(p.casync)}, catar order`,
  fastcdc: (p) => `FastCDC v2020 (fastcdc-rs 3.0.0, normalization 1) chunks, ${kib(p.fastcdc)}, PuzzleFS order`,
};

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

export function shareText(r: ShareReport, p: ShareParameters): string {
  const lines: string[] = [];
  lines.push('schemes:');
  for (const s of SCHEMES) lines.push(`  ${pad(s, 8)} ${SCHEME_TEXT[s](p)}`);
  r.images.forEach((img, k) => {
    lines.push('');
    lines.push(`[${k + 1}] ${img.name}: ${img.files} files, ${bytesText(img.logical)} logical`);
    lines.push(`    ${pad('scheme', 8)} ${lpad('unique', 12)} ${lpad('delta', 12)} ${lpad('delta %', 8)}`);
    for (const s of SCHEMES) {
      const f = img.schemes[s];
      lines.push(`    ${pad(s, 8)} ${lpad(bytesText(f.unique), 12)} ${lpad(bytesText(f.delta), 12)} ${lpad(pct(f.delta, img.logical), 8)}`);
    }
    for (let j = 0; j < k; j++) {
      const shared = SCHEMES.map((s) => `${s} ${bytesText(r.pairwise[s][k]![j]!)}`).join(', ');
      lines.push(`    shared with [${j + 1}]: ${shared}`);
    }
  });
  lines.push('');
  lines.push(`set of ${r.images.length} images: ${bytesText(r.set.logical)} logical`);
  for (const s of SCHEMES) {
    lines.push(`    ${pad(s, 8)} ${lpad(bytesText(r.set.unique[s]), 12)} stored (${pct(r.set.unique[s], r.set.logical)} of logical)`);
  }
  lines.push(`    page cache, all images running: ${bytesText(r.set.pageCache.resident)} resident, ${bytesText(r.set.pageCache.shared)} shared (only whole-file sharing reaches it)`);
  const wins = r.images.flatMap((img, k) =>
    (['block', 'casync', 'fastcdc'] as const).flatMap((s) =>
      img.topSavings[s].slice(0, 5).map((f) => `    [${k + 1}] ${pad(s, 8)} ${f.path}: delta ${bytesText(f.fileDelta)} as a whole file, ${bytesText(f.schemeDelta)} as ${s === 'block' ? 'blocks' : 'chunks'}`),
    ),
  );
  if (wins.length > 0) {
    lines.push('');
    lines.push('files where blocks or chunks fetch less than whole files:');
    lines.push(...wins);
  }
  return lines.join('\n') + '\n';
}
