/**
 * What a directory tree on disk holds, entry by entry (type and mode, owner, mtime to the
 * nanosecond, link count, content sha256, symlink target, device number, xattrs), so two
 * extractions can be compared exactly. Paths are bytes (as latin1 strings): trees hold
 * non-UTF-8 names.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface EntrySnapshot {
  mode: string;
  uid: number;
  gid: number;
  mtimeNs: string;
  /** Link count of non-directories (a directory's depends on the host filesystem). */
  nlink?: number;
  rdev?: number;
  sha256?: string;
  target?: string;
  /** name=hex, sorted. */
  xattrs: string[];
}

type XattrApi = { listAttributesSync(p: string): string[]; getAttributeSync(p: string, n: string): Buffer | null };
const xattr = createRequire(import.meta.url)('@napi-rs/xattr') as XattrApi;

const asPath = (b: Buffer): string => b.toString('latin1');

export function xattrsOf(path: Buffer): string[] {
  // The binding takes string paths (UTF-8): a path that is not UTF-8 cannot be named to it.
  const p = path.toString('utf8');
  if (!Buffer.from(p, 'utf8').equals(path)) return ['<non-UTF-8 path: xattrs not read>'];
  try {
    return xattr
      .listAttributesSync(p)
      .map((n) => `${n}=${(xattr.getAttributeSync(p, n) ?? Buffer.alloc(0)).toString('hex')}`)
      .sort();
  } catch (e) {
    return [`<${(e as Error).message}>`];
  }
}

export function snapshotTree(root: string): Map<string, EntrySnapshot> {
  const out = new Map<string, EntrySnapshot>();
  const visit = (abs: Buffer, rel: string) => {
    const st = lstatSync(abs, { bigint: true });
    const s: EntrySnapshot = {
      mode: st.mode.toString(8),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs.toString(),
      xattrs: xattrsOf(abs),
    };
    if (!st.isDirectory()) s.nlink = Number(st.nlink);
    if (st.isCharacterDevice() || st.isBlockDevice()) s.rdev = Number(st.rdev);
    if (st.isFile()) s.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
    if (st.isSymbolicLink()) s.target = asPath(readlinkSync(abs, { encoding: 'buffer' }));
    out.set(rel, s);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs, { encoding: 'buffer' })) {
        visit(Buffer.concat([abs, Buffer.from('/'), name]), rel === '' ? asPath(name) : `${rel}/${asPath(name)}`);
      }
    }
  };
  visit(Buffer.from(root), '');
  return out;
}
