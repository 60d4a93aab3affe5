/**
 * The fs-verity descriptor (linux include/uapi/linux/fsverity.h, struct fsverity_descriptor).
 * A file's fs-verity digest is the hash of this 256-byte structure, not of the data, so the
 * digest commits to the data size and the tree parameters as well as to the Merkle root.
 *
 *   0  u8     version          always 1
 *   1  u8     hash_algorithm   FS_VERITY_HASH_ALG_*
 *   2  u8     log_blocksize    log2 of the data and tree block size
 *   3  u8     salt_size        0: composefs never salts
 *   4  le32   __reserved_0x04  0
 *   8  le64   data_size
 *  16  u8[64] root_hash        zero-padded past the digest size
 *  80  u8[32] salt
 * 112  u8[144] __reserved      0
 */
import { Cursor, DecodeError } from '../bytes/cursor.ts';

export const FS_VERITY_DESCRIPTOR_SIZE = 256;
export const FS_VERITY_VERSION = 1;
export const FS_VERITY_HASH_ALG_SHA256 = 1;
export const FS_VERITY_HASH_ALG_SHA512 = 2;
export const FS_VERITY_MAX_DIGEST_SIZE = 64;

const ROOT_HASH_OFFSET = 16;

export interface VerityDescriptor {
  hashAlgorithm: number;
  logBlockSize: number;
  dataSize: number;
  /** Exactly the hash's digest size (the on-disk field is padded to 64 bytes). */
  rootHash: Uint8Array;
}

export function encodeDescriptor(d: VerityDescriptor): Uint8Array {
  if (!Number.isSafeInteger(d.dataSize) || d.dataSize < 0) throw new RangeError(`bad data size ${d.dataSize}`);
  if (d.rootHash.length > FS_VERITY_MAX_DIGEST_SIZE) throw new RangeError(`root hash of ${d.rootHash.length} bytes`);
  const out = new Uint8Array(FS_VERITY_DESCRIPTOR_SIZE);
  const view = new DataView(out.buffer);
  out[0] = FS_VERITY_VERSION;
  out[1] = d.hashAlgorithm;
  out[2] = d.logBlockSize;
  out[3] = 0;
  view.setUint32(8, d.dataSize % 0x100000000, true);
  view.setUint32(12, Math.floor(d.dataSize / 0x100000000), true);
  out.set(d.rootHash, ROOT_HASH_OFFSET);
  return out;
}

/**
 * Reads a descriptor back (fixtures, the hex view). Rejects what fs-verity itself would reject:
 * a wrong version, a salt (unsupported here) or non-zero reserved bytes.
 */
export function decodeDescriptor(bytes: Uint8Array, base = 0, digestSize = 32): VerityDescriptor {
  const c = new Cursor(bytes, base);
  const version = c.u8('fsverity_descriptor.version');
  if (version !== FS_VERITY_VERSION) {
    throw new DecodeError(`fsverity_descriptor.version is ${version}, expected 1`, base, 1, 'verity.descriptor.version');
  }
  const hashAlgorithm = c.u8('fsverity_descriptor.hash_algorithm');
  const logBlockSize = c.u8('fsverity_descriptor.log_blocksize');
  const saltOffset = c.offset;
  const saltSize = c.u8('fsverity_descriptor.salt_size');
  if (saltSize !== 0) {
    throw new DecodeError(`fsverity_descriptor.salt_size is ${saltSize}; salted trees are not supported`, saltOffset, 1, 'verity.descriptor.salt');
  }
  const reservedOffset = c.offset;
  if (c.u32('fsverity_descriptor.__reserved_0x04') !== 0) {
    throw new DecodeError('fsverity_descriptor.__reserved_0x04 is not zero', reservedOffset, 4, 'verity.descriptor.reserved');
  }
  const dataSize = c.u64('fsverity_descriptor.data_size');
  const rootHash = c.take(FS_VERITY_MAX_DIGEST_SIZE, 'fsverity_descriptor.root_hash').slice(0, digestSize);
  c.take(32, 'fsverity_descriptor.salt');
  const tailOffset = c.offset;
  const tail = c.take(144, 'fsverity_descriptor.__reserved');
  if (tail.some((b) => b !== 0)) {
    throw new DecodeError('fsverity_descriptor.__reserved is not zero', tailOffset, 144, 'verity.descriptor.reserved');
  }
  return { hashAlgorithm, logBlockSize, dataSize, rootHash };
}
