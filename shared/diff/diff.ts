/**
 * The diff engine: walks two images side by side in name order and reports what changed, path by
 * path. Both trees are visited completely (no image format records a hash of a whole subtree), so
 * the per-path work is kept small: names are merged from the two sorted child lists and shared
 * paths are compared field by field on decoded nodes, reading file bytes only for files whose data
 * lives inside the image. Added and removed entries are then paired into renames by identity.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { Change, ChangeKind, DiffOptions, FieldChange } from '../api.ts';
import { compareBytes, kindOfMode, S_IFMT, type DirEntry, type ImageNode, type ImageReader, type NodeKind } from '../model.ts';
import { compareData, compareMeta, dataInImage, fieldChange, formatMode, formatMtime, rawViewKind, viewKind, type CompareContext, type ContentView, type Side, type ViewFn } from './compare.ts';
import { childHash, dataHash, hasContent, HASHED_DATA_LIMIT, identityHash, nodeKey, rawKey, type XattrHashes } from './identity.ts';
import { pairRenames, type OneSided, type RenameContext } from './renames.ts';
import { compileIgnore } from './options.ts';
import { composefsContent, isBookkeepingName, isBookkeepingWhiteout, type ImageKind } from '../composefs/overlay.ts';
import { erofsShortcut, NEEDS_READ, type CoreOnly, type Shortcut, type Verdict } from './erofs-shortcut.ts';
import { markSide, onSide, type ImageSide } from './errors.ts';
import { displayBytes } from './text.ts';

export interface DiffResult {
  counts: Record<ChangeKind, number>;
  changes: Change[];
}

/**
 * A path present in both images, kept when it changed or may have changed hardlink partners. It
 * is the reported Change itself when it has fields (no copy per change: there can be 200k).
 */
type Shared = Change & { kind: 'modified' };

type Rec = Shared | OneSided;

/** Inode ids of hardlinked (nlink > 1) non-directories at a shared path, per image. */
interface Links {
  linkA?: number;
  linkB?: number;
}

interface Walk extends RenameContext {
  xattrHashes: XattrHashes;
  seenA: Set<number>;
  seenB: Set<number>;
  /** The view is composefsContent, whose reading of a node the shortcut can tell from raw bytes. */
  rawView: boolean;
  scratch: FieldChange[];
  links: Map<Shared, Links>;
  /** Directory entries met so far, for onProgress. */
  entriesSeen: number;
  onProgress: ((entries: number) => void) | undefined;
}

/**
 * Paths are built from their directory's prefix (its path with the trailing slash), made once
 * per directory, so that each entry's path is one concatenation. The root is diffed as the entry
 * with the empty name under the empty prefix.
 */
const childPath = (prefix: string, name: Uint8Array): string => (prefix === '' ? '/' : prefix + displayBytes(name));
const dirPrefix = (path: string): string => (path === '/' ? '/' : path + '/');

/** One-sided records keep their directory and name: most are never reported (renamed trees). */
const oneSidedPath = (r: OneSided): string => childPath(r.dir, r.name);

/** Entries in byte order of their names; on-disk order is usually sorted already, so check first. */
function byName(entries: DirEntry[]): DirEntry[] {
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(entries[i - 1]!.name, entries[i]!.name) > 0) {
      return entries.slice().sort((x, y) => compareBytes(x.name, y.name));
    }
  }
  return entries;
}

/** A directory reached a second time means a loop (or a hardlinked directory); walking on would never end. */
function enterDir(seen: Set<number>, id: number, path: string): void {
  if (seen.has(id)) {
    throw new DecodeError(`${path}: directory inode ${id} is reached a second time (directory loop)`, 0, 0, 'diff.directory-loop');
  }
  seen.add(id);
}

/**
 * A directory's entries in name order. In a composefs root, the 256 whiteouts "00".."ff" that
 * mkcomposefs always adds (for overlayfs data-only lower layers) are left out, as composefs-info
 * leaves them out: they are not part of the user's tree.
 */
async function entriesOf(reader: ImageReader, id: number, path: string): Promise<DirEntry[]> {
  const entries = byName(reader.tryChildren!(id) ?? (await reader.children(id)));
  if (path !== '/' || reader.format !== 'composefs') return entries;
  const kept: DirEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'chardev' && isBookkeepingName(e.name)) {
      if (isBookkeepingWhiteout(reader as ImageKind, 1, e.name, reader.tryNode!(e.id) ?? (await reader.node(e.id)))) continue;
    }
    kept.push(e);
  }
  return kept;
}

const linkId = (n: ImageNode): number | undefined => (n.kind !== 'dir' && n.nlink > 1 ? n.id : undefined);

function insertBeforeXattrs(fields: FieldChange[], change: FieldChange): void {
  const at = fields.findIndex((f) => f.field.startsWith('xattr:'));
  fields.splice(at < 0 ? fields.length : at, 0, change);
}

/*
 * The walk is sequential on purpose: decoding is CPU-bound once the metadata is cached, and
 * hundreds of thousands of concurrently pending node promises cost far more (memory, GC) than
 * they could overlap.
 */

/**
 * Compares one path present in both images, then what lies below it, given what the raw bytes
 * said about the pair. The path text is built only when needed: most shared paths are unchanged
 * files, settled by diffDir without calling this at all.
 */
async function diffEntry(w: Walk, idA: number, idB: number, verdict: Verdict, prefix: string, name: Uint8Array, out: Rec[]): Promise<void> {
  if (verdict === NEEDS_READ) verdict = await w.shortcut!.examineLoaded(idA, idB);
  // Hardlinked nodes are decoded even when unchanged: their partners are compared afterwards.
  if (verdict && 'kind' in verdict && (verdict.kind === 'dir' || verdict.nlink <= 1)) {
    if (verdict.kind === 'dir') await diffDir(w, idA, idB, childPath(prefix, name), out);
    return;
  }
  if (verdict && 'coreOnly' in verdict && verdict.viewType !== undefined && w.rawView) {
    coreChange(w, verdict, verdict.viewType, childPath(prefix, name), out);
    return;
  }
  const na = w.a.tryNode!(idA) ?? (await w.a.node(idA));
  if (verdict && 'coreOnly' in verdict) {
    // Only inode fields differ (a rebuild that touched mtimes, a chmod): B's node is A's with B's
    // values for them, and the data both decode from is the same bytes.
    const c = verdict.coreOnly;
    const nb: ImageNode = { ...na, id: idB, mode: c.mode, uid: c.uid, gid: c.gid, nlink: c.nlink, mtime: { sec: c.mtimeSec, nsec: c.mtimeNsec } };
    return diffPair(w, na, nb, childPath(prefix, name), out, true);
  }
  await diffPair(w, na, w.b.tryNode!(idB) ?? (await w.b.node(idB)), childPath(prefix, name), out);
}

/**
 * The change of a non-directory pair that differs only in inode core fields (CoreOnly with its
 * view type known), built from the two raw inodes without decoding either node: what
 * compareMeta would report for B's node being A's with B's mode, owner, mtime and link count.
 */
function coreChange(w: Walk, v: CoreOnly, viewType: number, path: string, out: Rec[]): void {
  const ia = v.a;
  const ib = v.coreOnly;
  // Collected in the walk's scratch list and copied at their exact count: a change lives as long
  // as the result, and an array grown by push keeps room for 16.
  const fields = w.scratch;
  fields.length = 0;
  // composefsView keeps the permission bits and replaces only the type of an escaped whiteout.
  const ma = (ia.mode & ~S_IFMT) | viewType;
  const mb = (ib.mode & ~S_IFMT) | viewType;
  if (ma !== mb) fields.push({ field: 'mode', before: formatMode(ma), after: formatMode(mb) });
  if (!w.ignore.ownership) {
    if (ia.uid !== ib.uid) fields.push({ field: 'uid', before: String(ia.uid), after: String(ib.uid) });
    if (ia.gid !== ib.gid) fields.push({ field: 'gid', before: String(ia.gid), after: String(ib.gid) });
  }
  if (!w.ignore.mtime && (ia.mtimeSec !== ib.mtimeSec || ia.mtimeNsec !== ib.mtimeNsec)) {
    fields.push({ field: 'mtime', before: formatMtime(ia.mtimeSec, ia.mtimeNsec), after: formatMtime(ib.mtimeSec, ib.mtimeNsec) });
  }
  if (ia.nlink !== ib.nlink) fields.push({ field: 'nlink', before: String(ia.nlink), after: String(ib.nlink) });
  const linkA = ia.nlink > 1 ? ia.nid : undefined;
  const linkB = ib.nlink > 1 ? ib.nid : undefined;
  if (!fields.length && linkA === undefined && linkB === undefined) return;
  const rec: Shared = { kind: 'modified', path, nodeKind: rawViewKind(ib.mode, ib.iu, viewType), fields: fields.slice() };
  out.push(rec);
  if (linkA !== undefined || linkB !== undefined) w.links.set(rec, { linkA, linkB });
}

/** Unchanged non-directories need nothing more; everything else goes to diffEntry. */
const settled = (v: Verdict): boolean => v !== undefined && v !== NEEDS_READ && 'kind' in v && v.kind !== 'dir' && v.nlink <= 1;

async function diffPair(w: Walk, na: ImageNode, nb: ImageNode, path: string, out: Rec[], sameData = false): Promise<void> {
  const sa: Side = { reader: w.a, node: na, view: w.view(na) };
  const sb: Side = { reader: w.b, node: nb, view: w.view(nb) };
  const fields = compareMeta(sa, sb, w);
  if (!sameData && (na.kind === 'file' || nb.kind === 'file')) {
    const data = await compareData(sa, sb);
    if (data) insertBeforeXattrs(fields, data);
  }
  const linkA = linkId(na);
  const linkB = linkId(nb);
  if (fields.length || linkA !== undefined || linkB !== undefined) {
    const rec: Shared = { kind: 'modified', path, nodeKind: viewKind(sb.view), fields };
    out.push(rec);
    if (linkA !== undefined || linkB !== undefined) w.links.set(rec, { linkA, linkB });
  }
  if (na.kind === 'dir' && nb.kind === 'dir') return diffDir(w, na.id, nb.id, path, out);
  // A directory replaced by something else (or the reverse): everything below it went or came.
  if (na.kind === 'dir') await listChildren(w, 'removed', na.id, path, out);
  else if (nb.kind === 'dir') await listChildren(w, 'added', nb.id, path, out);
}

async function diffDir(w: Walk, idA: number, idB: number, path: string, out: Rec[]): Promise<void> {
  enterDir(w.seenA, idA, path);
  enterDir(w.seenB, idB, path);
  const ea = await entriesOf(w.a, idA, path);
  w.onProgress?.((w.entriesSeen += ea.length));
  const prefix = dirPrefix(path);
  // Identical dirents mean identical lists, except in a composefs root, where which entries are
  // hidden depends on the nodes too.
  if (path !== '/' && (await w.shortcut?.sameEntries(idA, idB))) {
    for (const e of ea) {
      const v = w.shortcut!.examine(e.id, e.id);
      if (settled(v)) continue;
      if (v && v !== NEEDS_READ && 'coreOnly' in v && v.viewType !== undefined && w.rawView) coreChange(w, v, v.viewType, childPath(prefix, e.name), out);
      else await diffEntry(w, e.id, e.id, v, prefix, e.name, out);
    }
    return;
  }
  const eb = await entriesOf(w.b, idB, path);
  let i = 0;
  let j = 0;
  while (i < ea.length || j < eb.length) {
    const c = i >= ea.length ? 1 : j >= eb.length ? -1 : compareBytes(ea[i]!.name, eb[j]!.name);
    if (c === 0) {
      const x = ea[i++]!;
      const y = eb[j++]!;
      const v = w.shortcut?.examine(x.id, y.id);
      if (settled(v)) continue;
      // The common change of a rebuild (mtimes, modes, owners) settled without an await.
      if (v && v !== NEEDS_READ && 'coreOnly' in v && v.viewType !== undefined && w.rawView) coreChange(w, v, v.viewType, childPath(prefix, x.name), out);
      else await diffEntry(w, x.id, y.id, v, prefix, x.name, out);
    } else {
      const e = c < 0 ? ea[i++]! : eb[j++]!;
      const pending = listEntry(w, c < 0 ? 'removed' : 'added', e.id, prefix, e.name, out);
      if (pending) await pending;
    }
  }
}

/** Records for everything below a directory that exists on one side only; returns its entries' combined key. */
async function listChildren(w: Walk, kind: 'added' | 'removed', id: number, path: string, out: Rec[]): Promise<number> {
  const reader = kind === 'removed' ? w.a : w.b;
  enterDir(kind === 'removed' ? w.seenA : w.seenB, id, path);
  let key = 0;
  const prefix = dirPrefix(path);
  for (const e of await entriesOf(reader, id, path)) {
    const at = out.length;
    // Most entries are files whose bytes are all cached: no promise, no await.
    const pending = listEntry(w, kind, e.id, prefix, e.name, out);
    if (pending) await pending;
    key = childHash(key, e.name, (out[at] as OneSided).key);
  }
  return key;
}

/**
 * A one-sided entry and, for a directory, everything below it, in name order, with their keys.
 * A non-directory the shortcut can read from raw bytes is not decoded: pairRenames decodes it
 * only if its key meets one on the other side. Returns a promise only when it has to wait for
 * bytes or descend into a directory.
 */
function listEntry(w: Walk, kind: 'added' | 'removed', id: number, prefix: string, name: Uint8Array, out: Rec[]): Promise<void> | undefined {
  const raw = w.rawView ? w.shortcut?.facts(kind === 'removed' ? 'a' : 'b', id) : undefined;
  if (raw) {
    const ino = raw.ino;
    const mode = (ino.mode & ~S_IFMT) | raw.viewType;
    out.push({
      kind, dir: prefix, name, nodeKind: rawViewKind(ino.mode, ino.iu, raw.viewType), id, key: rawKey(w.ignore, ino, raw.viewType),
      hash: undefined, content: undefined, descendants: 0, link: ino.nlink > 1 ? id : undefined,
    });
    return undefined;
  }
  const reader = kind === 'removed' ? w.a : w.b;
  const node = reader.tryNode!(id);
  if (node) return listNode(w, kind, reader, node, prefix, name, out);
  return reader.node(id).then((n) => listNode(w, kind, reader, n, prefix, name, out));
}

/** A one-sided entry from its decoded node: a non-directory gets its identity at once, since it is decoded anyway. */
function listNode(
  w: Walk, kind: 'added' | 'removed', reader: ImageReader, node: ImageNode, prefix: string, name: Uint8Array, out: Rec[],
): Promise<void> | undefined {
  const view = w.view(node);
  const rec: OneSided = {
    kind, dir: prefix, name, nodeKind: viewKind(view), id: node.id,
    key: nodeKey(w.ignore, node, view), hash: undefined, content: undefined, descendants: 0, link: linkId(node),
  };
  out.push(rec);
  if (node.kind === 'dir') return listDir(w, kind, rec, out);
  return identifyNode(w, rec, reader, node, view);
}

async function listDir(w: Walk, kind: 'added' | 'removed', rec: OneSided, out: Rec[]): Promise<void> {
  const at = out.length;
  rec.key = childHash(rec.key, new Uint8Array(0), await listChildren(w, kind, rec.id, oneSidedPath(rec), out));
  rec.descendants = out.length - at;
}

/** Sets a one-sided non-directory's identity hash (in-image data included) and content flag. */
function identify(w: Walk, rec: OneSided): Promise<void> | undefined {
  const reader = rec.kind === 'removed' ? w.a : w.b;
  const node = reader.tryNode!(rec.id);
  if (node) return identifyNode(w, rec, reader, node, w.view(node));
  return reader.node(rec.id).then((n) => identifyNode(w, rec, reader, n, w.view(n)));
}

function identifyNode(w: Walk, rec: OneSided, reader: ImageReader, node: ImageNode, view: ContentView): Promise<void> | undefined {
  const side: Side = { reader, node, view };
  const hash = identityHash(side, w.ignore, w.xattrHashes);
  rec.hash = hash;
  rec.content = hasContent(side);
  if (!dataInImage(side) || node.size > HASHED_DATA_LIMIT) return undefined;
  const cached = w.shortcut?.inlineData(rec.kind === 'removed' ? 'a' : 'b', node);
  if (cached) {
    rec.hash = dataHash(hash, cached);
    return undefined;
  }
  return reader.readData(node.id, 0, node.size).then((data) => {
    rec.hash = dataHash(hash, data);
  });
}

/**
 * Adds a `hardlink:<path>` change for each other path that shares a path's inode in one image but
 * not in the other (one field per partner, like xattrs, so paths never need a separator).
 */
function compareHardlinks(recs: Rec[], links: Map<Shared, Links>): void {
  const groupsA = new Map<number, string[]>();
  const groupsB = new Map<number, string[]>();
  const add = (groups: Map<number, string[]>, id: number | undefined, path: string) => {
    if (id === undefined) return;
    const group = groups.get(id);
    if (group) group.push(path);
    else groups.set(id, [path]);
  };
  for (const r of recs) {
    if (r.kind !== 'modified' && r.link !== undefined) add(r.kind === 'removed' ? groupsA : groupsB, r.link, oneSidedPath(r));
  }
  for (const [r, l] of links) {
    add(groupsA, l.linkA, r.path);
    add(groupsB, l.linkB, r.path);
  }
  const partners = (groups: Map<number, string[]>, id: number | undefined, self: string): Set<string> =>
    new Set(id === undefined ? [] : (groups.get(id) ?? []).filter((p) => p !== self));
  for (const [r, l] of links) {
    const before = partners(groupsA, l.linkA, r.path);
    const after = partners(groupsB, l.linkB, r.path);
    for (const p of [...new Set([...before, ...after])].sort()) {
      if (before.has(p) !== after.has(p)) r.fields.push(fieldChange(`hardlink:${p}`, before.has(p) ? 'linked' : undefined, after.has(p) ? 'linked' : undefined));
    }
  }
}

/**
 * The reader with its decoding calls marking failures as coming from `side`. Other properties
 * (format specifics the shortcut uses) show through the prototype.
 */
function sided(r: ImageReader, side: ImageSide): ImageReader {
  const w = Object.create(r) as ImageReader;
  w.node = (id) => onSide(side, () => r.node(id));
  w.children = (id) => onSide(side, () => r.children(id));
  w.readData = (id, offset, length) => onSide(side, () => r.readData(id, offset, length));
  if (r.dataMap) w.dataMap = (id) => onSide(side, () => r.dataMap!(id));
  // Called once per node of a walk: no closure per call.
  const tryNode = r.tryNode?.bind(r);
  const tryChildren = r.tryChildren?.bind(r);
  w.tryNode = (id) => {
    try {
      return tryNode?.(id);
    } catch (e) {
      throw markSide(e, side);
    }
  };
  w.tryChildren = (id) => {
    try {
      return tryChildren?.(id);
    } catch (e) {
      throw markSide(e, side);
    }
  };
  return w;
}

/** diffImages with the composefs view supplied by the caller (index.ts binds the real one). */
export interface EngineOptions extends DiffOptions {
  /** Decode and compare every node even where raw bytes prove it unchanged (tests use this to check the shortcut). */
  exhaustive?: boolean;
  /** Told the number of directory entries of image A met so far, once per directory (a CLI progress line). */
  onProgress?: (entries: number) => void;
}

export async function diffWithView(a: ImageReader, b: ImageReader, view: ViewFn, options: EngineOptions = {}): Promise<DiffResult> {
  const w: Walk = {
    a: sided(a, 'a'),
    b: sided(b, 'b'),
    view,
    ignore: compileIgnore(options),
    sameFormat: a.format === b.format,
    xattrHashes: new WeakMap(),
    seenA: new Set(),
    seenB: new Set(),
    links: new Map(),
    rawView: view === composefsContent,
    scratch: [],
    entriesSeen: 0,
    onProgress: options.onProgress,
    shortcut: options.exhaustive ? undefined : await erofsShortcut(a, b),
    identify: (r) => identify(w, r),
  };
  const recs: Rec[] = [];
  await diffEntry(w, a.rootId, b.rootId, w.shortcut?.examine(a.rootId, b.rootId), '', new Uint8Array(0), recs);
  const drop = new Uint8Array(recs.length);
  const renamedFrom = await pairRenames(w, recs, drop);
  compareHardlinks(recs, w.links);

  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, modified: 0, renamed: 0 };
  const changes: Change[] = [];
  recs.forEach((r, i) => {
    if (drop[i]) return;
    let change: Change;
    if (r.kind === 'modified') {
      if (!r.fields.length) return;
      change = r;
    } else {
      const j = renamedFrom.get(i);
      change =
        j === undefined
          ? { kind: r.kind, path: oneSidedPath(r), nodeKind: r.nodeKind, fields: [] }
          : { kind: 'renamed', path: oneSidedPath(r), oldPath: oneSidedPath(recs[j] as OneSided), nodeKind: r.nodeKind, fields: [] };
    }
    counts[change.kind]++;
    changes.push(change);
  });
  return { counts, changes };
}
