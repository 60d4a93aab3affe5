/**
 * composefs-info's listings (`ls`, `dump`, `objects`, `missing-objects`) over any ImageReader,
 * byte-exact, except that redirects are printed correctly where composefs-info reads past them.
 * Lines are written as bytes into a ByteWriter (bulk output), or as latin1 strings (one char per
 * byte) for callers that want one line.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, toHex, type ImageReader, type Xattr } from '../model.ts';
import { walk, type WalkEntry, type WalkProblem } from '../walk.ts';
import { composefsView, isBookkeepingWhiteout, type ComposefsView, type ImageKind } from './overlay.ts';
import { ByteWriter } from '../bytes/writer.ts';
import { cstr, ESCAPE_EQUAL, ESCAPE_LONE_DASH, ESCAPE_STANDARD, NOESCAPE_SPACE, latin1, writeEscaped } from './escape.ts';

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
    skip: (node, entry, depth) => isBookkeepingWhiteout(reader as ImageKind, depth, entry.name, node),
    ...(onProblem ? { onProblem } : {}),
  });
}

/** The `ls` line, into a ByteWriter. */
export function writeLsLine(w: ByteWriter, e: ComposefsEntry): void {
  writeEscaped(w, e.path, NOESCAPE_SPACE);
  if (!e.hardlinkOf) {
    const type = e.view.mode & S_IFMT;
    if (type === S_IFDIR) w.latin1('/\t');
    else if (type === S_IFLNK) {
      w.latin1('\t-> ');
      writeEscaped(w, cstr(e.node.target ?? EMPTY), ESCAPE_STANDARD);
    } else if (type === S_IFREG && e.view.payload) {
      w.latin1('\t@ ');
      writeEscaped(w, cstr(e.view.payload), ESCAPE_STANDARD);
    }
  }
  w.byte(0x0a);
}

const EMPTY = new Uint8Array(0);

/** One line as a latin1 string (one char per byte), through a scratch writer. */
function lineString(write: (w: ByteWriter) => void): string {
  const w = new ByteWriter();
  write(w);
  return latin1(w.view());
}

export function lsLine(e: ComposefsEntry): string {
  return lineString((w) => writeLsLine(w, e));
}

/**
 * One dump line. `memo` (owned by the caller, one per walk) caches the bytes of shared xattrs,
 * which the reader hands out as the same object for every inode that references them.
 */
export async function dumpLine(reader: ImageReader, e: ComposefsEntry, memo?: WeakMap<Xattr, Uint8Array>): Promise<string> {
  return formatDumpLine(e, needsContent(e) ? await reader.readData(e.id, 0, e.view.size) : undefined, memo);
}

/** Does this entry's dump line show file content (which must then be read)? */
export const needsContent = (e: ComposefsEntry): boolean => hasFlatContent(e);

/** The dump line, given the file content when needsContent(e). */
export function formatDumpLine(e: ComposefsEntry, content: Uint8Array | undefined, memo?: WeakMap<Xattr, Uint8Array>): string {
  return lineString((w) => writeDumpLine(w, e, content, memo));
}

/** The dump line into a ByteWriter, given the file content when needsContent(e). */
export function writeDumpLine(w: ByteWriter, e: ComposefsEntry, content: Uint8Array | undefined, memo?: WeakMap<Xattr, Uint8Array>): void {
  const v = e.view;
  const n = e.node;
  const type = v.mode & S_IFMT;
  writeEscaped(w, e.path, ESCAPE_STANDARD);
  w.byte(0x20);
  w.dec(v.size);
  w.byte(0x20);
  if (e.hardlinkOf) w.byte(0x40);
  w.oct(v.mode);
  w.byte(0x20);
  w.dec(n.nlink);
  w.byte(0x20);
  w.dec(n.uid);
  w.byte(0x20);
  w.dec(n.gid);
  w.byte(0x20);
  w.dec(v.rdev >>> 0);
  w.byte(0x20);
  w.dec(n.mtime.sec);
  w.byte(0x2e);
  w.dec(n.mtime.nsec);
  w.byte(0x20);
  const payload = e.hardlinkOf ?? (type === S_IFLNK ? n.target : type === S_IFREG ? v.payload : undefined);
  if (payload) writeEscaped(w, cstr(payload), ESCAPE_LONE_DASH);
  else w.byte(0x2d);
  w.byte(0x20);
  if (content) writeEscaped(w, content, ESCAPE_LONE_DASH);
  else w.byte(0x2d);
  w.byte(0x20);
  if (v.digest) w.hex(v.digest);
  else w.byte(0x2d);
  for (const x of v.xattrs) {
    const known = x.shared ? memo?.get(x) : undefined;
    if (known) {
      w.bytes(known);
      continue;
    }
    const from = w.len;
    w.byte(0x20);
    writeEscaped(w, cstr(x.name), ESCAPE_EQUAL);
    w.byte(0x3d);
    writeEscaped(w, x.value, ESCAPE_EQUAL);
    if (x.shared) memo?.set(x, w.buf.slice(from, w.len));
  }
  w.byte(0x0a);
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
  const names = [...seen];
  seen.clear(); // its table is as big as the array: not both through the sort and the output
  return names.sort();
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
