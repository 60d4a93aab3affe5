/**
 * Writes splitstreams for tests, following composefs-rs doc/splitstream.md (header, info, flat
 * digest arrays, zstd-compressed chunk stream and named refs). No independent producer runs on these
 * machines (composefs-rs is not built here), so this is our own writer of the documented format; the
 * zstd compression is done by Debian's `zstd` tool.
 */
import { execFileSync } from 'node:child_process';
import { concatBytes } from '../../shared/model.ts';

export type WriterChunk = { inline: Uint8Array } | { object: number };

export interface SplitstreamSpec {
  algorithm?: 1 | 2;
  lgBlockSize?: number;
  contentType?: string;
  streamRefs?: Uint8Array[];
  objectRefs?: Uint8Array[];
  chunks: WriterChunk[];
  namedRefs?: { stream: number; name: string }[];
  /** The reassembled size; the sum of the chunks' sizes unless a test lies on purpose. */
  streamSize: number;
}

export const zstdCompress = (data: Uint8Array): Uint8Array =>
  data.length === 0 ? new Uint8Array(0) : new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 }));

function le64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
  return b;
}

/** The parts back to back (the format writes arrays of records). */
const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

export function writeSplitstream(spec: SplitstreamSpec): Uint8Array {
  const stream = zstdCompress(concat(spec.chunks.flatMap((c) => ('inline' in c ? [le64(-c.inline.length), c.inline] : [le64(c.object)]))));
  const named = zstdCompress(new TextEncoder().encode((spec.namedRefs ?? []).map((r) => `${r.stream}:${r.name}\0`).join('')));
  const streamRefs = concat(spec.streamRefs ?? []);
  const objectRefs = concat(spec.objectRefs ?? []);
  const infoAt = 32;
  let at = infoAt + 80;
  const range = (len: number) => {
    const r = [le64(at), le64(at + len)];
    at += len;
    return r;
  };
  const info = concat([
    ...range(streamRefs.length),
    ...range(objectRefs.length),
    ...range(stream.length),
    ...range(named.length),
    new TextEncoder().encode((spec.contentType ?? 'ocilayer').padEnd(8, '\0').slice(0, 8)),
    le64(spec.streamSize),
  ]);
  const header = concat([
    new TextEncoder().encode('SplitStream'),
    Uint8Array.of(0, 0, 0, spec.algorithm ?? 1, spec.lgBlockSize ?? 12),
    le64(infoAt),
    le64(infoAt + 80),
  ]);
  return concat([header, info, streamRefs, objectRefs, stream, named]);
}
