/**
 * The layout of a casync archive (caformat.h), in the archive stream: the .catar itself, or for a
 * .caidx the stream its chunks reassemble to. Each node is its ENTRY, its metadata records, then
 * PAYLOAD (a 16-byte header and the file's bytes), SYMLINK or DEVICE; a directory's children each
 * follow their FILENAME record, and its GOODBYE table closes it. Records are packed end to end, so
 * a byte between them that no record claims is unaccounted. A .caibx has no archive structure.
 */
import { recordTypeName, CA_FORMAT_PAYLOAD } from '../casync/caformat.ts';
import type { CasyncReader } from '../casync/reader.ts';
import type { CatarNode } from '../casync/scan.ts';
import { displayBytes } from '../diff/text.ts';
import { finishLayout, LayoutBuilder, pacer, type LayoutMap } from './model.ts';

/** struct CaFormatHeader: __le64 size, __le64 type. */
const CA_FORMAT_HEADER_SIZE = 16;

export async function buildCasyncLayout(r: CasyncReader, signal?: AbortSignal): Promise<LayoutMap> {
  if (!r.scan) throw new Error('a casync blob index (.caibx) stores one blob, not an archive: it has no structures to map');
  const b = new LayoutBuilder('casync', r.archive.size);
  const paths: string[] = [];
  const pace = pacer();
  for (const n of r.scan.nodes) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const paused = pace.tick();
    if (paused) await paused;
    const parent = n.parent >= 0 ? paths[n.parent] : undefined;
    const path = parent === undefined ? '/' : `${parent === '/' ? '' : parent}/${displayBytes(n.name)}`;
    paths[n.id] = path;
    addNode(b, n, path);
  }
  for (const f of r.scan.findings) if (f.severity === 'error') b.problem(f.offset, f.length, f.message);
  return finishLayout(b, (o, l) => r.bytes(o, l), r.container === 'catar' ? undefined : 'the archive stream the index\'s chunks reassemble');
}

function addNode(b: LayoutBuilder, n: CatarNode, path: string): void {
  if (n.filename) b.add({ kind: 'catar.filename', name: `FILENAME of ${path}`, offset: n.filename.offset, length: n.filename.size }, path);
  for (const rec of n.records) {
    const type = recordTypeName(rec.type);
    if (rec.type === CA_FORMAT_PAYLOAD) {
      b.add({ kind: 'catar.payload-header', name: `PAYLOAD header of ${path}`, offset: rec.offset, length: CA_FORMAT_HEADER_SIZE }, path);
      if (rec.size > CA_FORMAT_HEADER_SIZE) b.add({ kind: 'catar.payload', name: `content of ${path}`, offset: rec.offset + CA_FORMAT_HEADER_SIZE, length: rec.size - CA_FORMAT_HEADER_SIZE }, path);
      continue;
    }
    b.add({ kind: `catar.${type}`, name: `${type.toUpperCase()} of ${path}`, offset: rec.offset, length: rec.size }, path);
  }
  if (n.goodbye) b.add({ kind: 'catar.goodbye', name: `GOODBYE of ${path}`, offset: n.goodbye.offset, length: n.goodbye.size }, path);
}
