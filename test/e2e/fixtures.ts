/**
 * Images the app tests break on purpose, made from corpus images in a temp dir (the corpus itself is
 * never written). Not a test file itself.
 */
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDump } from '../../shared/composefs/dumpfile.ts';
import { writeComposefs } from '../../shared/composefs/writer.ts';
import { corpusPath, REPO_ROOT } from '../helpers/corpus.ts';

export interface BrokenImage {
  dir: string;
  path: string;
  /** The corrupted byte range. */
  offset: number;
  length: number;
  /** Path inside the image of the node whose structure was broken. */
  nodePath: string;
}

/**
 * 01-readme with /file_b's first inline xattr entry claiming a 65535-byte value, far past the end of
 * the inode's xattr area (the entry header's e_value_size, bytes 2..3 of struct erofs_xattr_entry at
 * 9644; the offsets come from the reader's own ranges for this image, checked by the tests).
 */
export async function makeBrokenXattrImage(): Promise<BrokenImage> {
  const dir = await mkdtemp(join(tmpdir(), 'cfs-broken-'));
  const path = join(dir, 'broken.cfs');
  const bytes = new Uint8Array(await readFile(corpusPath('01-readme', 'image.cfs')));
  const offset = 9644 + 2;
  bytes[offset] = 0xff;
  bytes[offset + 1] = 0xff;
  await writeFile(path, bytes);
  await cp(corpusPath('01-readme', 'objects'), join(dir, 'objects'), { recursive: true });
  return { dir, path, offset, length: 2, nodePath: '/file_b' };
}

/** A copy of 01-readme whose object for /file_b has one byte changed, so its digest no longer matches. */
export async function makeTamperedObjectImage(): Promise<{ dir: string; path: string; objectRel: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cfs-tampered-'));
  const path = join(dir, 'image.cfs');
  await copyFile(corpusPath('01-readme', 'image.cfs'), path);
  await cp(corpusPath('01-readme', 'objects'), join(dir, 'objects'), { recursive: true });
  const dump = await readFile(corpusPath('01-readme', 'info-dump.txt'), 'utf8');
  const line = dump.split('\n').find((l) => l.startsWith('/file_b '))!;
  const objectRel = line.split(' ')[8]!;
  const obj = join(dir, 'objects', objectRel);
  const data = new Uint8Array(await readFile(obj));
  data[0] = data[0]! ^ 0x01;
  await writeFile(obj, data);
  return { dir, path, objectRel };
}

/** Entries in the big-directory fixture: the size the issue asks to scroll smoothly. */
export const HUGE_DIR_ENTRIES = 200_000;

/**
 * A composefs image whose /huge directory holds 200,000 empty files (entry-000000 ...), written by
 * our own writer. Writing it takes several seconds, so it is kept under test-output/ and reused.
 */
export async function hugeDirImage(): Promise<string> {
  const dir = join(REPO_ROOT, 'test-output', 'fixtures');
  const path = join(dir, `huge-dir-${HUGE_DIR_ENTRIES}.cfs`);
  if (existsSync(path)) return path;
  const lines = ['/ 4096 40755 3 0 0 0 1700000000.0 - - -', '/huge 4096 40755 2 0 0 0 1700000000.0 - - -'];
  for (let i = 0; i < HUGE_DIR_ENTRIES; i++) lines.push(`/huge/entry-${String(i).padStart(6, '0')} 0 100644 1 0 0 0 1700000000.0 - - -`);
  lines.push('/small 4096 40755 2 0 0 0 1700000000.0 - - -');
  const image = writeComposefs(parseDump(lines.join('\n') + '\n'));
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, image);
  await rename(tmp, path);
  return path;
}

/**
 * An image with one 512 MiB external file whose object (sparse, all zeros) sits in objects/ beside
 * it: measuring it takes long enough to watch progress and cancel. The recorded digest is made up,
 * which does not matter to a verification that is cancelled.
 */
export async function slowVerifyImage(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cfs-slow-'));
  const size = 512 << 20;
  const digest = 'ab'.repeat(32);
  const payload = `${digest.slice(0, 2)}/${digest.slice(2)}`;
  const image = writeComposefs(
    parseDump(['/ 4096 40755 2 0 0 0 1700000000.0 - - -', `/large ${size} 100644 1 0 0 0 1700000000.0 ${payload} - ${digest}`].join('\n') + '\n'),
  );
  const path = join(dir, 'slow.cfs');
  await writeFile(path, image);
  await mkdir(join(dir, 'objects', digest.slice(0, 2)), { recursive: true });
  await writeFile(join(dir, 'objects', payload), new Uint8Array(0));
  await truncate(join(dir, 'objects', payload), size);
  return { dir, path };
}
