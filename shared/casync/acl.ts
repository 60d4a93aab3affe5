/**
 * The ACL records (CA_FORMAT_WITH_ACL): CaFormatACLUser/ACLGroup (one named entry each, access
 * or default), CaFormatACLGroupObj and CaFormatACLDefault.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import {
  CA_FORMAT_ACL_DEFAULT,
  CA_FORMAT_ACL_DEFAULT_GROUP,
  CA_FORMAT_ACL_DEFAULT_USER,
  CA_FORMAT_ACL_GROUP,
  CA_FORMAT_ACL_GROUP_OBJ,
  CA_FORMAT_ACL_USER,
  CA_FORMAT_HEADER_SIZE,
} from './caformat.ts';
import type { CaFormatHeader } from './header.ts';

export type AclKind = 'user' | 'group' | 'group-obj' | 'default' | 'default-user' | 'default-group';

export interface CaFormatAcl {
  offset: number;
  kind: AclKind;
  /** uid or gid of a named entry. */
  id?: number;
  /** The name of a named entry, when the archive stores one (may be empty). */
  name?: Uint8Array;
  /** rwx bits (CA_FORMAT_ACL_PERMISSION_*), or for ACL_DEFAULT the four user/group/other/mask sets. */
  permissions: number[];
}

const KIND = new Map<bigint, AclKind>([
  [CA_FORMAT_ACL_USER, 'user'],
  [CA_FORMAT_ACL_GROUP, 'group'],
  [CA_FORMAT_ACL_GROUP_OBJ, 'group-obj'],
  [CA_FORMAT_ACL_DEFAULT, 'default'],
  [CA_FORMAT_ACL_DEFAULT_USER, 'default-user'],
  [CA_FORMAT_ACL_DEFAULT_GROUP, 'default-group'],
]);

export const isAclType = (type: bigint): boolean => KIND.has(type);

const perm = (c: Cursor, field: string): number => {
  const at = c.offset;
  const v = c.u64big(field);
  if (v > 7n) throw new DecodeError(`${field} at ${hex(at)} is ${v}: ACL permissions are rwx bits (0..7)`, at, 8, 'casync.acl.bad-permissions');
  return Number(v);
};

export function decodeAcl(h: CaFormatHeader, record: Cursor): CaFormatAcl {
  const kind = KIND.get(h.type)!;
  record.skip(CA_FORMAT_HEADER_SIZE, 'CaFormatACL.header');
  if (kind === 'group-obj') return { offset: h.offset, kind, permissions: [perm(record, 'CaFormatACLGroupObj.permissions')] };
  if (kind === 'default') {
    const names = ['user_obj_permissions', 'group_obj_permissions', 'other_permissions', 'mask_permissions'];
    return { offset: h.offset, kind, permissions: names.map((n) => perm(record, `CaFormatACLDefault.${n}`)) };
  }
  const idAt = record.offset;
  const id = record.u64big('CaFormatACL.id');
  if (id > 0xffffffffn) throw new DecodeError(`ACL entry at ${hex(h.offset)}: id ${id} does not fit 32 bits`, idAt, 8, 'casync.acl.bad-id');
  const permissions = [perm(record, 'CaFormatACL.permissions')];
  const rest = record.take(record.remaining, 'CaFormatACL.name');
  const nul = rest.indexOf(0);
  const name = nul < 0 ? rest : rest.subarray(0, nul);
  return { offset: h.offset, kind, id: Number(id), name, permissions };
}
