/** Opening images for CLI commands: every failure becomes one clear line naming the file. */
import { DecodeError, hex } from '../../shared/bytes/cursor.ts';
import type { ImageReader } from '../../shared/model.ts';
import { openImageFile, type OpenFileOptions } from '../services/open-file.ts';
import { CliError } from './io.ts';

export function describeError(path: string, e: unknown): string {
  if (e instanceof DecodeError) return `${path}: ${e.message} [${e.code} at ${hex(e.offset)}]`;
  const ne = e as NodeJS.ErrnoException;
  if (ne?.code === 'ENOENT') return `${path}: no such file`;
  if (ne?.code === 'EACCES') return `${path}: permission denied`;
  if (ne?.code === 'EISDIR') return `${path}: is a directory, not an image file`;
  return `${path}: ${(e as Error)?.message ?? String(e)}`;
}

export async function openForCli(path: string, options: OpenFileOptions = {}): Promise<ImageReader> {
  try {
    return await openImageFile(path, options);
  } catch (e) {
    throw new CliError(describeError(path, e));
  }
}

/** Runs a whole-image walk; a decode failure anywhere becomes a CliError naming the path. */
export async function withImage<T>(path: string, fn: (r: ImageReader) => Promise<T>, options: OpenFileOptions = {}): Promise<T> {
  const r = await openForCli(path, options);
  try {
    return await fn(r);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeError(path, e));
  } finally {
    await r.close();
  }
}
