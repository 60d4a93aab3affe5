/**
 * Small hostile images, one per attack class of issue 11, made by our own code: a hand-laid EROFS
 * image (the block map attack needs a layout no writer makes), our composefs writer, our tar
 * builder, and a zstd frame of RLE blocks written byte by byte.
 */
import { writeComposefs } from '../../shared/composefs/writer.ts';
import type { DumpEntry } from '../../shared/composefs/dumpfile.ts';
import {
  EROFS_FEATURE_INCOMPAT_CHUNKED_FILE,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
} from '../../shared/erofs/erofs_fs.ts';
import { concat, entry, pax, tar, type Bytes } from '../shared/oci/tar-builder.ts';

const BLOCK = 4096;
const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export interface CraftedErofs {
  /** Block-map entries of the CHUNK_BASED root directory; DIRENTS names the one dirent block. */
  dirMap: number[];
  /** Names in the dirent block besides "." and ".." (all point at the one file). */
  names: number;
  /** The file's CHUNK_BASED map (null: a hole) and chunk size as a power of two; absent: an empty file. */
  fileMap?: (number | null)[];
  fileChunkBits?: number;
}

/** Stands for the dirent block in `dirMap` (its block number is known only once laid out). */
export const DIRENTS = -1;
const EROFS_NULL_ADDR = 0xffffffff;

/** A hand-laid EROFS image: a CHUNK_BASED root directory, one dirent block, one file. */
export function craftErofs(spec: CraftedErofs): Uint8Array {
  const metaStart = BLOCK; // meta_blkaddr 1
  const rootOff = metaStart; // nid 0, extended inode (64 bytes), block map right after it
  const mapOff = rootOff + 64;
  const fileOff = Math.ceil((mapOff + spec.dirMap.length * 4) / 32) * 32;
  const fileNid = (fileOff - metaStart) / 32;
  const fileMap = spec.fileMap ?? [];
  const fileInodeSize = fileMap.length ? 64 : 32;
  const direntBlock = Math.ceil((fileOff + fileInodeSize + fileMap.length * 4) / BLOCK);
  const size = (direntBlock + 1) * BLOCK;
  const img = new Uint8Array(size);
  const v = le(img);

  // struct erofs_super_block
  const sb = EROFS_SUPER_OFFSET;
  v.setUint32(sb + 0, EROFS_SUPER_MAGIC_V1, true);
  img[sb + 12] = 12; // blkszbits
  v.setUint16(sb + 14, 0, true); // root_nid
  v.setBigUint64(sb + 16, 2n, true); // inos
  v.setUint32(sb + 36, size / BLOCK, true); // blocks
  v.setUint32(sb + 40, 1, true); // meta_blkaddr
  v.setUint32(sb + 80, EROFS_FEATURE_INCOMPAT_CHUNKED_FILE, true);

  // root: extended inode, CHUNK_BASED, one block per chunk (chunk format 0, a plain block map)
  v.setUint16(rootOff + 0, (EROFS_INODE_CHUNK_BASED << 1) | 1, true);
  v.setUint16(rootOff + 4, 0o040755, true);
  v.setBigUint64(rootOff + 8, BigInt(spec.dirMap.length * BLOCK), true);
  v.setUint32(rootOff + 44, 2, true); // nlink
  spec.dirMap.forEach((b, i) => v.setUint32(mapOff + i * 4, b === DIRENTS ? direntBlock : b >>> 0, true));

  if (fileMap.length) {
    // a sparse CHUNK_BASED file: extended inode, its block map right after it
    const bits = spec.fileChunkBits ?? 12;
    v.setUint16(fileOff + 0, (EROFS_INODE_CHUNK_BASED << 1) | 1, true);
    v.setUint16(fileOff + 4, 0o100644, true);
    v.setBigUint64(fileOff + 8, BigInt(fileMap.length) * (1n << BigInt(bits)), true);
    v.setUint32(fileOff + 16, bits - 12, true); // chunk format: chunk bits above the block size
    v.setUint32(fileOff + 44, 1, true);
    fileMap.forEach((b, i) => v.setUint32(fileOff + 64 + i * 4, b === null ? EROFS_NULL_ADDR : b === DIRENTS ? direntBlock : b >>> 0, true));
  } else {
    // one empty regular file (compact inode) every name points at
    v.setUint16(fileOff + 0, EROFS_INODE_FLAT_PLAIN << 1, true);
    v.setUint16(fileOff + 4, 0o100644, true);
    v.setUint16(fileOff + 6, 1, true);
  }

  // the dirent block: ".", "..", then names "n000".."nXXX" in byte order
  const names = ['.', '..', ...Array.from({ length: spec.names }, (_, i) => `n${String(i).padStart(3, '0')}`)];
  const base = direntBlock * BLOCK;
  let nameAt = names.length * 12;
  names.forEach((n, i) => {
    const d = base + i * 12;
    const isDot = n === '.' || n === '..';
    v.setBigUint64(d, BigInt(isDot ? 0 : fileNid), true);
    v.setUint16(d + 8, nameAt, true);
    img[d + 10] = isDot ? 2 : 1; // EROFS_FT_DIR / EROFS_FT_REG_FILE
    for (let k = 0; k < n.length; k++) img[base + nameAt + k] = n.charCodeAt(k);
    nameAt += n.length;
  });
  if (nameAt > BLOCK) throw new Error(`${spec.names} names do not fit one block`);
  return img;
}

/**
 * A CHUNK_BASED root directory whose `mapEntries` block-map entries all name one dirent block of
 * `namesPerBlock` entries: the kernel would list mapEntries x namesPerBlock names.
 * The default is the audit's image: 65,536 entries, 276 KB, 14.7 M names.
 */
export function repeatedBlockDirectory(mapEntries = 65_536, namesPerBlock = 224): Uint8Array {
  return craftErofs({ dirMap: new Array<number>(mapEntries).fill(DIRENTS), names: namesPerBlock - 2 });
}

/** One file of `chunks` chunks of 2^chunkBits bytes, all holes but the ones listed as real (they name the dirent block). */
export function sparseChunkedFile(chunks: number, chunkBits: number, real: number[] = [chunks - 1]): Uint8Array {
  const map = new Array<number | null>(chunks).fill(null);
  for (const i of real) map[i] = DIRENTS;
  return craftErofs({ dirMap: [DIRENTS], names: 1, fileMap: map, fileChunkBits: chunkBits });
}

const T0 = { sec: 0n, nsec: 0 };
const dir = (name: string | Uint8Array, children: DumpEntry[] = []): DumpEntry => ({
  name: typeof name === 'string' ? new TextEncoder().encode(name) : name,
  mode: 0o040755,
  nlink: 2,
  uid: 0,
  gid: 0,
  rdev: 0n,
  size: 0n,
  mtime: T0,
  xattrs: [],
  children,
  line: 0,
} as unknown as DumpEntry);

/** The distinct 3-byte xattr names user.<i>, so that `count` of them fit one inode's xattr area. */
function xattrNames(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const n = new Uint8Array(5 + 3);
    n.set(new TextEncoder().encode('user.'));
    // Printable bytes, base 90 from '!' (never '/' issues: xattr names may hold any byte but NUL).
    n[5] = 0x21 + (Math.floor(i / 8100) % 90);
    n[6] = 0x21 + (Math.floor(i / 90) % 90);
    n[7] = 0x21 + (i % 90);
    out.push(n);
  }
  return out;
}

/**
 * One file with `count` distinct inline xattrs (the audit used 32,767, the most an xattr area
 * holds) and `links` hard links to it: every name re-interprets the list.
 */
export function xattrFlood(count: number, links = 20): Uint8Array {
  const file: DumpEntry = {
    ...dir('f'),
    mode: 0o100644,
    nlink: links,
    children: [],
    xattrs: xattrNames(count).map((name) => ({ name, value: new Uint8Array(0) })),
  } as DumpEntry;
  const names: DumpEntry[] = [file];
  for (let i = 1; i < links; i++) names.push({ ...dir(`h${String(i).padStart(2, '0')}`), mode: 0o100644, children: [], linkTo: file } as DumpEntry);
  names.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return writeComposefs(dir('', names));
}

/** `depth` directories nested in each other, each named with `nameLength` bytes. */
export function deepNesting(depth: number, nameLength = 255): Uint8Array {
  let leaf = dir(new Uint8Array(nameLength).fill(0x61 + (depth % 26)));
  for (let d = depth - 1; d >= 1; d--) leaf = dir(new Uint8Array(nameLength).fill(0x61 + (d % 26)), [leaf]);
  return writeComposefs(dir('', [leaf]));
}

/** A tar layer whose one member carries `count` SCHILY.xattr pax records (the audit: 100,000 in 3 MB). */
export function paxFlood(count: number): Bytes {
  const records: Record<string, string> = {};
  for (let i = 0; i < count; i++) records[`SCHILY.xattr.user.${i}`] = '';
  return tar(pax(records), entry({ name: 'f' }));
}

/**
 * A zstd frame (RFC 8878) of one raw block holding a tar header, then RLE blocks of zeros: 4 bytes
 * each for 128 KiB of output. `zeroBlocks` of them make a tar whose one member is that many
 * 128 KiB of zeros (the audit's 218 KB layer expanded to 6 GB).
 */
export function zstdBomb(zeroBlocks: number): Uint8Array {
  const MAX = 128 * 1024;
  const memberSize = zeroBlocks * MAX - 512; // the header's raw block is followed by the zeros
  const head = entry({ name: 'zeros', size: memberSize }).subarray(0, 512);
  const frameHeader = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00 /* FHD: no size, no checksum, window descriptor */, 0x58 /* window 2^(10+11) */);
  const blocks: Uint8Array[] = [frameHeader];
  const blockHeader = (last: boolean, type: number, size: number) => {
    const h = (size << 3) | (type << 1) | (last ? 1 : 0);
    return Uint8Array.of(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff);
  };
  blocks.push(blockHeader(false, 0, head.length), head); // Raw_Block
  // The first zero block completes the header's 128 KiB, so every member byte after it is zero.
  blocks.push(blockHeader(false, 1, MAX - 512), Uint8Array.of(0));
  for (let i = 1; i < zeroBlocks; i++) blocks.push(blockHeader(i === zeroBlocks - 1, 1, MAX), Uint8Array.of(0)); // RLE_Block
  if (zeroBlocks === 1) blocks.push(blockHeader(true, 0, 0));
  return concat(...blocks);
}
