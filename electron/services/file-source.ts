/**
 * ByteSource over a file on disk (Node side only), and the one way the Node side opens what a user
 * names: an IMAGE must be a regular file and an object store a directory. Both are opened with
 * O_NONBLOCK and judged by fstat on the open descriptor, so a FIFO or a device is refused at once
 * (a blocking open of a FIFO waits for a writer forever) and nothing can be swapped in between.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { outOfRange, type ByteSource } from '../../shared/bytes/source.ts';

/** What a non-regular file is, for messages ("is a FIFO, not a regular file"). */
export function fileTypeName(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return st.isFile() ? 'a regular file' : 'not a file';
}

/** Error codes: EISDIR for a directory given as a file, ENOTREG for any other non-regular file, ENOTDIR for a store that is not a directory. */
const notA = (path: string, what: string, st: Stats, code: string) =>
  Object.assign(new Error(`${path}: is ${fileTypeName(st)}, not ${what}`), { code, syscall: 'open', path });

const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Opens `path` for reading without blocking, returning the handle when `accept(fstat)` holds. */
async function openChecked(path: string, flags: number, check: (st: Stats) => Error | undefined): Promise<{ fh: FileHandle; st: Stats }> {
  const fh = await open(path, constants.O_RDONLY | NONBLOCK | flags);
  try {
    const st = await fh.stat();
    const bad = check(st);
    if (bad) throw bad;
    return { fh, st };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

export async function fileSource(path: string): Promise<ByteSource & { path: string }> {
  const { fh, st } = await openChecked(path, 0, (s) =>
    s.isFile() ? undefined : notA(path, 'a regular file', s, s.isDirectory() ? 'EISDIR' : 'ENOTREG'),
  );
  const size = st.size;
  return {
    path,
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw outOfRange(offset, length, offset + done); // file shrank under us
        done += bytesRead;
      }
      return buf;
    },
    close: () => fh.close(),
  };
}

/**
 * Proves `path` is a directory (an object store, --basedir) by opening it with O_DIRECTORY and
 * O_NONBLOCK; rejects with ENOENT, ENOTDIR or EACCES otherwise.
 */
export async function assertDirectory(path: string): Promise<void> {
  // O_DIRECTORY alone refuses a FIFO with ENOTDIR before any wait; fstat covers platforms without it.
  let fh: FileHandle;
  try {
    ({ fh } = await openChecked(path, constants.O_DIRECTORY ?? 0, (s) => (s.isDirectory() ? undefined : notA(path, 'a directory', s, 'ENOTDIR'))));
  } catch (e) {
    // The kernel's ENOTDIR does not say what it is instead; stat (which opens nothing) does.
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR' || (e as Error).message.startsWith(path)) throw e;
    const st = await stat(path).catch(() => undefined);
    throw st ? notA(path, 'a directory', st, 'ENOTDIR') : e;
  }
  await fh.close();
}

/** Is `path` a directory? (assertDirectory, as a boolean for optional places.) */
export const isDirectory = (path: string): Promise<boolean> => assertDirectory(path).then(() => true, () => false);

/** One line for a failure to open a user-named path. */
export function describeOpenError(path: string, e: unknown, what: 'file' | 'directory' = 'file'): string | undefined {
  const ne = e as NodeJS.ErrnoException;
  if (ne?.code === 'ENOENT') return `${path}: no such ${what}`;
  if (ne?.code === 'EACCES') return `${path}: permission denied`;
  if (ne?.code === 'EISDIR') return `${path}: is a directory, not an image file`;
  if (ne?.code === 'ENOTREG') return (ne as Error).message;
  if (ne?.code === 'ENOTDIR') return ne.message?.startsWith(path) ? ne.message : `${path}: not a directory`;
  return undefined;
}
