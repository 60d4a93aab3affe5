/**
 * cfs-inspect cat IMAGE PATH: a file's content on stdout, from the image itself (inline, blocks,
 * chunks, compressed clusters, tar members) or from its backing object in the store.
 * Exit 0 printed, 1 the object is missing, damaged or (with --verify) does not have its digest,
 * 2 usage, an unreadable image or a path that is not a regular file.
 */
import { statSync, writeSync } from 'node:fs';
import { composefsView } from '../../../shared/composefs/overlay.ts';
import { displayBytes } from '../../../shared/diff/text.ts';
import { S_IFMT, S_IFREG, toHex } from '../../../shared/model.ts';
import { findObjectStores } from '../../object-store.ts';
import { ContentError, contentOrigin, lookupImagePath, readContent } from '../../services/content.ts';
import { digestFileSync } from '../../verity/node-hash.ts';
import { createResolver, type Resolver } from '../../verity/store.ts';
import { CliError, UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';

/** The stores named with --basedir (each must be a directory), else `objects/` found beside the image. */
export async function storesFor(image: string, basedirs: string[]): Promise<Resolver> {
  for (const s of basedirs) {
    let isDir = false;
    try {
      isDir = statSync(s).isDirectory();
    } catch {
      throw new CliError(`${s}: no such directory`);
    }
    if (!isDir) throw new CliError(`${s}: not a directory`);
  }
  return createResolver(basedirs.length > 0 ? basedirs : await findObjectStores(image));
}

/** Writes all of `bytes` to a file descriptor; false when the reader went away (EPIPE). */
export function writeAll(fd: number, bytes: Uint8Array): boolean {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return false;
      throw e;
    }
  }
  return true;
}

const OPTIONS: OptionSpec[] = [
  { name: 'basedir', value: 'DIR', repeatable: true, help: 'object store holding the backing objects (tried in order)' },
  { name: 'verify', help: 'refuse an object whose fs-verity digest does not match the image' },
];

const command: Command = {
  usage: 'cat IMAGE PATH [--basedir DIR] [--basedir DIR2] [--verify]',
  options: OPTIONS,
  summary: "write a file's content to stdout (--verify: refuse an object whose digest does not match)",
  async run({ args, out, err }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length !== 2) throw new UsageError('needs an IMAGE and a PATH in it');
    const [image, path] = positional as [string, string];
    const resolver = await storesFor(image, flags.get('basedir') ?? []);
    const verify = flags.has('verify');
    return withImage(image, async (reader) => {
      const found = await lookupImagePath(reader, Buffer.from(path, 'utf8'));
      if ('missing' in found) throw new CliError(`${path}: ${found.missing}`);
      const { id, node } = found;
      const view = composefsView(node);
      if ((view.mode & S_IFMT) !== S_IFREG) {
        const what = node.kind === 'symlink' ? `a symlink to ${displayBytes(node.target ?? new Uint8Array())}` : `a ${node.kind}, not a regular file`;
        throw new CliError(`${path}: is ${what}`);
      }
      const origin = contentOrigin(node, view, resolver);
      if (origin.kind === 'unavailable') {
        err(`${path}: ${origin.reason}: ${origin.message}${origin.objectPath ? ` (${origin.objectPath})` : ''}`);
        return 1;
      }
      if (verify && origin.kind === 'object') {
        // Checked before the first byte goes out: output cannot be taken back.
        if (!origin.digest) {
          err(`${path}: no fs-verity digest is recorded for its object, so it cannot be verified (${origin.path})`);
          return 1;
        }
        const actual = digestFileSync(origin.path, { noFollow: true }).digest;
        if (toHex(actual) !== toHex(origin.digest)) {
          err(`${path}: mismatch: expected sha256:${toHex(origin.digest)}, object has sha256:${toHex(actual)} (${origin.path})`);
          return 1;
        }
      }
      out.flush();
      try {
        for await (const piece of readContent(reader, id, view.size, origin)) if (!writeAll(1, piece)) break;
      } catch (e) {
        if (!(e instanceof ContentError)) throw e;
        err(`${path}: ${e.reason}: ${e.message}${e.objectPath ? ` (${e.objectPath})` : ''}`);
        return 1;
      }
      return 0;
    });
  },
};
export default command;
