/**
 * ImageReader over a legacy composefs descriptor (the 2023 kernel-module "CFS" format written by
 * mkcomposefs 0.1.3 --format=composefs). Lazy: opening reads the superblock and the root inode;
 * everything else is decoded on demand and kept in a small cache.
 *
 * Decoding follows cfs-reader.c. Where the kernel would refuse a whole inode because one of its
 * vdata references is bad, we keep the inode (its fixed fields are still meaningful to someone
 * inspecting a broken image), leave the bad part out and record a finding instead.
 */
import { cachedSource } from '../bytes/cache.ts';
import type { ByteSource } from '../bytes/source.ts';
import {
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  kindOfMode,
  type ByteRange,
  type DirEntry,
  type Finding,
  type ImageInfo,
  type ImageNode,
  type ImageReader,
  type Xattr,
} from '../model.ts';
import { CFS_DIRENT_SIZE, decodeDirents, kindOfDtype, type LegacyDirList } from './dirent.ts';
import { findingError, legacyFinding } from './codes.ts';
import { CFS_INODE_FIELD, CFS_INODE_SIZE, CFS_ROOT_INO, decodeInode, inodeOffset, type LegacyInode } from './inode.ts';
import { metacopyXattr, redirectXattr, storedXattr } from './overlay.ts';
import {
  CFS_DESCRIPTOR_MIN_SIZE,
  CFS_INODE_TABLE_OFFSET,
  CFS_SUPERBLOCK_SIZE,
  checkSuperblock,
  decodeSuperblock,
  inodeCount,
  type LegacySuperblock,
} from './superblock.ts';
import { CFS_VDATA_SIZE, locateVdata, type VdataRef, type VdataSection } from './vdata.ts';
import { CFS_XATTR_HEADER_SIZE, decodeXattrs, type LegacyXattrList } from './xattr.ts';

/** Longest backing path or symlink target the kernel reads (cfs_read_vdata_path). */
export const PATH_MAX = 4096;
/** SHA256_DIGEST_SIZE: the only digest the format stores. */
export const CFS_DIGEST_SIZE = 32;

export interface LegacyLayout extends VdataSection {
  numInodes: number;
}

/** One inode with everything its vdata references resolved (what cfs_init_inode builds). */
export interface LegacyEntry {
  inode: LegacyInode;
  /** Backing file path (regular files) or target (symlinks), as stored: no leading '/', no NUL. */
  payload?: Uint8Array;
  payloadRange?: ByteRange;
  digest?: Uint8Array;
  digestRange?: ByteRange;
  xattrs?: LegacyXattrList;
  xattrRange?: ByteRange;
  direntsRange?: ByteRange;
  /** Problems in this inode and the vdata it references. */
  findings: Finding[];
}

export interface LegacyReader extends ImageReader {
  readonly format: 'legacy-cfs';
  readonly superblock: LegacySuperblock;
  readonly layout: LegacyLayout;
  /** Findings about the superblock itself (those that did not stop opening). */
  readonly superblockFindings: Finding[];
  /** Rejects only when the inode record itself cannot be read (index past the table). */
  entry(index: number): Promise<LegacyEntry>;
  /** A directory's decoded dirents; never rejects for bad dirent data (see `fatal`). */
  directory(index: number): Promise<LegacyDirList>;
}

/** Entries copy the few bytes they keep (no views into cache blocks), so many fit cheaply. */
const ENTRY_CACHE_MAX = 32768;

export async function openLegacy(source: ByteSource): Promise<LegacyReader> {
  const size = source.size;
  if (size < CFS_SUPERBLOCK_SIZE) {
    throw findingError(
      legacyFinding('legacy.image.too-small', 0, size, `a descriptor of ${size} bytes cannot hold the ${CFS_SUPERBLOCK_SIZE}-byte superblock`),
    );
  }
  const src = cachedSource(source);
  const sb = decodeSuperblock(await src.read(0, CFS_SUPERBLOCK_SIZE));
  const sbCheck = checkSuperblock(sb, size);
  if (sbCheck.fatal) throw findingError(sbCheck.fatal);

  const layout: LegacyLayout = { vdataOffset: sb.vdataOffset, fileSize: size, numInodes: inodeCount(sb) };
  const found: Finding[] = [...sbCheck.findings];
  const seen = new Set<string>();
  const note = (fs: Finding[]) => {
    for (const f of fs) {
      const key = `${f.code}@${f.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(f);
    }
  };

  const entries = new Map<number, LegacyEntry>();
  const entry = async (index: number): Promise<LegacyEntry> => {
    const hit = entries.get(index);
    if (hit) return hit;
    const e = await resolveEntry(src, layout, index);
    if (entries.size >= ENTRY_CACHE_MAX) entries.delete(entries.keys().next().value as number);
    entries.set(index, e);
    note(e.findings);
    return e;
  };

  const directory = async (index: number): Promise<LegacyDirList> => {
    const e = await entry(index);
    const list = await readDirents(src, layout, e);
    note(list.findings);
    return list;
  };

  const root = await entry(CFS_ROOT_INO);
  if ((root.inode.mode & S_IFMT) !== S_IFDIR) {
    note([
      legacyFinding('legacy.root.not-directory', root.inode.offset + CFS_INODE_FIELD.st_mode, 4, `the root inode is not a directory (mode ${root.inode.mode.toString(8)})`, {
        nodeId: CFS_ROOT_INO,
      }),
    ]);
  }

  const info = (): ImageInfo => ({
    format: 'legacy-cfs',
    size,
    inodes: layout.numInodes,
    fields: [
      { label: 'Version', value: String(sb.version), range: { label: 'version', offset: 0, length: 4 } },
      { label: 'Magic', value: '0x' + sb.magic.toString(16), range: { label: 'magic', offset: 4, length: 4 } },
      { label: 'Inode table', value: `${layout.numInodes} inodes × ${CFS_INODE_SIZE} bytes at ${CFS_INODE_TABLE_OFFSET}` },
      { label: 'Variable data', value: `${size - sb.vdataOffset} bytes at ${sb.vdataOffset}`, range: { label: 'vdata_offset', offset: 8, length: 8 } },
    ],
    features: [],
  });

  return {
    format: 'legacy-cfs',
    rootId: CFS_ROOT_INO,
    size,
    superblock: sb,
    layout,
    superblockFindings: sbCheck.findings,
    info,
    entry,
    directory,
    async node(id) {
      return toNode(await entry(id));
    },
    async children(id) {
      const list = await directory(id);
      if (list.fatal) throw findingError(list.fatal);
      return list.dirents.map(
        (d): DirEntry => ({
          name: d.name,
          id: d.inodeNum,
          kind: kindOfDtype(d.dType),
          range: { label: 'dirent', offset: d.at, length: CFS_DIRENT_SIZE },
        }),
      );
    },
    async readData(id, offset, length) {
      const e = await entry(id);
      const type = e.inode.mode & S_IFMT;
      if (type === S_IFREG && e.payload) {
        throw findingError(
          legacyFinding('legacy.data.external', e.inode.offset, CFS_INODE_SIZE, 'a legacy image holds no file content; it lives in the backing file', {
            nodeId: id,
          }),
        );
      }
      const data = type === S_IFLNK && e.payload ? e.payload : new Uint8Array(0);
      if (offset < 0 || length < 0 || offset + length > data.length) {
        throw findingError(
          legacyFinding('legacy.data.out-of-range', e.inode.offset, CFS_INODE_SIZE, `read of ${length} bytes at ${offset} is outside the ${data.length} bytes held in the image for inode ${id}`, {
            nodeId: id,
          }),
        );
      }
      return data.subarray(offset, offset + length);
    },
    findings: () => [...found],
    bytes: (offset, length) => src.read(offset, length),
    close: async () => {
      entries.clear();
      await source.close?.();
    },
  };
}


/** cfs_init_inode(): the record plus its payload, digest and xattrs, each checked as the kernel does. */
async function resolveEntry(src: ByteSource, layout: LegacyLayout, index: number): Promise<LegacyEntry> {
  const offset = inodeOffset(CFS_INODE_TABLE_OFFSET, index);
  if (!Number.isInteger(index) || index < 0 || index >= layout.numInodes) {
    throw findingError(
      legacyFinding('legacy.inode.out-of-bounds', Math.max(0, Math.min(offset, layout.vdataOffset)), CFS_INODE_SIZE, `inode ${index} is past the end of the inode table (${layout.numInodes} inodes)`, {
        nodeId: index,
      }),
    );
  }
  const inode = decodeInode(await src.read(offset, CFS_INODE_SIZE), offset, index);
  const findings: Finding[] = [];
  const e: LegacyEntry = { inode, findings };
  const type = inode.mode & S_IFMT;
  const vd = inode.variableData;
  const lenField = (ref: VdataRef) => ({ offset: ref.at + 8, length: 4 });

  if (type === S_IFDIR && vd.len > 0) {
    const loc = locateVdata(layout, vd, { outOfBounds: 'legacy.dirent.out-of-bounds', tooLarge: 'legacy.dirent.too-large', label: 'dirents', nodeId: index });
    if ('range' in loc) e.direntsRange = loc.range;
    else findings.push(loc.finding);
  }

  let payloadFailed = false;
  if ((type === S_IFLNK || type === S_IFREG) && vd.len > 0) {
    const label = type === S_IFLNK ? 'symlink target' : 'backing path';
    if (vd.len > PATH_MAX) {
      const f = lenField(vd);
      findings.push(legacyFinding('legacy.payload.too-long', f.offset, f.length, `${label} of ${vd.len} bytes exceeds PATH_MAX (${PATH_MAX})`, { nodeId: index, expected: `<= ${PATH_MAX}`, actual: String(vd.len) }));
      payloadFailed = true;
    } else {
      const loc = locateVdata(layout, vd, { outOfBounds: 'legacy.payload.out-of-bounds', label, nodeId: index });
      if ('range' in loc) {
        e.payload = (await src.read(loc.range.offset, loc.range.length)).slice();
        e.payloadRange = loc.range;
        const nul = e.payload.indexOf(0);
        if (nul === 0 && type === S_IFLNK) {
          // cfs_init_inode: a target whose first byte is NUL has length 0 to the kernel: EFSCORRUPTED.
          findings.push(legacyFinding('legacy.symlink.nul-target', loc.range.offset, 1, 'symlink target starts with a NUL byte: the kernel reads it as empty and refuses the inode', { nodeId: index }));
        } else if (nul >= 0) {
          findings.push(legacyFinding('legacy.payload.nul', loc.range.offset + nul, 1, `${label} contains a NUL byte; the kernel's path ends there`, { nodeId: index }));
        }
      } else {
        findings.push(loc.finding);
        payloadFailed = true;
      }
    }
  }
  if (type === S_IFLNK && !e.payload && !payloadFailed) {
    findings.push(legacyFinding('legacy.symlink.no-target', vd.at, CFS_VDATA_SIZE, 'symbolic link has an empty target', { nodeId: index }));
  }
  if (type === S_IFREG && !payloadFailed) {
    if (e.payload && inode.sizeBig === 0n) {
      findings.push(
        legacyFinding('legacy.file.payload-on-empty', inode.offset + CFS_INODE_FIELD.st_size, 8, 'an empty regular file must not have a backing file', { nodeId: index }),
      );
    } else if (!e.payload && inode.sizeBig > 0n) {
      findings.push(
        legacyFinding('legacy.file.no-payload', vd.at, CFS_VDATA_SIZE, `regular file of ${inode.sizeBig} bytes has no backing file`, { nodeId: index }),
      );
    }
  }

  const xr = inode.xattrs;
  if (xr.len !== 0 && xr.len < CFS_XATTR_HEADER_SIZE) {
    const f = lenField(xr);
    findings.push(legacyFinding('legacy.xattr.too-small', f.offset, f.length, `xattr block of ${xr.len} byte cannot hold n_attr`, { nodeId: index, expected: `0 or >= ${CFS_XATTR_HEADER_SIZE}`, actual: String(xr.len) }));
  } else if (xr.len > 0) {
    const loc = locateVdata(layout, xr, { outOfBounds: 'legacy.xattr.out-of-bounds', tooLarge: 'legacy.xattr.too-large', label: 'xattrs', nodeId: index });
    if ('range' in loc) {
      e.xattrRange = loc.range;
      e.xattrs = decodeXattrs((await src.read(loc.range.offset, loc.range.length)).slice(), loc.range.offset, index);
      findings.push(...e.xattrs.findings);
    } else {
      findings.push(loc.finding);
    }
  }

  const dr = inode.digest;
  if (dr.len > 0) {
    if (dr.len !== CFS_DIGEST_SIZE) {
      const f = lenField(dr);
      findings.push(legacyFinding('legacy.digest.size', f.offset, f.length, `digest of ${dr.len} bytes; only ${CFS_DIGEST_SIZE}-byte sha256 digests are valid`, { nodeId: index, expected: String(CFS_DIGEST_SIZE), actual: String(dr.len) }));
    } else {
      const loc = locateVdata(layout, dr, { outOfBounds: 'legacy.digest.out-of-bounds', label: 'fs-verity digest', nodeId: index });
      if ('range' in loc) {
        e.digest = (await src.read(loc.range.offset, loc.range.length)).slice();
        e.digestRange = loc.range;
      } else {
        findings.push(loc.finding);
      }
    }
  }
  return e;
}

async function readDirents(src: ByteSource, layout: LegacyLayout, e: LegacyEntry): Promise<LegacyDirList> {
  if ((e.inode.mode & S_IFMT) !== S_IFDIR || e.inode.variableData.len === 0) return { dirents: [], findings: [] };
  if (!e.direntsRange) {
    const fatal = e.findings.find((f) => f.code.startsWith('legacy.dirent.'))!;
    return { dirents: [], findings: [], fatal };
  }
  const r = e.direntsRange;
  return decodeDirents(await src.read(r.offset, r.length), r.offset, layout.numInodes, e.inode.index);
}

export function toNode(e: LegacyEntry): ImageNode {
  const { inode } = e;
  const type = inode.mode & S_IFMT;
  const xattrs: Xattr[] = (e.xattrs?.xattrs ?? []).map(storedXattr);
  if (type === S_IFREG && (e.payload || e.digest)) {
    if (e.payload) xattrs.push(redirectXattr(e.payload, e.payloadRange));
    xattrs.push(metacopyXattr(e.digest, e.digestRange));
  }
  const ranges: ByteRange[] = [{ label: `inode ${inode.index}`, offset: inode.offset, length: CFS_INODE_SIZE }];
  if (e.direntsRange) ranges.push(e.direntsRange);
  if (e.payloadRange) ranges.push(e.payloadRange);
  if (e.xattrRange) ranges.push(e.xattrRange);
  if (e.digestRange) ranges.push(e.digestRange);
  const node: ImageNode = {
    id: inode.index,
    kind: kindOfMode(inode.mode),
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    size: inode.size,
    mtime: inode.mtime,
    nlink: inode.nlink,
    rdev: inode.rdev,
    ino: inode.index,
    layout: 'legacy 96-byte inode',
    xattrs,
    data:
      type === S_IFREG && e.payload
        ? { kind: 'external' }
        : type === S_IFLNK && e.payloadRange
          ? { kind: 'inline', offset: e.payloadRange.offset, length: e.payloadRange.length }
          : { kind: 'none' },
    ranges,
  };
  if (type === S_IFLNK && e.payload) node.target = e.payload;
  return node;
}
