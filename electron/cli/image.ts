/** Opening images for CLI commands: every failure becomes one clear line naming the file. */
import { DecodeError, hex } from '../../shared/bytes/cursor.ts';
import type { ImageReader } from '../../shared/model.ts';
import { assertDirectory, describeOpenError } from '../services/file-source.ts';
import { openImageFile, type OpenFileOptions } from '../services/open-file.ts';
import { BUDGETS, outputLimit } from '../../shared/budgets.ts';
import { CliError, type Output } from './io.ts';
import { ByteWriter } from '../../shared/bytes/writer.ts';
import { cliBlobDirs } from './blob-dirs.ts';

export function describeError(path: string, e: unknown): string {
  if (e instanceof DecodeError) return `${path}: ${e.message} [${e.code} at ${hex(e.offset)}]`;
  const known = describeOpenError(path, e);
  if (known) return known;
  return `${path}: ${(e as Error)?.message ?? String(e)}`;
}

export async function openForCli(path: string, options: OpenFileOptions = {}): Promise<ImageReader> {
  try {
    return await openImageFile(path, { blobDirs: cliBlobDirs(), ...options });
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

/** An object store given on the command line (--basedir): a directory, or one clear line. */
export async function requireStoreDir(path: string): Promise<void> {
  try {
    await assertDirectory(path);
  } catch (e) {
    throw new CliError(describeOpenError(path, e, 'directory') ?? `${path}: ${(e as Error)?.message ?? String(e)}`);
  }
}

function spend(written: number, n: number, limit: number): number {
  if (written + n > limit) {
    throw new DecodeError(`the listing passed ${limit} bytes, the inspector's output budget for this image (BUDGETS.outputBytes, or ${BUDGETS.outputPerImageByte}x the image size); stopped`, 0, 0, 'budget.output-bytes');
  }
  return written + n;
}

/**
 * A listing's writer for one image under the output budget (BUDGETS.outputBytes, relative to the
 * image size): nested long names can make ls/dump print far more than any real image does.
 */
export function budgetedOutput(out: Output, imageSize: number, limit = outputLimit(imageSize)): (s: string) => void {
  let written = 0;
  return (s) => {
    written = spend(written, s.length, limit);
    out.raw(s);
  };
}

/** The same budget for bulk listings written as bytes: checked at each flush of the writer (every 64 KiB). */
export function budgetedWriter(out: Output, imageSize: number, limit = outputLimit(imageSize)): ByteWriter {
  let written = 0;
  return new ByteWriter((b) => {
    written = spend(written, b.length, limit);
    out.bytes(b);
  });
}
