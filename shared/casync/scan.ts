/**
 * The catar walk: an archive is one node's serialization (caformat.h): ENTRY, its metadata
 * records, then PAYLOAD/SYMLINK/DEVICE, or for a directory FILENAME + child serialization pairs
 * closed by a GOODBYE. The walk reads every record header once, in order, skipping payload data;
 * it keeps going past damage it can step over and stops at the first it cannot, recording why.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, compareBytes, type Finding, type Xattr } from '../model.ts';
import { decodeAcl, isAclType, type CaFormatAcl } from './acl.ts';
import * as F from './caformat.ts';
import { casyncFinding, findingOfError } from './codes.ts';
import { decodeDevice, type CaFormatDevice } from './device.ts';
import { decodeEntry, type CaFormatEntry } from './entry.ts';
import { decodeFcaps, decodeQuotaProjid } from './fcaps.ts';
import { decodeFilename } from './filename.ts';
import { decodeGoodbye, type CaFormatGoodbye } from './goodbye.ts';
import { decodeHeader, type CaFormatHeader } from './header.ts';
import { decodeGroup, decodeSelinux, decodeUser } from './names.ts';
import { decodePayload, type CaFormatPayload } from './payload.ts';
import { decodeSymlink } from './symlink.ts';
import { decodeXattr } from './xattr.ts';

export const MAX_DEPTH = 4096;
export const MAX_NODES = 10_000_000;
/** A GOODBYE is read whole; this bounds it at about 2.8 million items. */
const GOODBYE_SIZE_MAX = 64 << 20;

export interface CatarNode {
  id: number;
  parent: number;
  /** Empty for the root. */
  name: Uint8Array;
  /** The FILENAME record naming this node (absent for the root). */
  filename?: { offset: number; size: number };
  entry: CaFormatEntry;
  user?: Uint8Array;
  group?: Uint8Array;
  xattrs: Xattr[];
  acl: CaFormatAcl[];
  fcaps?: Uint8Array;
  selinux?: Uint8Array;
  quotaProjid?: number;
  payload?: CaFormatPayload;
  symlink?: { offset: number; size: number; target: Uint8Array };
  device?: CaFormatDevice;
  /** Every record of the node up to (not including) its children, in order. */
  records: { offset: number; size: number; type: bigint }[];
  children?: number[];
  goodbye?: CaFormatGoodbye;
  /** Offset just past the node's serialization (its GOODBYE for a directory); -1 while unknown. */
  end: number;
}

export interface ArchiveScan {
  nodes: CatarNode[];
  findings: Finding[];
  /** The first ENTRY's feature flags: what the archive records. */
  featureFlags: bigint;
  /** Did the walk reach the end of the root's serialization? */
  complete: boolean;
}

const RECORD_MAX = new Map<bigint, number>([
  [F.CA_FORMAT_USER, F.CA_FORMAT_USER_SIZE_MAX],
  [F.CA_FORMAT_GROUP, F.CA_FORMAT_GROUP_SIZE_MAX],
  [F.CA_FORMAT_XATTR, F.CA_FORMAT_XATTR_SIZE_MAX],
  [F.CA_FORMAT_ACL_USER, F.CA_FORMAT_ACL_USER_SIZE_MAX],
  [F.CA_FORMAT_ACL_DEFAULT_USER, F.CA_FORMAT_ACL_USER_SIZE_MAX],
  [F.CA_FORMAT_ACL_GROUP, F.CA_FORMAT_ACL_GROUP_SIZE_MAX],
  [F.CA_FORMAT_ACL_DEFAULT_GROUP, F.CA_FORMAT_ACL_GROUP_SIZE_MAX],
  [F.CA_FORMAT_ACL_GROUP_OBJ, 24],
  [F.CA_FORMAT_ACL_DEFAULT, 48],
  [F.CA_FORMAT_FCAPS, F.CA_FORMAT_FCAPS_SIZE_MAX],
  [F.CA_FORMAT_SELINUX, F.CA_FORMAT_SELINUX_SIZE_MAX],
  [F.CA_FORMAT_QUOTA_PROJID, 24],
  [F.CA_FORMAT_SYMLINK, F.CA_FORMAT_SYMLINK_SIZE_MAX],
  [F.CA_FORMAT_DEVICE, F.CA_FORMAT_DEVICE_SIZE],
  [F.CA_FORMAT_FILENAME, F.CA_FORMAT_FILENAME_SIZE_MAX],
  [F.CA_FORMAT_ENTRY, F.CA_FORMAT_ENTRY_SIZE],
]);

/** The feature flag a metadata record needs, when it needs one. */
const RECORD_FEATURE = new Map<bigint, bigint>([
  [F.CA_FORMAT_USER, F.CA_FORMAT_WITH_USER_NAMES],
  [F.CA_FORMAT_GROUP, F.CA_FORMAT_WITH_USER_NAMES],
  [F.CA_FORMAT_XATTR, F.CA_FORMAT_WITH_XATTRS],
  [F.CA_FORMAT_FCAPS, F.CA_FORMAT_WITH_FCAPS],
  [F.CA_FORMAT_SELINUX, F.CA_FORMAT_WITH_SELINUX],
  [F.CA_FORMAT_QUOTA_PROJID, F.CA_FORMAT_WITH_QUOTA_PROJID],
]);

/** Which feature flag admits each file type (ca_feature_flags allowing them). */
const TYPE_FEATURE: [number, bigint, string][] = [
  [S_IFLNK, F.CA_FORMAT_WITH_SYMLINKS, 'symlink'],
  [S_IFCHR, F.CA_FORMAT_WITH_DEVICE_NODES, 'character device'],
  [S_IFBLK, F.CA_FORMAT_WITH_DEVICE_NODES, 'block device'],
  [S_IFIFO, F.CA_FORMAT_WITH_FIFOS, 'fifo'],
  [S_IFSOCK, F.CA_FORMAT_WITH_SOCKETS, 'socket'],
];

const KNOWN_TYPES = new Set([S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK]);

class Walker {
  readonly nodes: CatarNode[] = [];
  readonly findings: Finding[] = [];
  featureFlags = 0n;

  constructor(private readonly src: ByteSource) {}

  private truncated(offset: number, length: number, what: string): DecodeError {
    return new DecodeError(
      `${what} at ${hex(offset)} needs ${length} bytes, but the archive ends at ${hex(this.src.size)}`,
      offset,
      Math.max(0, this.src.size - offset),
      'casync.archive.truncated',
    );
  }

  async header(pos: number): Promise<CaFormatHeader> {
    if (pos + F.CA_FORMAT_HEADER_SIZE > this.src.size) throw this.truncated(pos, F.CA_FORMAT_HEADER_SIZE, 'a record header');
    return decodeHeader(new Cursor(await this.src.read(pos, F.CA_FORMAT_HEADER_SIZE), pos));
  }

  /** The whole record, within its kind's size limit. */
  async record(h: CaFormatHeader, max: number): Promise<Cursor> {
    if (h.size > max) {
      throw new DecodeError(
        `${F.recordTypeName(h.type)} record at ${hex(h.offset)} claims ${h.size} bytes; at most ${max} are allowed`,
        h.offset,
        8,
        h.type === F.CA_FORMAT_ENTRY ? 'casync.entry.bad-size' : h.type === F.CA_FORMAT_GOODBYE ? 'casync.goodbye.bad-size' : 'casync.record.too-large',
      );
    }
    if (h.offset + h.size > this.src.size) throw this.truncated(h.offset, h.size, `${F.recordTypeName(h.type)} record`);
    return new Cursor(await this.src.read(h.offset, h.size), h.offset);
  }

  private add(f: Finding): void {
    this.findings.push(f);
  }

  /** Reads a node's ENTRY and metadata; returns the node and where its children (or next sibling) begin. */
  async node(pos: number, parent: number, name: Uint8Array, filename?: { offset: number; size: number }): Promise<{ node: CatarNode; pos: number }> {
    if (this.nodes.length >= MAX_NODES) {
      throw new DecodeError(`more than ${MAX_NODES} entries: the rest of the archive is not read`, pos, 0, 'casync.archive.too-many-nodes');
    }
    const eh = await this.header(pos);
    if (eh.type !== F.CA_FORMAT_ENTRY) {
      throw new DecodeError(`expected an ENTRY record at ${hex(pos)}, found ${F.recordTypeName(eh.type)}`, pos + 8, 8, 'casync.entry.expected');
    }
    const entry = decodeEntry(await this.record(eh, F.CA_FORMAT_ENTRY_SIZE));
    const node: CatarNode = {
      id: this.nodes.length, parent, name, entry, xattrs: [], acl: [], records: [{ offset: pos, size: eh.size, type: eh.type }], end: -1,
      ...(filename ? { filename } : {}),
    };
    this.nodes.push(node);
    this.entryRules(node);
    pos += eh.size;
    const type = entry.mode & S_IFMT;
    for (;;) {
      if (pos >= this.src.size && type !== S_IFDIR && parent < 0) break; // a lone non-directory archive ends with its node
      const h = await this.header(pos);
      const final = await this.metadata(node, h);
      if (final === undefined) break; // FILENAME/GOODBYE: the node's children or its parent's next entry
      pos += h.size;
      if (final) break;
    }
    this.requiredRecord(node);
    if (type === S_IFDIR) node.children = [];
    else node.end = pos;
    return { node, pos };
  }

  /**
   * Applies one record after the ENTRY. true: the record ends the node (PAYLOAD, SYMLINK, DEVICE);
   * false: more metadata may follow; undefined: not this node's record.
   */
  private async metadata(node: CatarNode, h: CaFormatHeader): Promise<boolean | undefined> {
    const t = h.type;
    if (t === F.CA_FORMAT_FILENAME || t === F.CA_FORMAT_GOODBYE) return undefined;
    if (t === F.CA_FORMAT_ENTRY) {
      throw new DecodeError(`an ENTRY record at ${hex(h.offset)} follows another ENTRY without a FILENAME`, h.offset + 8, 8, 'casync.record.unexpected');
    }
    node.records.push({ offset: h.offset, size: h.size, type: t });
    const need = RECORD_FEATURE.get(t) ?? (isAclType(t) ? F.CA_FORMAT_WITH_ACL : undefined);
    if (need !== undefined && !(this.featureFlags & need)) {
      this.add(casyncFinding('casync.record.not-in-features', h.offset, h.size,
        `${F.recordTypeName(t)} record at ${hex(h.offset)} although the archive's feature flags lack ${F.featureNames(need).join(', ')}`, { nodeId: node.id }));
    }
    if (t === F.CA_FORMAT_PAYLOAD) {
      node.payload = decodePayload(h);
      if (h.offset + h.size > this.src.size) throw this.truncated(h.offset, h.size, 'PAYLOAD record');
      return true;
    }
    const max = RECORD_MAX.get(t);
    if (max === undefined) {
      throw new DecodeError(`unknown record type 0x${t.toString(16)} at ${hex(h.offset)}`, h.offset + 8, 8, 'casync.record.unknown-type');
    }
    const rec = await this.record(h, max);
    switch (t) {
      case F.CA_FORMAT_USER: node.user = decodeUser(rec); return false;
      case F.CA_FORMAT_GROUP: node.group = decodeGroup(rec); return false;
      case F.CA_FORMAT_XATTR: node.xattrs.push(decodeXattr(rec)); return false;
      case F.CA_FORMAT_FCAPS: node.fcaps = decodeFcaps(rec); return false;
      case F.CA_FORMAT_SELINUX: node.selinux = decodeSelinux(rec); return false;
      case F.CA_FORMAT_QUOTA_PROJID: node.quotaProjid = decodeQuotaProjid(rec); return false;
      case F.CA_FORMAT_SYMLINK: {
        const s = decodeSymlink(rec);
        node.symlink = { offset: h.offset, size: h.size, target: s.target };
        return true;
      }
      case F.CA_FORMAT_DEVICE: node.device = decodeDevice(rec); return true;
      default:
        node.acl.push(decodeAcl(h, rec));
        return false;
    }
  }

  private entryRules(node: CatarNode): void {
    const e = node.entry;
    const at = (f: string) => e.fieldRanges[f]!;
    if (node.id === 0) this.featureFlags = e.featureFlags;
    else if (e.featureFlags !== this.featureFlags) {
      this.add(casyncFinding('casync.entry.feature-flags', ...at('feature_flags'), `ENTRY at ${hex(e.offset)} has feature flags 0x${e.featureFlags.toString(16)}, the archive 0x${this.featureFlags.toString(16)}`, {
        nodeId: node.id, expected: `0x${this.featureFlags.toString(16)}`, actual: `0x${e.featureFlags.toString(16)}`,
      }));
    }
    if (node.id === 0 && e.featureFlags & ~F.KNOWN_FEATURES) {
      this.add(casyncFinding('casync.entry.unknown-features', ...at('feature_flags'), `feature flags 0x${e.featureFlags.toString(16)} set bits caformat.h does not define: 0x${(e.featureFlags & ~F.KNOWN_FEATURES).toString(16)}`));
    }
    const type = e.mode & S_IFMT;
    if (!KNOWN_TYPES.has(type)) {
      this.add(casyncFinding('casync.entry.bad-mode', ...at('mode'), `ENTRY at ${hex(e.offset)}: mode 0${e.mode.toString(8)} is no known file type`, { nodeId: node.id }));
    }
    for (const [t, flag, what] of TYPE_FEATURE) {
      if (type === t && !(this.featureFlags & flag)) {
        this.add(casyncFinding('casync.record.not-in-features', e.offset, F.CA_FORMAT_ENTRY_SIZE, `a ${what} at ${hex(e.offset)} although the archive's feature flags lack ${F.featureNames(flag).join(', ')}`, { nodeId: node.id }));
      }
    }
    if ((this.featureFlags & (F.CA_FORMAT_WITH_16BIT_UIDS | F.CA_FORMAT_WITH_32BIT_UIDS)) === F.CA_FORMAT_WITH_16BIT_UIDS && (e.uid > 0xffff || e.gid > 0xffff)) {
      this.add(casyncFinding('casync.entry.uid-16bit', ...at('uid'), `ENTRY at ${hex(e.offset)}: uid ${e.uid} / gid ${e.gid} in a 16-bit-uid archive`, { nodeId: node.id }));
    }
  }

  private requiredRecord(node: CatarNode): void {
    const type = node.entry.mode & S_IFMT;
    const missing =
      type === S_IFREG && !node.payload ? 'PAYLOAD'
      : type === S_IFLNK && !node.symlink ? 'SYMLINK'
      : (type === S_IFCHR || type === S_IFBLK) && !node.device ? 'DEVICE'
      : undefined;
    const wrong =
      (node.payload && type !== S_IFREG) ? 'PAYLOAD'
      : (node.symlink && type !== S_IFLNK) ? 'SYMLINK'
      : (node.device && type !== S_IFCHR && type !== S_IFBLK) ? 'DEVICE'
      : undefined;
    if (missing) {
      this.add(casyncFinding('casync.entry.missing-record', node.entry.offset, F.CA_FORMAT_ENTRY_SIZE, `the node at ${hex(node.entry.offset)} (mode 0${node.entry.mode.toString(8)}) has no ${missing} record`, { nodeId: node.id }));
    }
    if (wrong) {
      const r = node.records.at(-1)!;
      this.add(casyncFinding('casync.record.unexpected', r.offset, r.size, `${wrong} record at ${hex(r.offset)} for a node of mode 0${node.entry.mode.toString(8)}`, { nodeId: node.id }));
    }
  }

  /** Walks a directory's FILENAME/child pairs up to its GOODBYE, depth-first without recursion. */
  async tree(rootPos: number): Promise<number> {
    const { node: root, pos: start } = await this.node(rootPos, -1, new Uint8Array(0));
    let pos = start;
    const stack: CatarNode[] = root.children ? [root] : [];
    while (stack.length > 0) {
      const dir = stack.at(-1)!;
      const h = await this.header(pos);
      if (h.type === F.CA_FORMAT_GOODBYE) {
        dir.goodbye = decodeGoodbye(await this.record(h, GOODBYE_SIZE_MAX));
        pos += h.size;
        dir.end = pos;
        stack.pop();
        continue;
      }
      if (h.type !== F.CA_FORMAT_FILENAME) {
        throw new DecodeError(
          `${F.recordTypeName(h.type)} record at ${hex(pos)} inside the directory whose ENTRY is at ${hex(dir.entry.offset)}: only FILENAME or GOODBYE may follow here`,
          pos + 8, 8, RECORD_MAX.has(h.type) || h.type === F.CA_FORMAT_PAYLOAD ? 'casync.record.unexpected' : 'casync.record.unknown-type',
        );
      }
      const fn = decodeFilename(await this.record(h, F.CA_FORMAT_FILENAME_SIZE_MAX));
      this.order(dir, fn.name, fn.offset, fn.size);
      if (stack.length >= MAX_DEPTH) {
        throw new DecodeError(`directories nest deeper than ${MAX_DEPTH} levels at ${hex(pos)}`, pos, fn.size, 'casync.archive.too-deep');
      }
      const { node, pos: next } = await this.node(pos + fn.size, dir.id, fn.name, { offset: fn.offset, size: fn.size });
      dir.children!.push(node.id);
      pos = next;
      if (node.children) stack.push(node);
    }
    return pos;
  }

  private order(dir: CatarNode, name: Uint8Array, offset: number, size: number): void {
    const prevId = dir.children!.at(-1);
    if (prevId === undefined) return;
    const prev = this.nodes[prevId]!;
    const c = compareBytes(prev.name, name);
    if (c >= 0) {
      const lossy = new TextDecoder();
      this.add(casyncFinding('casync.filename.unsorted', offset + 16, size - 16,
        `"${lossy.decode(name)}" at ${hex(offset)} ${c === 0 ? 'repeats' : 'sorts before'} the previous entry "${lossy.decode(prev.name)}"`, { nodeId: dir.id }));
    }
  }
}

/**
 * Walks the archive in `src`. Throws only when not even the first ENTRY can be read; every later
 * problem becomes a finding and the nodes read so far are kept.
 */
export async function scanArchive(src: ByteSource): Promise<ArchiveScan> {
  const w = new Walker(src);
  let complete = false;
  try {
    const end = await w.tree(0);
    complete = true;
    if (end < src.size) {
      w.findings.push(casyncFinding('casync.archive.trailing-data', end, src.size - end, `${src.size - end} bytes follow the end of the root's serialization at ${hex(end)}`));
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (w.nodes.length === 0) throw e;
    w.findings.push(findingOfError(e));
  }
  return { nodes: w.nodes, findings: w.findings, featureFlags: w.featureFlags, complete };
}
