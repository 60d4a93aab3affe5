/**
 * struct cfs_xattr_header + struct cfs_xattr_element: an inode's xattrs, one 4-byte-aligned vdata
 * chunk with n_attr (key_length, value_length) pairs followed by the key/value bytes back to back.
 * Equal xattr sets are stored once and shared by every inode that has them.
 */
import { Cursor } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import { BUDGETS } from '../budgets.ts';
import { legacyFinding } from './codes.ts';

export const CFS_XATTR_HEADER_SIZE = 2;
export const CFS_XATTR_ELEM_SIZE = 4;
export const CFS_MAX_XATTRS = 0xffff;
/** Longest xattr name Linux accepts (include/uapi/linux/limits.h). */
export const XATTR_NAME_MAX = 255;

export const cfsXattrHeaderSize = (nElements: number): number => CFS_XATTR_HEADER_SIZE + nElements * CFS_XATTR_ELEM_SIZE;

export interface LegacyXattr {
  name: Uint8Array;
  value: Uint8Array;
  /** Absolute offset of the 4-byte element (key_length, value_length). */
  at: number;
  /** Absolute offset of the key bytes; the value follows them. */
  dataAt: number;
}

export interface LegacyXattrList {
  /** n_attr as stored (what the legacy dump tool prints as nxargs). */
  count: number;
  xattrs: LegacyXattr[];
  findings: Finding[];
}

/**
 * Decodes an xattr block (`bytes` = the whole vdata chunk at absolute `base`) with the checks of
 * cfs_list_xattrs()/cfs_get_xattr(). Element sizes chain, so decoding stops at the first bad one.
 */
export function decodeXattrs(bytes: Uint8Array, base: number, nodeId: number): LegacyXattrList {
  const findings: Finding[] = [];
  const c = new Cursor(bytes, base);
  const count = c.u16('n_attr');
  if (count === 0) {
    findings.push(legacyFinding('legacy.xattr.no-attrs', base, CFS_XATTR_HEADER_SIZE, 'the xattr block holds n_attr 0: the kernel refuses an xattr block without xattrs', { nodeId, expected: '>= 1', actual: '0' }));
  }
  if (count > BUDGETS.xattrsPerInode) {
    findings.push(legacyFinding('budget.xattrs-per-inode', base, CFS_XATTR_HEADER_SIZE, `n_attr ${count} is more than ${BUDGETS.xattrsPerInode}, the inspector's budget of xattrs per inode (BUDGETS.xattrsPerInode); the xattrs are not read`, { nodeId }));
    return { count, xattrs: [], findings };
  }
  if (bytes.length < cfsXattrHeaderSize(count)) {
    findings.push(
      legacyFinding(
        'legacy.xattr.count-overflow',
        base,
        CFS_XATTR_HEADER_SIZE,
        `n_attr ${count} needs ${cfsXattrHeaderSize(count)} bytes of elements, the block has ${bytes.length}`,
        { nodeId, expected: `<= ${Math.floor((bytes.length - CFS_XATTR_HEADER_SIZE) / CFS_XATTR_ELEM_SIZE)}`, actual: String(count) },
      ),
    );
    return { count, xattrs: [], findings };
  }
  const xattrs: LegacyXattr[] = [];
  let data = cfsXattrHeaderSize(count);
  for (let i = 0; i < count; i++) {
    const at = c.offset;
    const keyLen = c.u16('key_length');
    const valueLen = c.u16('value_length');
    if (keyLen > XATTR_NAME_MAX) {
      findings.push(
        legacyFinding('legacy.xattr.name-too-long', at, 2, `xattr ${i}: key_length ${keyLen} exceeds XATTR_NAME_MAX (${XATTR_NAME_MAX})`, {
          nodeId,
          expected: `<= ${XATTR_NAME_MAX}`,
          actual: String(keyLen),
        }),
      );
      break;
    }
    if (bytes.length - data < keyLen + valueLen) {
      findings.push(
        legacyFinding(
          'legacy.xattr.entry-out-of-bounds',
          at,
          CFS_XATTR_ELEM_SIZE,
          `xattr ${i}: key and value (${keyLen}+${valueLen} bytes) run past the end of the block (${bytes.length - data} bytes left)`,
          { nodeId },
        ),
      );
      break;
    }
    xattrs.push({
      name: bytes.subarray(data, data + keyLen),
      value: bytes.subarray(data + keyLen, data + keyLen + valueLen),
      at,
      dataAt: base + data,
    });
    data += keyLen + valueLen;
  }
  if (findings.length === 0 && data !== bytes.length) {
    findings.push(
      legacyFinding('legacy.xattr.trailing-bytes', base + data, bytes.length - data, `${bytes.length - data} bytes follow the last xattr value`, { nodeId }),
    );
  }
  return { count, xattrs, findings };
}
