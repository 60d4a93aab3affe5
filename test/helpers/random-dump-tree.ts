/**
 * Random dump trees for the composefs writers' tests: every entry type, names with odd bytes,
 * directories spilling into blocks, long symlinks, hardlinks, shared and escaped xattrs.
 */
import type { DumpEntry } from '../../shared/composefs/dumpfile.ts';
import { treeFromSpecs, type EntrySpec } from '../../shared/composefs/writer-tree.ts';
import { stringToBytes, toHex } from '../../shared/model.ts';
import { mulberry32 } from './prng.ts';

const B = stringToBytes;

export interface RandomTreeOptions {
  /** Largest inline file: format 2 keeps a file's data inline whole, so it must fit one block with its inode. */
  inlineMax?: number;
  /** Longest symlink target: format 2 keeps it inline too. */
  symlinkMax?: number;
  /** Digest length of external files: 32 (sha256) or 64 (sha512, format 2 only). */
  digestSize?: 32 | 64;
}

/** A random tree exercising the layout rules: block-sized dirs, tails, long symlinks, shared xattrs. */
export function randomTree(seed: number, options: RandomTreeOptions = {}): DumpEntry {
  const inlineMax = options.inlineMax ?? 5000;
  const symlinkMax = options.symlinkMax ?? 4095;
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
  const randBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const nameBytes = [...B('abcxyz-._=\\ \n\t'), 0xff, 0xc3, 0xa9, 0x7f, 0x01];
  const name = (): Uint8Array => {
    const len = r() < 0.1 ? 200 + int(56) : 1 + int(12);
    const n = Uint8Array.from({ length: len }, () => pick(nameBytes));
    return (n.length === 1 && n[0] === 0x2e) || (n.length === 2 && n[0] === 0x2e && n[1] === 0x2e) ? B('dot') : n;
  };
  const xattrPool: [string, Uint8Array][] = [
    ['security.selinux', B('system_u:object_r:etc_t:s0\0')],
    ['user.shared', B('same')],
    ['trusted.overlay.mine', B('escaped')],
    ['user.overlay.redirect', B('/not-escaped')],
    ['system.posix_acl_access', Uint8Array.from([2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff])],
    ['lustre.lov', B('x')],
  ];
  const xattrs = (): [Uint8Array, Uint8Array][] => {
    const out: [Uint8Array, Uint8Array][] = [];
    const n = r() < 0.5 ? 0 : int(5);
    for (let i = 0; i < n; i++) {
      if (r() < 0.6) {
        const [k, v] = pick(xattrPool);
        out.push([B(k), v]);
      } else {
        out.push([B(`user.k${int(1000)}`), randBytes(r() < 0.05 ? 2000 : int(40))]);
      }
    }
    return out;
  };
  const base = 1700000000;
  const common = () => ({
    uid: r() < 0.1 ? 65536 + int(100000) : int(1000),
    gid: r() < 0.1 ? 4294967295 : int(1000),
    mtime: r() < 0.8 ? base : { sec: base + int(1e6) - 5e5, nsec: int(1e9) },
    xattrs: xattrs(),
  });
  const specs: EntrySpec[] = [{ path: '/', type: 'dir', mtime: base, xattrs: r() < 0.5 ? [[B('security.selinux'), B('root_t\0')]] : [] }];
  const dirs: Uint8Array[] = [new Uint8Array(0)];
  const files: Uint8Array[] = [];
  const join = (d: Uint8Array, n: Uint8Array) => new Uint8Array([...d, 0x2f, ...n]);
  const taken = new Set<string>();
  const count = 30 + int(250);
  for (let i = 0; i < count; i++) {
    const dir = r() < 0.7 ? pick(dirs) : dirs[dirs.length - 1]!;
    const path = join(dir, name());
    const key = toHex(path);
    if (taken.has(key)) continue;
    taken.add(key);
    const kind = r();
    if (kind < 0.15) {
      specs.push({ path, type: 'dir', ...common() });
      dirs.push(path);
      continue;
    }
    if (kind < 0.25) {
      const len = Math.min(symlinkMax, pick([1, 10, 100, 1000, 2000, 4000, 4095, 1 + int(4095)]));
      specs.push({ path, type: 'symlink', target: Uint8Array.from({ length: len }, () => 0x61 + int(26)), ...common() });
    } else if (kind < 0.3) {
      specs.push({ path, type: pick(['chardev', 'blockdev'] as const), rdev: int(2 ** 32), ...common() });
    } else if (kind < 0.33) {
      specs.push({ path, type: 'whiteout', ...common() });
    } else if (kind < 0.36) {
      specs.push({ path, type: pick(['fifo', 'socket'] as const), ...common() });
    } else if (kind < 0.6) {
      const len = Math.min(inlineMax, pick([0, 1, 64, 2048, 2049, 4095, 4096, 4097, 5000, int(5001)]));
      specs.push({ path, content: randBytes(len), nlink: 1 + int(2), ...common() });
    } else {
      const size = pick([1, 4096, 4097, 2 ** 32, 2 ** 40 + 1, 1 + int(2 ** 30)]);
      const digest = randBytes(options.digestSize ?? 32);
      const style = r();
      specs.push({
        path,
        size,
        ...(style < 0.6 ? { digest } : style < 0.8 ? { payload: `custom/${int(100)}.bin` } : {}),
        ...common(),
      });
    }
    files.push(path);
  }
  for (let i = 0; i < int(5) && files.length > 0; i++) {
    const path = join(pick(dirs), B(`link${i}`));
    if (!taken.has(toHex(path))) specs.push({ path, type: 'hardlink', target: pick(files) });
  }
  return treeFromSpecs(specs);
}

