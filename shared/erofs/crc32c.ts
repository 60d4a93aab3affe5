/**
 * CRC-32C (Castagnoli) and the EROFS superblock checksum (EROFS_FEATURE_COMPAT_SB_CHKSUM).
 *
 * The kernel (erofs_superblock_csum_verify) and erofs-utils compute crc32c(~0, ...) over the
 * superblock's block from EROFS_SUPER_OFFSET to the end of the block (or one block's worth when the
 * block is not larger than the offset) with the checksum field zeroed, and store the register as
 * is: no final inversion, unlike the iSCSI convention.
 */
import { hex } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import { EROFS_FEATURE_COMPAT_SB_CHKSUM, EROFS_SUPER_OFFSET } from './erofs_fs.ts';
import type { Superblock } from './superblock.ts';

/** Reflected form of the Castagnoli polynomial 0x1edc6f41. */
export const CRC32C_POLY_REFLECTED = 0x82f63b78;

/** Slicing-by-4 tables: table[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let r = b;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ CRC32C_POLY_REFLECTED : r >>> 1;
    t0[b] = r;
  }
  const out = [t0];
  for (let k = 1; k < 4; k++) {
    const prev = out[k - 1]!;
    const t = new Uint32Array(256);
    for (let b = 0; b < 256; b++) t[b] = (prev[b]! >>> 8) ^ t0[prev[b]! & 0xff]!;
    out.push(t);
  }
  return out;
})();

/** The kernel's crc32c(seed, data, len): the caller chooses the seed and any final inversion. */
export function crc32c(seed: number, data: Uint8Array): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = seed >>> 0;
  let i = 0;
  const n4 = data.length & ~3;
  for (; i < n4; i += 4) {
    crc ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    crc = t3[crc & 0xff]! ^ t2[(crc >>> 8) & 0xff]! ^ t1[(crc >>> 16) & 0xff]! ^ t0[crc >>> 24]!;
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}

/** Byte range the checksum covers: from the superblock to the end of its block. */
export function superblockChecksumRange(blockSize: number): { offset: number; length: number } {
  return { offset: EROFS_SUPER_OFFSET, length: blockSize > EROFS_SUPER_OFFSET ? blockSize - EROFS_SUPER_OFFSET : blockSize };
}

/** crc32c of the checksummed range `bytes` (starting at the superblock) with its checksum field zeroed. */
export function superblockChecksum(bytes: Uint8Array): number {
  const copy = bytes.slice();
  copy.fill(0, 4, 8);
  return crc32c(0xffffffff, copy);
}

interface ChecksumReader {
  readonly sb: Superblock;
  readonly blockSize: number;
  readonly size: number;
  bytes(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * Verifies the superblock checksum when the image claims one. Undefined when the feature is off or
 * the checksum matches; otherwise a finding naming the checksum field, the computed value and
 * the range it covers. A range cut short by the image end is hashed as far as it goes and
 * reported like any other mismatch (the kernel cannot read that block either).
 */
export async function verifySuperblockChecksum(reader: ChecksumReader): Promise<Finding | undefined> {
  const sb = reader.sb;
  if (!(sb.featureCompat & EROFS_FEATURE_COMPAT_SB_CHKSUM)) return undefined;
  const range = superblockChecksumRange(reader.blockSize);
  const length = Math.max(0, Math.min(range.length, reader.size - range.offset));
  const computed = superblockChecksum(await reader.bytes(range.offset, length));
  if (computed === sb.checksum) return undefined;
  const [offset, len] = sb.fieldRanges['checksum'] ?? [EROFS_SUPER_OFFSET + 4, 4];
  const short = length < range.length ? ` (only ${length} of its ${range.length} bytes are in the image)` : '';
  return {
    code: 'erofs.superblock.checksum',
    severity: 'error',
    offset,
    length: len,
    expected: hex(computed),
    actual: hex(sb.checksum),
    message: `superblock checksum is ${hex(sb.checksum)} but crc32c of ${hex(range.offset)}+${range.length}${short} with the field zeroed is ${hex(computed)}: the kernel refuses to mount this image`,
  };
}
