/**
 * The directory tree a layer's members describe, built the way an extractor would apply them in
 * order: later members replace earlier ones at the same path, directories implied by a path but
 * never listed appear as synthetic 0755 directories, hardlinks share their target's node, and OCI
 * whiteouts take their overlay form. Everything an extractor would refuse or warn about becomes a
 * Finding and leaves the tree as the extractor would.
 */
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG,
  type ByteRange, type DataLocation, type Finding, type ImageNode, type NodeKind, type Severity, type Xattr,
} from '../model.ts';
import { displayPath, nameKey, resolveMemberPath, type MemberPath } from './path.ts';
import { memberRanges, type TarMember } from './scan.ts';
import {
  AREGTYPE, BLKTYPE, CHRTYPE, CONTTYPE, DIRTYPE, FIFOTYPE, GNUTYPE_DUMPDIR, GNUTYPE_MULTIVOL, GNUTYPE_SPARSE,
  GNUTYPE_VOLHDR, LNKTYPE, REGTYPE, SYMTYPE,
} from './tar.ts';
import { classifyWhiteout, isOpaqueXattr, opaqueXattr, WHITEOUT_MODE } from './whiteout.ts';

export interface TreeEntry {
  name: Uint8Array;
  id: number;
  /** The member that put this name here. */
  member?: TarMember;
}

/**
 * A node of the layer tree. Kept lean (a layer may have hundreds of thousands): every attribute
 * an ImageNode shows is derived from the member on demand by imageNodeOf.
 */
export interface TreeNode {
  id: number;
  kind: NodeKind;
  mode: number;
  nlink: number;
  /** The member whose header gives the attributes; none for synthetic directories. */
  member?: TarMember;
  /** The `.wh.<name>` marker this node stands for (then `member` is the marker too). */
  whiteout?: TarMember;
  /** The `.wh..wh..opq` marker that made this directory opaque. */
  opaque?: TarMember;
  /** Directories: entries in the order members created them. */
  entries?: TreeEntry[];
  index?: Map<string, number>;
}

export interface LayerTree {
  nodes: TreeNode[];
  rootId: number;
  findings: Finding[];
}

const SYNTHETIC_MODE = S_IFDIR | 0o755;

/** Linux new_encode_dev: the 32-bit st_rdev EROFS and composefs store. */
export function encodeDev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 0x100 + Math.floor(minor / 0x100) * 0x100000;
}

const TYPE_OF: Record<number, { kind: NodeKind; bits: number }> = {
  [REGTYPE]: { kind: 'file', bits: S_IFREG },
  [AREGTYPE]: { kind: 'file', bits: S_IFREG },
  [CONTTYPE]: { kind: 'file', bits: S_IFREG },
  [GNUTYPE_SPARSE]: { kind: 'file', bits: S_IFREG },
  [SYMTYPE]: { kind: 'symlink', bits: S_IFLNK },
  [CHRTYPE]: { kind: 'chardev', bits: S_IFCHR },
  [BLKTYPE]: { kind: 'blockdev', bits: S_IFBLK },
  [DIRTYPE]: { kind: 'dir', bits: S_IFDIR },
  [GNUTYPE_DUMPDIR]: { kind: 'dir', bits: S_IFDIR },
  [FIFOTYPE]: { kind: 'fifo', bits: S_IFIFO },
};

const typeName = (t: number): string => (t >= 0x20 && t < 0x7f ? `'${String.fromCharCode(t)}'` : `0x${t.toString(16)}`);

/** Type of a member as an extractor reads it: pre-POSIX tars mark directories by a trailing "/". */
export function memberType(m: TarMember): { kind: NodeKind; bits: number } | undefined {
  if (m.typeflag === AREGTYPE && m.path[m.path.length - 1] === 0x2f) return TYPE_OF[DIRTYPE];
  return TYPE_OF[m.typeflag];
}

function dataOf(m: TarMember): DataLocation {
  if (m.sparse) {
    const extents: { offset: number; length: number; fileOffset: number }[] = [];
    let at = m.sparse.dataStart;
    for (const s of m.sparse.segments) {
      if (s.length > 0) extents.push({ offset: at, length: s.length, fileOffset: s.offset });
      at += s.length;
    }
    return extents.length ? { kind: 'blocks', extents } : { kind: 'none' };
  }
  return m.size > 0 ? { kind: 'blocks', extents: [{ offset: m.dataOffset, length: m.size, fileOffset: 0 }] } : { kind: 'none' };
}

function layoutOf(m: TarMember, what: string): string {
  const ext = m.extensions.length ? ` + ${m.extensions.join(', ')}` : '';
  return `${m.dialect}${ext} member #${m.index}: ${what}${m.sparse ? ` (sparse, ${m.sparse.format}, ${m.sparse.segments.length} segments)` : ''}`;
}

export function buildTree(members: TarMember[]): LayerTree {
  const nodes: TreeNode[] = [];
  const findings: Finding[] = [];

  const newNode = (kind: NodeKind, mode: number, member: TarMember | undefined, whiteout?: TarMember): TreeNode => {
    const node: TreeNode = kind === 'dir'
      ? { id: nodes.length, kind, mode, nlink: 0, member, whiteout, opaque: undefined, entries: [], index: new Map() }
      : { id: nodes.length, kind, mode, nlink: 0, member, whiteout, opaque: undefined, entries: undefined, index: undefined };
    nodes.push(node);
    return node;
  };
  const synthetic = (): TreeNode => newNode('dir', SYNTHETIC_MODE, undefined);
  const root = synthetic();

  const report = (code: string, severity: Severity, m: TarMember, range: ByteRange | undefined, path: string, message: string, extra: Partial<Finding> = {}) =>
    findings.push({ code, severity, offset: range?.offset ?? m.headerOffset, length: range?.length ?? 512, path, message, ...extra });

  const lookup = (dir: TreeNode, name: Uint8Array): TreeNode | undefined => {
    const i = dir.index!.get(nameKey(name));
    return i === undefined ? undefined : nodes[dir.entries![i]!.id];
  };

  /** The node a path names in the tree built so far, following no symlinks. */
  const resolve = (p: MemberPath): TreeNode | undefined => {
    let cur: TreeNode | undefined = root;
    for (const part of p.parts) {
      if (!cur || cur.kind !== 'dir') return undefined;
      cur = lookup(cur, part);
    }
    return cur;
  };

  /** The parent directory for a member, creating implied directories; undefined when blocked. */
  const parentDir = (m: TarMember, parts: Uint8Array[]): TreeNode | undefined => {
    let cur = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = lookup(cur, parts[i]!);
      if (!next) {
        const d = synthetic();
        link(cur, parts[i]!, d.id, undefined);
        cur = d;
      } else if (next.kind !== 'dir') {
        const at = displayPath(parts.slice(0, i + 1));
        report('oci.path.parent-not-dir', 'error', m, m.pathRange, displayPath(parts),
          `${displayPath(parts)}: ${at} is a ${next.kind}${next.kind === 'symlink' ? ' (an extractor must not follow it)' : ''}, not a directory; the member is not applied`);
        return undefined;
      } else cur = next;
    }
    return cur;
  };

  const link = (dir: TreeNode, name: Uint8Array, id: number, member: TarMember | undefined) => {
    const key = nameKey(name);
    const i = dir.index!.get(key);
    if (i === undefined) {
      dir.index!.set(key, dir.entries!.length);
      dir.entries!.push({ name, id, member });
    } else dir.entries![i] = { name: dir.entries![i]!.name, id, member };
  };

  /** Applies a new node for `m` at `name` in `dir`, settling what was there. */
  const place = (dir: TreeNode, name: Uint8Array, m: TarMember, pathOf: () => string, make: () => TreeNode) => {
    const old = lookup(dir, name);
    if (old) {
      const path = pathOf();
      if (old.whiteout) {
        report('oci.whiteout.shadows-entry', 'warning', m, m.pathRange, path,
          `${path} is both whited out (.wh. member #${old.whiteout.index}) and present in the same layer; a whiteout only hides lower layers, so the entry stays`);
      } else if (!old.member && memberType(m)?.kind !== 'dir') {
        report('oci.path.conflict', 'error', m, m.pathRange, path,
          `${path} was implied as a directory by earlier members and is now a ${memberType(m)?.kind ?? 'member'}; an extractor cannot replace the directory, so the member is not applied`);
        return;
      } else if (old.member) {
        const lost = old.kind === 'dir' && memberType(m)?.kind !== 'dir' && old.entries!.length > 0 ? `, dropping the ${old.entries!.length} entries below it` : '';
        report('oci.path.duplicate', 'warning', m, m.pathRange, path,
          `${path} appears again (member #${m.index}; first ${old.member ? `member #${old.member.index}` : 'an earlier member'}); the later one wins${lost}`,
          { expected: 'one member per path (image-spec layer.md)' });
      }
      if (old.kind === 'dir' && memberType(m)?.kind === 'dir') {
        adopt(old, m);
        return;
      }
    }
    link(dir, name, make().id, m);
  };

  /** A directory listed (again): it keeps its entries and takes the member's attributes. */
  const adopt = (d: TreeNode, m: TarMember) => {
    d.member = m;
    d.mode = S_IFDIR | m.mode;
  };

  const nodeFor = (m: TarMember, t: { kind: NodeKind; bits: number }): TreeNode => newNode(t.kind, t.bits | m.mode, m);

  for (const m of members) {
    const p = resolveMemberPath(m.path);
    // Paths are text only for findings; most members have none.
    let pathText: string | undefined;
    const path = (): string => (pathText ??= displayPath(p.parts));
    if (p.escapes) {
      report('oci.path.escape', 'error', m, m.pathRange, path(), `member #${m.index} path "${new TextDecoder().decode(m.path)}" climbs above the layer root; it is not applied`);
      continue;
    }
    if (p.absolute) report('oci.path.absolute', 'warning', m, m.pathRange, path(), `member #${m.index} has an absolute path; it is applied below the layer root as ${path()}`);
    else if (p.dotdot) report('oci.path.dotdot', 'warning', m, m.pathRange, path(), `member #${m.index} path has ".." components; it resolves to ${path()}`);

    if (m.typeflag === GNUTYPE_VOLHDR) {
      report('oci.member.volume-label', 'info', m, undefined, path(), `member #${m.index} is a GNU volume label, not a file`);
      continue;
    }
    if (m.typeflag === GNUTYPE_MULTIVOL) {
      report('oci.member.unsupported-type', 'error', m, { label: 'typeflag', offset: m.headerOffset + 156, length: 1 }, path(),
        `member #${m.index} continues a file from a previous volume (GNU multi-volume); it is not applied`);
      continue;
    }
    let type = memberType(m);
    if (!type && m.typeflag !== LNKTYPE) {
      report('oci.member.unknown-type', 'warning', m, { label: 'typeflag', offset: m.headerOffset + 156, length: 1 }, path(),
        `member #${m.index} has type ${typeName(m.typeflag)}; like GNU tar it is read as a regular file`);
      type = TYPE_OF[REGTYPE]!;
    }

    if (p.parts.length === 0) {
      if (type?.kind === 'dir') {
        if (root.member) report('oci.path.duplicate', 'warning', m, m.pathRange, '/', `the layer root is listed again (member #${m.index}); the later one wins`);
        adopt(root, m);
      } else {
        report('oci.path.root-not-dir', 'error', m, m.pathRange, '/', `member #${m.index} names the layer root but is not a directory; it is not applied`);
      }
      continue;
    }
    const dir = parentDir(m, p.parts);
    if (!dir) continue;
    const name = p.parts[p.parts.length - 1]!;

    const wh = classifyWhiteout(name);
    if (wh.kind !== 'none' && m.typeflag !== LNKTYPE && type?.kind === 'file') {
      if (m.size > 0) report('oci.whiteout.has-data', 'info', m, undefined, path(), `whiteout marker ${path()} carries ${m.size} bytes of data; markers are empty files`);
      if (wh.kind === 'meta') {
        report('oci.whiteout.aufs-meta', 'info', m, undefined, path(), `${path()} is AUFS bookkeeping (.wh..wh.*), not content; it is not applied`);
        continue;
      }
      if (wh.kind === 'invalid') {
        report('oci.whiteout.invalid', 'error', m, m.pathRange, path(), `${path()}: ${wh.reason}; it is not applied`);
        continue;
      }
      if (wh.kind === 'opaque') {
        if (dir.opaque) report('oci.path.duplicate', 'warning', m, m.pathRange, path(), `${path()} appears again (first member #${dir.opaque.index})`);
        else dir.opaque = m;
        continue;
      }
      const targetPath = displayPath([...p.parts.slice(0, -1), wh.target]);
      const hidden = lookup(dir, wh.target);
      if (hidden?.whiteout) {
        report('oci.path.duplicate', 'warning', m, m.pathRange, path(), `${path()} appears again (first member #${hidden.whiteout.index})`);
        continue;
      }
      if (hidden) {
        report('oci.whiteout.shadows-entry', 'warning', m, m.pathRange, targetPath,
          `${path()} whites out ${targetPath}, which this same layer provides (member #${hidden.member?.index ?? '?'}); a whiteout only hides lower layers, so the entry stays`);
        continue;
      }
      link(dir, wh.target, newNode('chardev', WHITEOUT_MODE, m, m).id, m);
      continue;
    }

    if (m.typeflag === LNKTYPE) {
      const tp = resolveMemberPath(m.linkname);
      const tpath = displayPath(tp.parts);
      if (tp.escapes) {
        report('oci.path.escape', 'error', m, m.linkRange, path(), `hardlink ${path()} points above the layer root ("${new TextDecoder().decode(m.linkname)}"); it is not applied`);
        continue;
      }
      const target = resolve(tp);
      if (!target || target.whiteout) {
        report('oci.hardlink.missing-target', 'error', m, m.linkRange, path(),
          `hardlink ${path()} points to ${tpath}, which no earlier member of this layer provides; it is not applied`, { expected: tpath });
        continue;
      }
      if (target.kind === 'dir') {
        report('oci.hardlink.to-directory', 'error', m, m.linkRange, path(), `hardlink ${path()} points to the directory ${tpath}; it is not applied`);
        continue;
      }
      place(dir, name, m, path, () => target);
      continue;
    }
    place(dir, name, m, path, () => nodeFor(m, type!));
  }

  countLinks(nodes, root);
  return { nodes, rootId: root.id, findings };
}

/** nlink as the extracted tree would have it: names per inode, 2 + subdirectories per directory. */
function countLinks(nodes: TreeNode[], root: TreeNode): void {
  for (const n of nodes) n.nlink = 0;
  root.nlink = 2;
  const stack = [root];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of d.entries!) {
      const n = nodes[e.id]!;
      if (n.kind === 'dir') {
        n.nlink += 2;
        d.nlink++;
        stack.push(n);
      } else n.nlink++;
    }
  }
}

const NO_DATA: DataLocation = { kind: 'none' };
const EPOCH = { sec: 0, nsec: 0 };

/** The ImageNode a tree node shows: attributes from its member, overlay forms for whiteouts and opaque directories. */
export function imageNodeOf(n: TreeNode): ImageNode {
  const m = n.member;
  const isFile = n.kind === 'file';
  const isDev = n.kind === 'chardev' || n.kind === 'blockdev';
  let xattrs: Xattr[] = m && !n.whiteout ? m.xattrs : [];
  let ranges: ByteRange[] = m ? memberRanges(m) : [];
  let layout: string;
  if (!m) layout = 'synthetic directory: no member of its own, implied by member paths';
  else if (n.whiteout) layout = layoutOf(m, 'OCI whiteout (.wh. marker), shown as an overlay whiteout (char 0:0)');
  else layout = layoutOf(m, isFile ? 'regular file' : n.kind === 'dir' ? 'directory' : n.kind);
  if (n.opaque) {
    if (!xattrs.some(isOpaqueXattr)) xattrs = [...xattrs, opaqueXattr()];
    ranges = [...ranges, ...memberRanges(n.opaque).map((r) => ({ ...r, label: `opaque marker: ${r.label}` }))];
    layout += ' + opaque (.wh..wh..opq)';
  }
  return {
    id: n.id,
    kind: n.kind,
    mode: n.mode,
    uid: m?.uid ?? 0,
    gid: m?.gid ?? 0,
    size: !m || n.whiteout ? 0 : isFile ? m.size : n.kind === 'symlink' ? m.linkname.length : 0,
    mtime: m?.mtime ?? EPOCH,
    nlink: n.nlink,
    rdev: m && isDev && !n.whiteout ? encodeDev(m.devmajor, m.devminor) : 0,
    layout,
    ...(m && n.kind === 'symlink' ? { target: m.linkname } : {}),
    xattrs,
    data: m && isFile ? dataOf(m) : NO_DATA,
    ranges,
  };
}
