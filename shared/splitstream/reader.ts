/**
 * Reads a splitstream file: header, info, the two reference arrays, the chunk list and the named
 * refs, and reassembles the original stream on demand as a ByteSource, with inline chunks from the
 * decompressed stream section and external chunks from objects the caller opens (the format core
 * touches no files).
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { memorySource, outOfRange, type ByteSource } from '../bytes/source.ts';
import { segmentAt } from '../bytes/ranges.ts';
import { BUDGETS, decompressedLimit } from '../budgets.ts';
import { toHex } from '../model.ts';
import { decompressChunks } from '../oci/decompress.ts';
import { decodeChunks, type Chunk } from './chunks.ts';
import { contentTypeName } from './content-type.ts';
import {
  decodeHeader,
  decodeInfo,
  describeRange,
  SPLITSTREAM_HEADER_SIZE,
  SPLITSTREAM_INFO_SIZE,
  verityDigestSize,
  type FileRange,
  type SplitstreamHeader,
  type SplitstreamInfo,
} from './header.ts';
import { decodeNamedRefs, type NamedRef } from './named-refs.ts';

export interface SplitStream {
  size: number;
  header: SplitstreamHeader;
  info: SplitstreamInfo;
  contentType: string;
  digestSize: number;
  /** Other splitstreams this one refers to, by fs-verity digest (hex). */
  streamRefs: string[];
  /** Objects whose content external chunks are, by fs-verity digest (hex). */
  objectRefs: string[];
  namedRefs: NamedRef[];
  chunks: Chunk[];
  /** The decompressed stream section: inline chunks are slices of it. */
  inline: Uint8Array;
}

async function section(source: ByteSource, r: FileRange): Promise<Uint8Array> {
  return r.end > r.start ? source.read(r.start, r.end - r.start) : new Uint8Array(0);
}

async function unzstd(source: ByteSource, r: FileRange, what: string): Promise<Uint8Array> {
  if (r.end === r.start) return new Uint8Array(0);
  const limit = decompressedLimit(r.end - r.start);
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const part of decompressChunks(memorySource(await section(source, r)), 'zstd')) {
      total += part.length;
      if (total > limit) throw new DecodeError(`${what} decompresses to more than ${limit} bytes (BUDGETS.decompressedBytes); stopped`, r.start, r.end - r.start, 'budget.decompressed-bytes');
      parts.push(part);
    }
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`${what} at ${describeRange(r)} is not valid zstd data: ${(e as Error).message}`, r.start, r.end - r.start, 'splitstream.zstd');
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function digests(bytes: Uint8Array, size: number, r: FileRange, what: string): string[] {
  if (bytes.length % size !== 0) {
    throw new DecodeError(`${what} at ${describeRange(r)} is ${bytes.length} bytes, not a whole number of ${size}-byte digests`, r.start, bytes.length, 'splitstream.refs');
  }
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(toHex(bytes.subarray(i, i + size)));
  return out;
}

export async function readSplitStream(source: ByteSource): Promise<SplitStream> {
  if (source.size < SPLITSTREAM_HEADER_SIZE) {
    throw new DecodeError(`a splitstream starts with a ${SPLITSTREAM_HEADER_SIZE}-byte header; the file has ${source.size} bytes`, 0, source.size, 'splitstream.magic');
  }
  const header = decodeHeader(await source.read(0, SPLITSTREAM_HEADER_SIZE), source.size);
  // A longer info section is a future extension: its tail is ignored.
  const info = decodeInfo(await source.read(header.info.start, SPLITSTREAM_INFO_SIZE), header.info.start, source.size);
  const digestSize = verityDigestSize(header.algorithm)!;
  const streamRefs = digests(await section(source, info.streamRefs), digestSize, info.streamRefs, 'stream_refs');
  const objectRefs = digests(await section(source, info.objectRefs), digestSize, info.objectRefs, 'object_refs');
  const inline = await unzstd(source, info.stream, 'the stream section');
  const chunks = decodeChunks(inline, objectRefs.length, BUDGETS.splitstreamChunks);
  const namedRefs = decodeNamedRefs(await unzstd(source, info.namedRefs, 'the named_refs section'), streamRefs.length, BUDGETS.splitstreamNamedRefs);
  return { size: source.size, header, info, contentType: contentTypeName(info.contentType), digestSize, streamRefs, objectRefs, namedRefs, chunks, inline };
}

/** An object an external chunk refers to, as the caller opened it. */
export interface ChunkObject {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * The original stream as a ByteSource. `objects[i]` is object ref i (undefined when it is missing:
 * reading across it fails with a DecodeError naming its digest). The total must equal the
 * recorded stream_size, or the stream is not what it claims to be.
 */
export function reassembledSource(ss: SplitStream, objects: (ChunkObject | undefined)[]): ByteSource {
  const starts: number[] = [];
  let size = 0;
  for (const ch of ss.chunks) {
    starts.push(size);
    size += ch.kind === 'inline' ? ch.length : (objects[ch.object]?.size ?? 0);
  }
  const missing = ss.chunks.filter((ch) => ch.kind === 'external' && !objects[ch.object]).length;
  if (missing === 0 && size !== ss.info.streamSize) {
    throw new DecodeError(`the chunks add up to ${size} bytes, but stream_size says ${ss.info.streamSize}`, ss.header.info.start + 72, 8, 'splitstream.size');
  }
  return {
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size, 'splitstream read');
      const out = new Uint8Array(length);
      let done = 0;
      for (let i = segmentAt(starts, offset); done < length; i++) {
        const ch = ss.chunks[i]!;
        const from = offset + done - starts[i]!;
        if (ch.kind === 'inline') {
          const n = Math.min(ch.length - from, length - done);
          out.set(ss.inline.subarray(ch.at + from, ch.at + from + n), done);
          done += n;
        } else {
          const obj = objects[ch.object];
          if (!obj) throw new DecodeError(`object ${ss.objectRefs[ch.object]} (chunk ${i}, stream offset ${hex(starts[i]!)}) is missing`, starts[i]!, 0, 'splitstream.object-missing');
          const n = Math.min(obj.size - from, length - done);
          out.set(await obj.read(from, n), done);
          done += n;
        }
      }
      return out;
    },
  };
}
