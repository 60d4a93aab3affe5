import { lstatSync, readdirSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { collectObjectNames, objectRelativeName } from '../../../shared/composefs/dump.ts';
import { CliError, UsageError, parseArgs, type Command } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

/**
 * Existence in the store by one directory listing per fan-out directory, instead of one lstat per
 * object: a store holds objects in a few hundred directories, an image names up to millions of
 * objects, and a missing one costs no exception. A listing names what lstat would find (symlinks
 * included, not followed); names a listing cannot answer for ('', '.', '..') are looked up.
 */
export function storeLookup(basedir: string): (rel: string) => boolean {
  const listings = new Map<string, Set<string> | null>();
  return (rel) => {
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    const name = rel.slice(slash + 1);
    if (name === '' || name === '.' || name === '..') return lstatSync(join(basedir, rel), { throwIfNoEntry: false }) !== undefined;
    let names = listings.get(dir);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(join(basedir, dir)));
      } catch {
        names = null; // not there, not a directory or not readable: nothing below it can be found
      }
      listings.set(dir, names);
    }
    return names !== null && names.has(name);
  };
}

const command: Command = {
  usage: 'missing-objects IMAGE... --basedir DIR [--json]',
  summary: 'list backing objects not present in the object store',
  async run({ args, out, err }) {
    const { positional, flags } = parseArgs(args, ['basedir'], ['json']);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const basedir = flags.get('basedir')?.at(-1);
    if (!basedir) throw new UsageError('needs --basedir DIR');
    const st = await lstat(basedir).catch(() => undefined);
    if (!st?.isDirectory()) throw new CliError(`${basedir}: not a directory`);
    const problems = problemCollector();
    const missing = new Set<string>();
    const exists = storeLookup(basedir);
    for (const path of positional) {
      await withImage(path, async (r) => {
        for (const o of await collectObjectNames(r, problems.add(path))) {
          // Object names are latin1 strings of the path bytes; the file system takes them as UTF-8.
          if (!exists(Buffer.from(objectRelativeName(o), 'latin1').toString('utf8'))) missing.add(o);
        }
      });
    }
    const sorted = positional.length > 1 ? [...missing].sort() : [...missing];
    if (flags.has('json')) out.text(JSON.stringify(sorted.map((k) => Buffer.from(k, 'latin1').toString('utf8')), null, 2) + '\n');
    else for (const k of sorted) out.raw(k + '\n');
    return failOnProblems(problems, err);
  },
};
export default command;
