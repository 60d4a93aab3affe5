/**
 * Recently opened images, most recent first, persisted as JSON in the app's userData folder.
 * The file is user-editable state, so anything unreadable in it is dropped rather than trusted,
 * and every write goes through a temp file + rename so a crash never leaves half a list.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export const RECENT_LIMIT = 10;

/** A JSON document on disk with serialised, atomic writes. Also used for the object-store choices. */
export interface JsonFile {
  read(): Promise<unknown>;
  write(value: unknown): Promise<void>;
}

export function jsonFile(path: string): JsonFile {
  let queue: Promise<void> = Promise.resolve();
  let seq = 0;
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined; // a corrupt settings file must not keep the app from starting
      }
    },
    write(value) {
      const text = JSON.stringify(value, null, 2) + '\n';
      // Writes are chained so two quick updates cannot rename over each other out of order.
      const run = async () => {
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.${++seq}.tmp`;
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, path);
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

export interface RecentFiles {
  /** Most recent first. */
  list(): string[];
  /** Moves (or inserts) the path to the front and persists. */
  add(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  clear(): Promise<void>;
}

const normalise = (p: string): string => resolve(p);

function sanitise(stored: unknown, limit: number): string[] {
  const files = (stored as { files?: unknown } | undefined)?.files;
  if (!Array.isArray(files)) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of files) {
    if (typeof f !== 'string' || f === '' || f.includes('\0')) continue;
    const p = normalise(f);
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    if (out.length === limit) break;
  }
  return out;
}

export async function loadRecentFiles(path: string, limit: number = RECENT_LIMIT): Promise<RecentFiles> {
  const file = jsonFile(path);
  let files = sanitise(await file.read(), limit);
  const save = () => file.write({ version: 1, files });
  return {
    list: () => [...files],
    add(p) {
      const n = normalise(p);
      files = [n, ...files.filter((f) => f !== n)].slice(0, limit);
      return save();
    },
    remove(p) {
      const n = normalise(p);
      files = files.filter((f) => f !== n);
      return save();
    },
    clear() {
      files = [];
      return save();
    },
  };
}
