/**
 * --blob-dir DIR: where Nydus data blobs are looked for before the bootstrap's own directory and
 * its blobs/ folder. A global option (any command that opens images honours it), also read from
 * CFS_BLOB_DIR (directories separated as in PATH), which is how main.ts hands it to the commands.
 */
import { delimiter } from 'node:path';
import { UsageError } from './io.ts';

export const BLOB_DIR_ENV = 'CFS_BLOB_DIR';

/** Removes every `--blob-dir DIR` / `--blob-dir=DIR` from the arguments and returns the directories. */
export function takeBlobDirs(args: readonly string[]): { rest: string[]; dirs: string[] } {
  const rest: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--blob-dir') {
      const v = args[++i];
      if (v === undefined) throw new UsageError('--blob-dir needs a directory');
      dirs.push(v);
    } else if (a.startsWith('--blob-dir=')) dirs.push(a.slice('--blob-dir='.length));
    else rest.push(a);
  }
  return { rest, dirs };
}

export const cliBlobDirs = (): string[] => (process.env[BLOB_DIR_ENV] ?? '').split(delimiter).filter(Boolean);
