/**
 * composefs-info's listings (`ls`, `dump`, `objects`, `missing-objects`) over any ImageReader,
 * byte-exact, except that redirects are printed correctly where composefs-info reads past them.
 * Lines are latin1 strings (one char per byte) so callers can write them byte-exact.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, toHex, type ImageReader, type Xattr } from '../model.ts';
import { walk, type WalkEntry, type WalkProblem } from '../walk.ts';
import { composefsView, isBookkeepingWhiteout, type ComposefsView } from './overlay.ts';
import { cstr, ESCAPE_EQUAL, ESCAPE_LONE_DASH, ESCAPE_STANDARD, NOESCAPE_SPACE, escapeBytes, latin1 } from './escape.ts';

export interface ComposefsEntry extends WalkEntry {
  view: ComposefsView;
}

/** composefs-info reads file content only for flat (uncompressed, non-chunked) layouts. */
const hasFlatContent = (e: ComposefsEntry) =>
  (e.view.mode & S_IFMT) === S_IFREG && e.view.size > 0 && (e.node.data.kind === 'inline' || e.node.data.kind === 'blocks');

/**
 * Walks the image as composefs-info loads it: name-sorted depth-first, the composefs root's 256
 * bookkeeping whiteouts "00".."ff" left out, overlay xattrs interpreted.
 */
export async function walkComposefs(
  reader: ImageReader,
  visit: (e: ComposefsEntry) => void | Promise<void>,
  onProblem?: (p: WalkProblem) => void,
): Promise<void> {
  await walk(reader, (e) => {
    const ce = e as ComposefsEntry;
    ce.view = composefsView(e.node);
    return visit(ce);
  }, {
    skip: (node, entry, depth) => isBookkeepingWhiteout(reader.format, depth, entry.name, node),
    ...(onProblem ? { onProblem } : {}),
  });
}

export function lsLine(e: ComposefsEntry): string {
  let s = escapeBytes(e.path, NOESCAPE_SPACE);
  if (e.hardlinkOf) return s + '\n';
  const type = e.view.mode & S_IFMT;
  if (type === S_IFDIR) s += '/\t';
  else if (type === S_IFLNK) s += '\t-> ' + escapeBytes(cstr(e.node.target ?? new Uint8Array()), ESCAPE_STANDARD);
  else if (type === S_IFREG && e.view.payload) s += '\t@ ' + escapeBytes(cstr(e.view.payload), ESCAPE_STANDARD);
  return s + '\n';
}

/**
 * One dump line. `memo` (owned by the caller, one per walk) caches the text of shared xattrs, which
 * the reader hands out as the same object for every inode that references them.
 */
export async function dumpLine(reader: ImageReader, e: ComposefsEntry, memo?: WeakMap<Xattr, string>): Promise<string> {
  return formatDumpLine(e, needsContent(e) ? await reader.readData(e.id, 0, e.view.size) : undefined, memo);
}

/** Does this entry's dump line show file content (which must then be read)? */
export const needsContent = (e: ComposefsEntry): boolean => hasFlatContent(e);

/** The dump line, given the file content when needsContent(e). */
export function formatDumpLine(e: ComposefsEntry, content: Uint8Array | undefined, memo?: WeakMap<Xattr, string>): string {
  const v = e.view;
  const n = e.node;
  const type = v.mode & S_IFMT;
  let s = escapeBytes(e.path, ESCAPE_STANDARD);
  s += ` ${v.size} ${e.hardlinkOf ? '@' : ''}${v.mode.toString(8)} ${n.nlink} ${n.uid} ${n.gid} ${v.rdev >>> 0} ${n.mtime.sec}.${n.mtime.nsec} `;
  const payload = e.hardlinkOf ?? (type === S_IFLNK ? n.target : type === S_IFREG ? v.payload : undefined);
  s += payload ? escapeBytes(cstr(payload), ESCAPE_LONE_DASH) : '-';
  s += ' ';
  s += content ? escapeBytes(content, ESCAPE_LONE_DASH) : '-';
  s += v.digest ? ' ' + toHex(v.digest) : ' -';
  for (const x of v.xattrs) {
    let t = x.shared ? memo?.get(x) : undefined;
    if (t === undefined) {
      t = ' ' + escapeBytes(cstr(x.name), ESCAPE_EQUAL) + '=' + escapeBytes(x.value, ESCAPE_EQUAL);
      if (x.shared) memo?.set(x, t);
    }
    s += t;
  }
  return s + '\n';
}

/**
 * The distinct backing-object paths of regular files as latin1 strings (one char per byte), sorted
 * as strcmp sorts them: a string Set and the default sort (code-unit order, which for one-byte
 * chars is byte order) cost a fraction of byte arrays with a comparator.
 */
export async function collectObjectNames(reader: ImageReader, onProblem?: (p: WalkProblem) => void): Promise<string[]> {
  const seen = new Set<string>();
  // A bulk walk: one large read of the whole image beats thousands of small cached ones.
  const bulk = reader as { prefetchAll?: () => Promise<boolean> };
  if (bulk.prefetchAll) await bulk.prefetchAll();
  await walkComposefs(
    reader,
    (e) => {
      if (e.hardlinkOf || (e.view.mode & S_IFMT) !== S_IFREG || !e.view.payload) return;
      seen.add(latin1(cstr(e.view.payload)));
    },
    onProblem,
  );
  return [...seen].sort();
}

/** The distinct backing-object paths of regular files, sorted as strcmp sorts them. */
export async function collectObjects(reader: ImageReader, onProblem?: (p: WalkProblem) => void): Promise<Uint8Array[]> {
  return (await collectObjectNames(reader, onProblem)).map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));
}

/** Object path relative to a base directory, as composefs-info resolves it (leading '/'s dropped). */
export function objectRelativePath(payload: Uint8Array): Uint8Array {
  let i = 0;
  while (i < payload.length && payload[i] === 0x2f) i++;
  return payload.subarray(i);
}

/** objectRelativePath of a latin1 object name (as collectObjectNames gives them). */
export function objectRelativeName(name: string): string {
  let i = 0;
  while (i < name.length && name.charCodeAt(i) === 0x2f) i++;
  return name.slice(i);
}
