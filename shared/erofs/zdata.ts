/**
 * Reading compressed EROFS files (the kernel's zdata.c + decompressor.c, read path only): map the
 * requested range to extents (zmap.ts), fetch each extent's pcluster, decode it whole, and copy
 * out the overlap. Memory per step is bounded by one pcluster (Z_EROFS_PCLUSTER_MAX_SIZE) and one
 * decoded extent (Z_EROFS_PCLUSTER_MAX_DSIZE), whatever the file size claims.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { EROFS_FEATURE_INCOMPAT_FRAGMENTS, EROFS_FEATURE_INCOMPAT_ZERO_PADDING } from './erofs_fs.ts';
import type { RawInode } from './inode.ts';
import { lz4DecompressBlock } from './lz4.ts';
import type { ErofsReader } from './reader.ts';
import { inflateRaw } from '../compress/deflate.ts';
import { decodeMicroLzma, LzmaDecoder, LzmaError } from '../compress/lzma.ts';
import { loadZstd, zstdDecode, zstdFrameContentSize } from '../compress/zstd.ts';
import {
  mapExtent,
  zInode,
  Z_EROFS_ALGORITHM_NAMES,
  Z_EROFS_COMPRESSION_DEFLATE,
  Z_EROFS_COMPRESSION_INTERLACED,
  Z_EROFS_COMPRESSION_LZ4,
  Z_EROFS_COMPRESSION_LZMA,
  Z_EROFS_COMPRESSION_SHIFTED,
  Z_EROFS_COMPRESSION_ZSTD,
  Z_EROFS_PCLUSTER_MAX_DSIZE,
  type ByteGetter,
  type ZExtent,
  type ZInode,
} from './zmap.ts';

/** Sentinel thrown by the synchronous getter for bytes not yet cached (no stack: not an Error). */
class NeedBytes {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

/** Index metadata is fetched in windows this large, so a long lookback costs few reads. */
const FETCH_WINDOW = 16 * 1024;
const MAX_FETCHES = 4096;

/** Runs a synchronous mapping step over the reader's block cache, fetching what it misses. */
export function cachedGetter(r: ErofsReader): { get: ByteGetter; run<T>(f: () => T): Promise<T> } {
  const size = r.size;
  const get: ByteGetter = (offset, length) => {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new DecodeError(`compressed-file metadata at ${hex(offset)}+${length} lies beyond the image end (${size} bytes)`, offset, length, 'erofs.zmap.out-of-bounds');
    }
    const b = r.source.peek(offset, length);
    if (!b) throw new NeedBytes(offset, length);
    return b;
  };
  const run = async <T>(f: () => T): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof NeedBytes)) throw e;
        if (tries >= MAX_FETCHES) throw new DecodeError(`compressed-file metadata needs more than ${MAX_FETCHES} reads`, e.offset, e.length, 'erofs.zmap.too-many-reads');
        const len = Math.min(size - e.offset, Math.max(e.length, FETCH_WINDOW));
        await r.source.read(e.offset, len);
      }
    }
  };
  return { get, run };
}

/**
 * A decompressor for one reader. It remembers the last mapped inodes and their last decoded extents,
 * so windowed reads (a viewer paging through a file, a hash fed 64 KiB at a time) do not decode a
 * 1 MiB extent once per window, and files whose tails are fragments do not re-decode the packed
 * inode's extent for each file. One per open image: the memory lives and dies with it; at most
 * INODE_STATES extents.
 */
const INODE_STATES = 4;

/**
 * Pclusters that lie back to back (mkfs.erofs writes a file's pclusters in order) are fetched with
 * one read of up to this many bytes, straight from the image rather than through the block cache:
 * one 4 KiB cached async read per lz4hc pcluster was most of check's time.
 */
const BATCH_BYTES = 1 << 21;
/** Extents mapped ahead of decoding, at most. */
const BATCH_EXTENTS = 512;

export function createDecompressor(): (r: ErofsReader, ino: RawInode, offset: number, length: number) => Promise<Uint8Array> {
  const states = new Map<number, { z: ZInode; ext?: ZExtent; data?: Uint8Array }>();
  const codecs = createCodecs();

  /** Decoded bytes of a compressed file's range [offset, offset+length), clipped to the file size. */
  return async (r, ino, offset, length) => {
    const end = Math.min(ino.size, offset + length);
    if (!(offset >= 0) || offset >= end) return new Uint8Array(0);
    const { get, run } = cachedGetter(r);
    let cur = states.get(ino.nid);
    if (cur && cur.z.ino !== ino && cur.z.ino.offset !== ino.offset) cur = undefined;
    if (cur) states.delete(ino.nid);
    cur ??= { z: await run(() => zInode(ino, r.sb, get)) };
    states.set(ino.nid, cur); // most recently used last
    if (states.size > INODE_STATES) states.delete(states.keys().next().value!);
    const z = cur.z;
    const out = new Uint8Array(end - offset);
    let pos = offset;
    while (pos < end) {
      if (cur.ext && cur.data && cur.ext.la <= pos && pos < cur.ext.la + cur.ext.llen) {
        const to = Math.min(cur.ext.llen, end - cur.ext.la);
        out.set(cur.data.subarray(pos - cur.ext.la, to), pos - offset);
        pos = cur.ext.la + to;
        continue;
      }
      const batch = await mapAhead(z, get, run, pos, end);
      const raws = await fetchPclusters(r, batch);
      for (let i = 0; i < batch.length; i++) {
        const ext = batch[i]!;
        const from = pos - ext.la;
        const to = Math.min(ext.llen, end - ext.la);
        if (from === 0 && to === ext.llen && !ext.fragment) {
          // The whole extent lies in the window: decode straight into it (a hole is already zeros).
          if (!ext.hole) await decodeExtent(r, z, ext, codecs, { raw: raws[i], into: out.subarray(pos - offset, pos - offset + to) });
        } else {
          // Only part is wanted: keep the decoded extent for the next window.
          const data = await decodeExtent(r, z, ext, codecs, { raw: raws[i] });
          cur.ext = ext;
          cur.data = data;
          out.set(data.subarray(from, to), pos - offset);
        }
        pos = ext.la + to;
      }
    }
    return out;
  };
}

/**
 * Maps the extents that cover [pos, end), up to BATCH_EXTENTS. A mapping error after the first
 * extent ends the batch instead, so the extents before it are decoded (and their errors reported)
 * first, as when each was mapped just before it was decoded.
 */
async function mapAhead(z: ZInode, get: ByteGetter, run: <T>(f: () => T) => Promise<T>, pos: number, end: number): Promise<ZExtent[]> {
  const batch: ZExtent[] = [];
  for (let at = pos; at < end && batch.length < BATCH_EXTENTS; ) {
    let ext: ZExtent;
    try {
      ext = await run(() => mapExtent(z, get, at));
    } catch (e) {
      if (batch.length === 0) throw e;
      break;
    }
    batch.push(ext);
    at = ext.la + ext.llen;
  }
  return batch;
}

/**
 * The pclusters of a batch of extents: runs of in-bounds pclusters that follow each other on disk
 * are read together; any other extent is left undefined for decodeExtent to fetch (or reject).
 */
async function fetchPclusters(r: ErofsReader, batch: ZExtent[]): Promise<(Uint8Array | undefined)[]> {
  const raws: (Uint8Array | undefined)[] = new Array(batch.length);
  const fetchable = (x: ZExtent) => !x.fragment && !x.hole && x.plen > 0 && x.pa + x.plen <= r.size;
  for (let i = 0; i < batch.length; ) {
    const first = batch[i]!;
    if (!fetchable(first)) {
      i++;
      continue;
    }
    let j = i + 1;
    let stop = first.pa + first.plen;
    while (j < batch.length && fetchable(batch[j]!) && batch[j]!.pa === stop && stop + batch[j]!.plen - first.pa <= BATCH_BYTES) {
      stop += batch[j]!.plen;
      j++;
    }
    const span = await r.source.readThrough(first.pa, stop - first.pa);
    for (let k = i; k < j; k++) raws[k] = span.subarray(batch[k]!.pa - first.pa, batch[k]!.pa - first.pa + batch[k]!.plen);
    i = j;
  }
  return raws;
}

/** All extents of a compressed inode, in file order (for the UI and the check pass). */
export async function compressedExtents(r: ErofsReader, ino: RawInode): Promise<{ z: ZInode; extents: ZExtent[] }> {
  const { get, run } = cachedGetter(r);
  const z = await run(() => zInode(ino, r.sb, get));
  const extents: ZExtent[] = [];
  for (let pos = 0; pos < ino.size; ) {
    const ext = await run(() => mapExtent(z, get, pos));
    extents.push(ext);
    pos = ext.la + ext.llen;
  }
  return { z, extents };
}

/**
 * Where decodeExtent gets its input and puts its output: `raw` is the pcluster when the caller
 * fetched it already (in a batch); `into` is an `ext.llen`-byte buffer to decode into, which is
 * then returned (LZ4 and plain pclusters are decoded in place, without a buffer of their own).
 */
export interface ExtentIo {
  raw?: Uint8Array | undefined;
  into?: Uint8Array;
}

/** Decodes one whole extent: exactly `ext.llen` bytes for logical [ext.la, ext.la + ext.llen). */
export async function decodeExtent(r: ErofsReader, z: ZInode, ext: ZExtent, codecs: Codecs = createCodecs(), io: ExtentIo = {}): Promise<Uint8Array> {
  const nid = z.ino.nid;
  const placed = (data: Uint8Array) => (io.into ? (io.into.set(data), io.into) : data);
  if (ext.fragment) return placed(await readFragment(r, z, ext));
  if (ext.hole) return io.into ? io.into.fill(0) : new Uint8Array(ext.llen);
  if (ext.pa + ext.plen > r.size) {
    throw new DecodeError(`inode ${nid}: pcluster ${hex(ext.pa)}+${ext.plen} for bytes ${ext.la}+${ext.llen} runs past the image end`, ext.pa, ext.plen, 'erofs.zdata.out-of-bounds');
  }
  const raw = io.raw ?? (await r.source.read(ext.pa, ext.plen));
  switch (ext.algorithm) {
    case Z_EROFS_COMPRESSION_SHIFTED:
      return io.into ? placed(raw.subarray(0, ext.llen)) : raw.slice(0, ext.llen);
    case Z_EROFS_COMPRESSION_INTERLACED:
      return placed(deinterlace(raw, ext, r.blockSize));
    case Z_EROFS_COMPRESSION_LZ4:
      return decodeLz4(r, z, ext, raw, io.into);
    case Z_EROFS_COMPRESSION_LZMA:
    case Z_EROFS_COMPRESSION_DEFLATE:
    case Z_EROFS_COMPRESSION_ZSTD: {
      const skip = paddingLength(r, z, ext, raw);
      const zstd = ext.algorithm === Z_EROFS_COMPRESSION_ZSTD ? (codecs.zstd ??= await loadZstd()) : undefined;
      return placed(decodeStream(z, ext, raw.subarray(skip), skip, codecs, zstd));
    }
    default:
      throw new DecodeError(
        `inode ${nid}: bytes ${ext.la}+${ext.llen} are compressed with ${Z_EROFS_ALGORITHM_NAMES[ext.algorithm] ?? `algorithm ${ext.algorithm}`}, which this reader does not decode`,
        ext.indexOffset,
        ext.indexSize,
        'erofs.zdata.algorithm',
      );
  }
}

/**
 * An interlaced plain pcluster is rotated so each block of data sits at its own block offset: the
 * first (blocksize - la % blocksize) bytes are stored at the end of the pcluster.
 */
function deinterlace(raw: Uint8Array, ext: ZExtent, blockSize: number): Uint8Array {
  const out = new Uint8Array(ext.llen);
  const rotated = blockSize - (ext.la % blockSize);
  const head = Math.min(rotated, ext.llen);
  const at = raw.length - rotated;
  if (at < 0) throw new DecodeError(`interlaced pcluster ${hex(ext.pa)}+${ext.plen} is shorter than its ${rotated}-byte rotated head`, ext.pa, ext.plen, 'erofs.zdata.interlaced');
  out.set(raw.subarray(at, at + head), 0);
  out.set(raw.subarray(0, ext.llen - head), head);
  return out;
}

/**
 * With 0-padding (EROFS_FEATURE_INCOMPAT_ZERO_PADDING, always set for lzma/deflate/zstd) the stream
 * is right-aligned in its pcluster: leading zeros in the first block are padding
 * (z_erofs_fixup_insize). Returns how many bytes to skip.
 */
function paddingLength(r: ErofsReader, z: ZInode, ext: ZExtent, raw: Uint8Array): number {
  if (!(r.sb.featureIncompat & EROFS_FEATURE_INCOMPAT_ZERO_PADDING)) return 0;
  const limit = Math.min(raw.length, r.blockSize - (ext.pa % r.blockSize));
  let skip = 0;
  while (skip < limit && raw[skip] === 0) skip++;
  if (skip === limit) {
    throw new DecodeError(`inode ${z.ino.nid}: pcluster ${hex(ext.pa)}+${ext.plen} for bytes ${ext.la}+${ext.llen} is all zero padding`, ext.pa, limit, 'erofs.zdata.padding');
  }
  return skip;
}

function decodeLz4(r: ErofsReader, z: ZInode, ext: ZExtent, raw: Uint8Array, into?: Uint8Array): Uint8Array {
  const nid = z.ino.nid;
  const zeroPadding = (r.sb.featureIncompat & EROFS_FEATURE_INCOMPAT_ZERO_PADDING) !== 0;
  const skip = paddingLength(r, z, ext, raw);
  const out = into ?? new Uint8Array(ext.llen);
  // Without 0-padding (legacy images) the stream is followed by padding, so decoding stops when the
  // extent is complete; a deduplicated extent (partial ref) also wants only a prefix.
  const partial = !zeroPadding || ext.partialRef;
  const n = lz4DecompressBlock(raw.subarray(skip), out, ext.pa + skip, { partial });
  if (n !== ext.llen) {
    throw new DecodeError(
      `inode ${nid}: lz4 pcluster ${hex(ext.pa)}+${ext.plen} decodes to ${n} bytes, the extent ${ext.la}+${ext.llen} needs ${ext.llen}`,
      ext.pa + skip,
      ext.plen - skip,
      'erofs.zdata.length',
    );
  }
  return out;
}

/** Per-reader decoder state: the LZMA model and an inflate buffer, reused across extents. */
export interface Codecs {
  lzma?: LzmaDecoder;
  zstd?: Awaited<ReturnType<typeof loadZstd>>;
  scratch?: Uint8Array;
}

export const createCodecs = (): Codecs => ({});

/**
 * LZMA, DEFLATE and zstd pclusters decode to exactly the extent's length, or to more when the
 * extent references only the start of the pcluster (deduplicated, Z_EROFS_LI_PARTIAL_REF).
 */
function decodeStream(z: ZInode, ext: ZExtent, src: Uint8Array, skip: number, codecs: Codecs, zstd?: Codecs['zstd']): Uint8Array {
  const name = Z_EROFS_ALGORITHM_NAMES[ext.algorithm]!;
  const fail = (why: string): never => {
    throw new DecodeError(`inode ${z.ino.nid}: ${name} pcluster ${hex(ext.pa)}+${ext.plen} for bytes ${ext.la}+${ext.llen}: ${why}`, ext.pa + skip, ext.plen - skip, 'erofs.zdata.corrupt');
  };
  try {
    switch (ext.algorithm) {
      case Z_EROFS_COMPRESSION_LZMA: {
        const out = new Uint8Array(ext.llen);
        decodeMicroLzma((codecs.lzma ??= new LzmaDecoder()), src, out, ext.partialRef);
        return out;
      }
      case Z_EROFS_COMPRESSION_DEFLATE: {
        if (!codecs.scratch || codecs.scratch.length < ext.llen + 1) codecs.scratch = new Uint8Array(Math.max(ext.llen + 1, 1 << 17));
        const got = inflateRaw(src, ext.llen, codecs.scratch);
        if (got.length < ext.llen || (got.length > ext.llen && !ext.partialRef)) fail(`decodes to ${got.length > ext.llen ? `more than ${ext.llen}` : got.length} bytes, the extent needs ${ext.llen}`);
        return got.slice(0, ext.llen);
      }
      default: {
        // A partial reference needs room for the whole frame: bounded by what the frame declares
        // and by the kernel's largest decoded pcluster.
        const capacity = ext.partialRef ? Math.min(Math.max(zstdFrameContentSize(src) ?? Z_EROFS_PCLUSTER_MAX_DSIZE, ext.llen), Z_EROFS_PCLUSTER_MAX_DSIZE) : ext.llen;
        const out = zstdDecode(zstd!, src, ext.llen, capacity);
        return out.byteOffset === 0 && out.length === out.buffer.byteLength ? out : out.slice();
      }
    }
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    if (e instanceof LzmaError) return fail(`${e.message} (stream byte ${e.at})`);
    return fail(e instanceof Error ? e.message : String(e));
  }
}

/** A fragment extent's bytes are a slice of the packed inode's data. */
async function readFragment(r: ErofsReader, z: ZInode, ext: ZExtent): Promise<Uint8Array> {
  const nid = z.ino.nid;
  const packed = r.sb.packedNid;
  if (!(r.sb.featureIncompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS) || !packed || packed === nid) {
    throw new DecodeError(`inode ${nid}: bytes ${ext.la}+${ext.llen} are a fragment, but the image has no packed inode to hold it`, z.header.offset, 8, 'erofs.zdata.fragment');
  }
  const packedIno = await r.rawInode(packed);
  if (z.fragmentOff + ext.llen > packedIno.size) {
    throw new DecodeError(`inode ${nid}: fragment ${z.fragmentOff}+${ext.llen} lies beyond the packed inode's ${packedIno.size} bytes`, z.header.offset, 8, 'erofs.zdata.fragment');
  }
  return r.readData(packed, z.fragmentOff, ext.llen);
}
