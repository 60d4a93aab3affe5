/**
 * The splitstream header and info section (composefs-rs doc/splitstream.md, crates/composefs/src/
 * splitstream.rs). All integers are little-endian.
 *
 *   struct SplitstreamHeader {            // 32 bytes at offset 0
 *     magic: [u8; 11],                    // "SplitStream"
 *     version: u8,                        // 0
 *     _flags: U16,                        // 0, ignored
 *     algorithm: u8,                      // fs-verity hash: 1 = sha256, 2 = sha512
 *     lg_blocksize: u8,                   // fs-verity block size, log2
 *     info: FileRange,                    // where the info section is
 *   }
 *   struct SplitstreamInfo {              // 80 bytes; a larger section's tail is ignored
 *     stream_refs, object_refs, stream, named_refs: FileRange,
 *     content_type: U64,                  // e.g. "ocilayer" as 8 ASCII bytes
 *     stream_size: U64,                   // size of the reassembled stream
 *   }
 *   struct FileRange { start: U64, end: U64 }   // [start, end) in the file
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import { FS_VERITY_HASH_ALG_SHA256, FS_VERITY_HASH_ALG_SHA512 } from '../verity/descriptor.ts';

export const SPLITSTREAM_MAGIC = new TextEncoder().encode('SplitStream');
export const SPLITSTREAM_VERSION = 0;
export const SPLITSTREAM_HEADER_SIZE = 32;
export const SPLITSTREAM_INFO_SIZE = 80;

export interface FileRange {
  start: number;
  end: number;
}

export interface SplitstreamHeader {
  version: number;
  flags: number;
  algorithm: number;
  lgBlockSize: number;
  info: FileRange;
}

export interface SplitstreamInfo {
  streamRefs: FileRange;
  objectRefs: FileRange;
  stream: FileRange;
  namedRefs: FileRange;
  /** The 8 content-type bytes as stored. */
  contentType: Uint8Array;
  streamSize: number;
}

/** Digest size of an fs-verity algorithm number, or undefined for one we do not know. */
export function verityDigestSize(algorithm: number): number | undefined {
  if (algorithm === FS_VERITY_HASH_ALG_SHA256) return 32;
  if (algorithm === FS_VERITY_HASH_ALG_SHA512) return 64;
  return undefined;
}

function fileRange(c: Cursor, field: string, fileSize: number): FileRange {
  const at = c.offset;
  const start = c.u64(`${field}.start`);
  const end = c.u64(`${field}.end`);
  if (end < start || end > fileSize) {
    throw new DecodeError(`${field}: range [${start}, ${end}) does not lie within the ${fileSize}-byte file`, at, 16, 'splitstream.range');
  }
  return { start, end };
}

export function decodeHeader(bytes: Uint8Array, fileSize: number): SplitstreamHeader {
  const c = new Cursor(bytes, 0);
  const magic = c.take(SPLITSTREAM_MAGIC.length, 'magic');
  if (!magic.every((b, i) => b === SPLITSTREAM_MAGIC[i])) {
    throw new DecodeError('not a splitstream: the file does not start with "SplitStream"', 0, SPLITSTREAM_MAGIC.length, 'splitstream.magic');
  }
  const version = c.u8('version');
  if (version !== SPLITSTREAM_VERSION) {
    throw new DecodeError(`splitstream version ${version} is not one this reader knows (${SPLITSTREAM_VERSION})`, 11, 1, 'splitstream.version');
  }
  const flags = c.u16('flags');
  const algorithm = c.u8('algorithm');
  if (verityDigestSize(algorithm) === undefined) {
    throw new DecodeError(`fs-verity algorithm ${algorithm} is neither sha256 (1) nor sha512 (2)`, 14, 1, 'splitstream.algorithm');
  }
  const lgBlockSize = c.u8('lg_blocksize');
  if (lgBlockSize < 10 || lgBlockSize > 16) {
    throw new DecodeError(`fs-verity block size 2^${lgBlockSize} is outside 1 KiB..64 KiB`, 15, 1, 'splitstream.blocksize');
  }
  const info = fileRange(c, 'info', fileSize);
  if (info.end - info.start < SPLITSTREAM_INFO_SIZE) {
    throw new DecodeError(`info section is ${info.end - info.start} bytes, needs ${SPLITSTREAM_INFO_SIZE}`, 16, 16, 'splitstream.range');
  }
  return { version, flags, algorithm, lgBlockSize, info };
}

/** `bytes` holds the info section, read from `base` in the file. */
export function decodeInfo(bytes: Uint8Array, base: number, fileSize: number): SplitstreamInfo {
  const c = new Cursor(bytes, base);
  const streamRefs = fileRange(c, 'stream_refs', fileSize);
  const objectRefs = fileRange(c, 'object_refs', fileSize);
  const stream = fileRange(c, 'stream', fileSize);
  const namedRefs = fileRange(c, 'named_refs', fileSize);
  const contentType = c.take(8, 'content_type').slice();
  const at = c.offset;
  const streamSize = c.u64('stream_size');
  if (!Number.isSafeInteger(streamSize)) throw new DecodeError(`stream_size ${streamSize} is beyond 2^53`, at, 8, 'splitstream.range');
  return { streamRefs, objectRefs, stream, namedRefs, contentType, streamSize };
}

export const describeRange = (r: FileRange): string => `${hex(r.start)}..${hex(r.end)}`;
