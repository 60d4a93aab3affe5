/**
 * missing-objects: backing objects an object store does not hold. An object is looked up exactly as
 * verify looks it up (electron/verity/store.ts): a redirect that would leave the store (absolute,
 * '..', a symlink out, not UTF-8) is never probed; it is reported on stderr and the exit code is 2.
 *
 * The common name, "XX/<hex>", is answered from one directory listing per fan-out directory instead
 * of one lstat per object: a store holds objects in a few hundred directories, an image names up to
 * millions of objects, and a missing one then costs no exception. The listing only answers when it
 * cannot be fooled: the fan-out directory is a real directory inside the store and the entry is a
 * regular file; a symlink, or any other name, goes through the resolver.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { collectObjectNames } from '../../../shared/composefs/dump.ts';
import { createResolver, type Resolver } from '../../verity/store.ts';
import { UsageError, checkStoreDirs, parseOptions, writeLines, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { failOnProblems, problemCollector } from '../problems.ts';

const PLAIN_NAME = /^([0-9a-f]{2})\/([0-9a-f]{2,254})$/;

type Lookup = { found: true } | { found: false; reason: 'missing' | 'escape' | 'unreadable' | 'no-store'; message: string };

/** Existence of objects in one store: listings for plain names, the resolver for everything else. */
export function storeLookup(stores: string | string[], resolver: Resolver = createResolver(typeof stores === 'string' ? [stores] : stores)): (name: string) => Lookup {
  // Per fan-out directory: names of regular files, names of other entries (which need the resolver), or null when absent.
  const listings = new Map<string, { files: Set<string>; other: Set<string> } | null>();
  const viaResolver = (name: string): Lookup => {
    const r = resolver.resolve(Buffer.from(name, 'latin1'));
    return r.ok ? { found: true } : { found: false, reason: r.reason, message: r.message };
  };
  return (name) => {
    const m = PLAIN_NAME.exec(name);
    if (!m || resolver.roots.length !== 1) return viaResolver(name);
    const dir = m[1]!;
    let listing = listings.get(dir);
    if (listing === undefined) {
      listing = null;
      const st = lstatSync(join(resolver.roots[0]!, dir), { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        listing = { files: new Set(), other: new Set() };
        for (const d of readdirSync(join(resolver.roots[0]!, dir), { withFileTypes: true })) (d.isFile() ? listing.files : listing.other).add(d.name);
      } else if (st) {
        return viaResolver(name); // a symlink or a file where the fan-out directory should be: not cached
      }
      listings.set(dir, listing);
    }
    if (listing === null) return { found: false, reason: 'missing', message: 'no such object in the object store' };
    if (listing.files.has(m[2]!)) return { found: true };
    if (listing.other.has(m[2]!)) return viaResolver(name);
    return { found: false, reason: 'missing', message: 'no such object in the object store' };
  };
}

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store to look in; an object is missing when no store has it' },
  { name: 'json', help: 'print the missing object paths as a JSON array' },
];

const command: Command = {
  usage: 'missing-objects IMAGE... --basedir DIR [--basedir DIR2] [--json]',
  options: OPTIONS,
  summary: 'list backing objects not present in the object store',
  async run({ args, out, err }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('needs an IMAGE');
    const stores = flags.get('basedir') ?? [];
    if (stores.length === 0) throw new UsageError('needs --basedir DIR (the object store)');
    await checkStoreDirs(stores);
    const lookup = storeLookup(stores);
    const problems = problemCollector();
    const missing = new Set<string>();
    for (const path of positional) {
      await withImage(path, async (r) => {
        for (const o of await collectObjectNames(r, problems.add(path))) {
          const found = lookup(o);
          if (found.found) continue;
          if (found.reason === 'missing') missing.add(o);
          else problems.list.push(`${path}: object ${JSON.stringify(o)}: ${found.reason === 'escape' ? 'refused' : 'unreadable'}: ${found.message}`);
        }
      });
    }
    const sorted = positional.length > 1 ? [...missing].sort() : [...missing];
    if (flags.has('json')) out.text(JSON.stringify(sorted.map((k) => Buffer.from(k, 'latin1').toString('utf8')), null, 2) + '\n');
    else writeLines(out, sorted);
    return failOnProblems(problems, err);
  },
};
export default command;
