/**
 * The layout of an OCI layer tarball, in the tar stream (the file itself, or the decompressed
 * stream of a .tar.gz / .tar.zst): each member's extended headers, its header block and its data,
 * then the end-of-archive marker. Block padding after data is zero and so shows as padding.
 */
import type { OciTarReader } from '../oci/reader.ts';
import { BLOCKSIZE } from '../oci/tar.ts';
import { displayBytes } from '../diff/text.ts';
import { finishLayout, LayoutBuilder, type LayoutMap } from './model.ts';

export async function buildOciLayout(r: OciTarReader, signal?: AbortSignal): Promise<LayoutMap> {
  const b = new LayoutBuilder('oci-tar', r.size);
  for (const m of r.scan.members) {
    if (signal?.aborted) throw signal.reason ?? new Error('layout aborted');
    const path = '/' + displayBytes(m.path).replace(/^(\.?\/)+/, '');
    let dataStart = m.dataOffset;
    for (const x of m.extraRanges) {
      if (x.label === 'sparse map' || x.label === 'GNU sparse extension') {
        b.add({ kind: 'tar.sparse-map', name: `member #${m.index} ${x.label}`, offset: x.offset, length: x.length }, path);
        if (x.offset === m.dataOffset) dataStart = x.offset + x.length;
        continue;
      }
      // Extended headers are a header block followed by their records.
      b.add({ kind: 'tar.extended-header', name: `member #${m.index} ${x.label} header`, offset: x.offset, length: Math.min(BLOCKSIZE, x.length) }, path);
      if (x.length > BLOCKSIZE) b.add({ kind: 'tar.extended-data', name: `member #${m.index} ${x.label}`, offset: x.offset + BLOCKSIZE, length: x.length - BLOCKSIZE }, path);
    }
    b.add({ kind: 'tar.header', name: `member #${m.index} ${m.dialect} header`, offset: m.headerOffset, length: BLOCKSIZE }, path);
    const dataEnd = m.dataOffset + m.storedSize;
    if (dataEnd > dataStart) b.add({ kind: 'tar.data', name: `member #${m.index} data`, offset: dataStart, length: dataEnd - dataStart }, path);
  }
  for (const f of r.scan.findings) b.problem(f.offset, f.length, f.message);
  if (r.scan.endMarker !== undefined) b.add({ kind: 'tar.end-marker', name: 'end-of-archive marker', offset: r.scan.endMarker, length: 2 * BLOCKSIZE });
  return finishLayout(b, (o, l) => r.bytes(o, l), r.compression === 'none' ? undefined : `the ${r.compression}-decompressed tar stream`);
}
