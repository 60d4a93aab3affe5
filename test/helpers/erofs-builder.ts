/**
 * A minimal plain EROFS writer for tests that need layouts mkfs.erofs will not make quickly: a root
 * directory (compact FLAT_INLINE, dirents in its tail) holding regular files, each an extended
 * CHUNK_BASED inode with a block map (one __le32 per chunk, EROFS_NULL_ADDR for a hole) and its
 * data chunks in blocks after the metadata.
 *
 *   const image = chunkedErofs([{ name: 'big', chunkBits: 32, size: 4095 * 2 ** 32 + 4096, chunks: { 4095: data } }]);
 *
 * Layout (4 KiB blocks): superblock at 1024; metadata from block 1 (meta_blkaddr = 1), the root
 * at nid 0 and each file inode 32-byte aligned after it; then each real chunk's bytes, a block each
 * (chunks given here are at most one block).
 */
import {
  EROFS_FT_DIR,
  EROFS_FT_REG_FILE,
  EROFS_INODE_CHUNK_BASED,
  EROFS_INODE_FLAT_INLINE,
  EROFS_NULL_ADDR,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
} from '../../shared/erofs/erofs_fs.ts';
import { S_IFDIR, S_IFREG } from '../../shared/model.ts';

const BLKSZBITS = 12;
const BLOCK = 1 << BLKSZBITS;
const META_BLKADDR = 1;

export interface ChunkedFile {
  name: string;
  /** log2 of the chunk size (at least 12). */
  chunkBits: number;
  size: number;
  /** Real chunks by index (each at most one block of bytes; the rest of the chunk reads as zeros). Others are holes. */
  chunks: Record<number, Uint8Array>;
}

export function chunkedErofs(files: ChunkedFile[]): Uint8Array {
  const enc = new TextEncoder();
  const names = ['.', '..', ...files.map((f) => f.name)];
  const dirSize = names.length * 12 + names.reduce((n, s) => n + enc.encode(s).length, 0);
  if (32 + dirSize > BLOCK) throw new Error('root directory too large for this builder');
  // nids: root at 0; each file after the previous inode's end, 32-byte aligned.
  const align32 = (n: number) => Math.ceil(n / 32) * 32;
  let at = align32(32 + dirSize);
  const placed = files.map((f) => {
    const count = Math.ceil(f.size / 2 ** f.chunkBits);
    const p = { f, nid: at / 32, count, mapAt: at + 64 };
    at = align32(p.mapAt + count * 4);
    return p;
  });
  const metaBlocks = Math.ceil(at / BLOCK);
  let nextBlock = META_BLKADDR + metaBlocks;
  const dataBlocks = placed.flatMap((p) => Object.entries(p.f.chunks).map(([i, bytes]) => ({ p, index: Number(i), bytes, blk: nextBlock++ })));
  const image = new Uint8Array(nextBlock * BLOCK);
  const dv = new DataView(image.buffer);
  const meta = META_BLKADDR * BLOCK;

  // Superblock: everything else zero (no features, no xattrs, no checksum).
  const sb = EROFS_SUPER_OFFSET;
  dv.setUint32(sb + 0, EROFS_SUPER_MAGIC_V1, true);
  dv.setUint8(sb + 12, BLKSZBITS);
  dv.setUint16(sb + 14, 0, true); // root_nid
  dv.setBigUint64(sb + 16, BigInt(1 + files.length), true); // inos
  dv.setUint32(sb + 36, nextBlock, true); // blocks
  dv.setUint32(sb + 40, META_BLKADDR, true); // meta_blkaddr

  // Root: compact inode, FLAT_INLINE with all dirents in the tail.
  dv.setUint16(meta + 0, (EROFS_INODE_FLAT_INLINE << 1) | 0, true);
  dv.setUint16(meta + 4, S_IFDIR | 0o755, true);
  dv.setUint16(meta + 6, 2, true); // nlink
  dv.setUint32(meta + 8, dirSize, true);
  dv.setUint32(meta + 20, 1, true); // ino
  const sorted = names
    .map((n, i) => ({ n, nid: i < 2 ? 0 : placed[i - 2]!.nid, ft: i < 2 ? EROFS_FT_DIR : EROFS_FT_REG_FILE }))
    .sort((x, y) => (x.n < y.n ? -1 : x.n > y.n ? 1 : 0));
  let nameoff = names.length * 12;
  sorted.forEach((d, k) => {
    const o = meta + 32 + k * 12;
    dv.setBigUint64(o, BigInt(d.nid), true);
    dv.setUint16(o + 8, nameoff, true);
    dv.setUint8(o + 10, d.ft);
    const b = enc.encode(d.n);
    image.set(b, meta + 32 + nameoff);
    nameoff += b.length;
  });

  // Files: extended inodes (64-bit i_size), CHUNK_BASED with a block map right after the inode.
  placed.forEach((p, k) => {
    const o = meta + p.nid * 32;
    dv.setUint16(o + 0, (EROFS_INODE_CHUNK_BASED << 1) | 1, true);
    dv.setUint16(o + 4, S_IFREG | 0o644, true);
    dv.setBigUint64(o + 8, BigInt(p.f.size), true);
    dv.setUint32(o + 16, p.f.chunkBits - BLKSZBITS, true); // chunk_info.format: block bits, no indexes
    dv.setUint32(o + 20, 2 + k, true); // ino
    dv.setUint32(o + 44, 1, true); // nlink
    for (let i = 0; i < p.count; i++) dv.setUint32(meta + p.mapAt + i * 4, EROFS_NULL_ADDR, true);
  });
  for (const d of dataBlocks) {
    if (d.bytes.length > BLOCK) throw new Error('a chunk given to this builder holds at most one block');
    dv.setUint32(meta + d.p.mapAt + d.index * 4, d.blk, true);
    image.set(d.bytes, d.blk * BLOCK);
  }
  return image;
}
