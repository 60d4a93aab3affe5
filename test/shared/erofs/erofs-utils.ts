/**
 * Test helpers around Debian's erofs-utils (mkfs.erofs / fsck.erofs 1.5): a deterministic source
 * tree that exercises compression corner cases, images built from it, `fsck.erofs --extract` as the
 * reference listing, and the comparison of our reader's view against a reference.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDev } from '../../../shared/erofs/inode.ts';
import { bytesToString, toHex, type ImageReader } from '../../../shared/model.ts';
import { walk } from '../../../shared/walk.ts';
import { concat } from '../oci/tar-builder.ts';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Building images needs erofs-utils, and python3 to set xattrs on the source tree. */
export const erofsUtilsSkip: string | false =
  hasTool('mkfs.erofs') && hasTool('fsck.erofs') && hasTool('python3') ? false : 'erofs-utils (mkfs.erofs, fsck.erofs) or python3 not installed';

/** What a reference says about one path. Absent fields are not compared. */
export interface Expect {
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  mtimeNs?: bigint;
  nlink?: number;
  /** name -> hex value */
  xattrs?: Record<string, string>;
  sha256?: string;
  target?: string;
  rdev?: [number, number];
}

/** What our reader says about one path, with file contents hashed. */
export interface Actual {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  nlink: number;
  xattrs: Record<string, string>;
  sha256?: string;
  target?: string;
  rdev: [number, number];
  layout?: string;
}

/** Reads a file through readData in bounded windows (as a viewer would), hashing as it goes. */
export async function hashData(reader: ImageReader, id: number, size: number, window = 256 * 1024): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < size; off += window) h.update(await reader.readData(id, off, Math.min(window, size - off)));
  return h.digest('hex');
}

export async function readerView(reader: ImageReader): Promise<Map<string, Actual>> {
  const out = new Map<string, Actual>();
  const problems: string[] = [];
  await walk(
    reader,
    async (e) => {
      const n = e.node;
      const xattrs: Record<string, string> = {};
      for (const x of n.xattrs) xattrs[bytesToString(x.name)] = toHex(x.value);
      const { major, minor } = decodeDev(n.rdev);
      const a: Actual = {
        mode: n.mode, uid: n.uid, gid: n.gid, size: n.size, nlink: n.nlink, xattrs, rdev: [major, minor],
        mtimeNs: BigInt(n.mtime.sec) * 1_000_000_000n + BigInt(n.mtime.nsec),
        ...(n.layout ? { layout: n.layout } : {}),
      };
      if (n.kind === 'file') a.sha256 = await hashData(reader, e.id, n.size);
      if (n.kind === 'symlink' && n.target) a.target = bytesToString(n.target);
      out.set(bytesToString(e.path), a);
    },
    { onProblem: (p) => problems.push(`${bytesToString(p.path)}: ${p.reason} ${String(p.error)}`) },
  );
  if (problems.length) throw new Error(`walk problems:\n${problems.join('\n')}`);
  return out;
}

/** Every difference between reference and reader, one line each ("" when they agree). */
export function differences(expected: Map<string, Expect>, actual: Map<string, Actual>): string[] {
  const out: string[] = [];
  for (const p of expected.keys()) if (!actual.has(p)) out.push(`${p}: missing from the image listing`);
  for (const p of actual.keys()) if (!expected.has(p)) out.push(`${p}: not in the reference`);
  for (const [p, e] of expected) {
    const a = actual.get(p);
    if (!a) continue;
    const diff = (what: string, want: unknown, got: unknown) => {
      if (JSON.stringify(want, (_, v) => (typeof v === 'bigint' ? String(v) : v)) !== JSON.stringify(got, (_, v) => (typeof v === 'bigint' ? String(v) : v))) {
        out.push(`${p}: ${what} expected ${String(want)} got ${String(got)}${a.layout ? ` (${a.layout})` : ''}`);
      }
    };
    diff('mode', e.mode.toString(8), a.mode.toString(8));
    diff('uid', e.uid, a.uid);
    diff('gid', e.gid, a.gid);
    if (e.size !== undefined) diff('size', e.size, a.size);
    if (e.mtimeNs !== undefined) diff('mtime_ns', e.mtimeNs, a.mtimeNs);
    if (e.nlink !== undefined) diff('nlink', e.nlink, a.nlink);
    if (e.xattrs) diff('xattrs', sortKeys(e.xattrs), sortKeys(a.xattrs));
    if (e.sha256 !== undefined) diff('content sha256', e.sha256, a.sha256);
    if (e.target !== undefined) diff('symlink target', e.target, a.target);
    if (e.rdev) diff('rdev', e.rdev.join(':'), a.rdev.join(':'));
  }
  // Enough to see the pattern; a systematic mismatch would otherwise print hundreds of lines.
  return out.length > 40 ? [...out.slice(0, 40), `... and ${out.length - 40} more`] : out;
}

const sortKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The corpus's source-manifest.json as expectations. */
export function manifestExpectations(manifestPath: string, opts: { mtime: boolean }): Map<string, Expect> {
  // mtime_ns exceeds 2^53: keep its digits by reading it as a string.
  const json = readFileSync(manifestPath, 'utf8').replace(/"mtime_ns": (-?\d+)/g, '"mtime_ns": "$1"');
  const raw = JSON.parse(json) as {
    path: string; mode: string; nlink: number; uid: number; gid: number; size: number | null; mtime_ns: number | string;
    xattrs: Record<string, string>; sha256?: string; target?: string; rdev?: [number, number];
  }[];
  const out = new Map<string, Expect>();
  for (const r of raw) {
    const e: Expect = { mode: parseInt(r.mode, 8), uid: r.uid, gid: r.gid, nlink: r.nlink, xattrs: r.xattrs };
    if (r.size !== null) e.size = r.size;
    if (r.sha256) e.sha256 = r.sha256;
    if (r.target !== undefined) e.target = r.target;
    if (r.rdev) e.rdev = r.rdev;
    if (opts.mtime) e.mtimeNs = BigInt(r.mtime_ns);
    out.set(r.path, e);
  }
  return out;
}

/* ---- building images ---- */

export function tempDir(prefix = 'cfs-erofs-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const removeDir = (d: string) => rmSync(d, { recursive: true, force: true });

/** xorshift32: a seeded generator of 32-bit values, so images and mutations are reproducible. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Deterministic incompressible bytes. */
export function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const next = xorshift(seed);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

/** Text that compresses well but not trivially (numbers change every line). */
export function text(n: number, seed = 1): Uint8Array {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${i * seed} of the quick brown fox ${(i * 7919) % 1000} jumps over ${i % 13} lazy dogs\n`;
  return new TextEncoder().encode(s.slice(0, n));
}

export interface SourceFile {
  path: string;
  data?: Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  xattrs?: Record<string, Uint8Array>;
}

/**
 * Files chosen for compression corner cases: incompressible blocks (PLAIN lclusters) between
 * compressible ones, a long run of zeros (one pcluster decoding to a large extent), tails of
 * every kind for ztailpacking, sizes around block boundaries.
 */
export function compressionTree(): SourceFile[] {
  const mixed: Uint8Array[] = [];
  for (let i = 0; i < 24; i++) mixed.push(i % 3 === 1 ? noise(4096 + 100 * i, 1000 + i) : text(4096 + 37 * i, i + 2));
  const cat = (parts: Uint8Array[]) => concat(...parts);
  return [
    { path: 'text.txt', data: text(300_000), xattrs: { 'user.note': new TextEncoder().encode('compressible') } },
    { path: 'zeros.bin', data: new Uint8Array((1 << 20) + 123), xattrs: { 'trusted.big': noise(300, 9) } },
    { path: 'random.bin', data: noise(50_000, 7), uid: 1234, gid: 5678, mode: 0o640 },
    { path: 'mixed.bin', data: cat(mixed) },
    { path: 'small.txt', data: text(100, 3), mode: 0o600 },
    { path: 'tail.txt', data: text(3 * 4096 + 777, 5) },
    { path: 'exact.txt', data: text(8192, 6) },
    { path: 'one.bin', data: new Uint8Array([0x42]), mode: 0o4755 },
    { path: 'block-minus-one.txt', data: text(4095, 8) },
    { path: 'block-plus-one.txt', data: text(4097, 9) },
    { path: 'empty', data: new Uint8Array(0) },
    { path: 'dir/nested/deep.txt', data: cat([text(20_000, 11), noise(3000, 12), text(9000, 13)]) },
    { path: 'dir/random-tail.bin', data: cat([text(16384, 14), noise(2500, 15)]) },
  ];
}

/** Writes the tree (plus a symlink, a long symlink, a hardlink, a fifo, a char device, dir xattrs). */
export function writeTree(root: string, files: SourceFile[]): void {
  const setXattr = (p: string, name: string, value: Uint8Array) =>
    execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)', p, name, toHex(value)]);
  for (const f of files) {
    const p = join(root, f.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, f.data ?? new Uint8Array(0));
    if (f.mode !== undefined) chmodSync(p, f.mode);
    if (f.uid !== undefined) chownSync(p, f.uid, f.gid ?? 0);
    for (const [k, v] of Object.entries(f.xattrs ?? {})) setXattr(p, k, v);
  }
  symlinkSync('text.txt', join(root, 'link'));
  symlinkSync('/' + 'very-long-target/'.repeat(40), join(root, 'dir', 'long-link'));
  linkSync(join(root, 'text.txt'), join(root, 'dir', 'hardlink-to-text'));
  execFileSync('mknod', [join(root, 'fifo'), 'p']);
  execFileSync('mknod', [join(root, 'dir', 'null'), 'c', '1', '3']);
  setXattr(join(root, 'dir'), 'user.dirnote', new TextEncoder().encode('on a directory'));
  // A fixed mtime everywhere so -T and --preserve-mtime agree.
  const stamp = new Date(1_700_000_000_000);
  const touch = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) touch(p);
      if (!st.isSymbolicLink()) utimesSync(p, stamp, stamp);
    }
  };
  touch(root);
  utimesSync(root, stamp, stamp);
}

export function mkfsErofs(image: string, tree: string, args: string[]): void {
  execFileSync('mkfs.erofs', ['--quiet', '-T1700000000', '-U11111111-2222-3333-4444-555555555555', ...args, image, tree], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `fsck.erofs --extract=DIR` (with any blob devices), the reference decoder. */
export function fsckExtract(image: string, into: string, devices: string[] = []): void {
  execFileSync('fsck.erofs', [...devices.map((d) => `--device=${d}`), `--extract=${into}`, image], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Major/minor of a glibc 64-bit dev_t. */
const glibcDev = (d: number): [number, number] => {
  const big = BigInt(d);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return [major, minor];
};

/** Expectations from a directory on disk (the extracted image, or a source tree). */
export function treeExpectations(root: string, xattrsOf?: (path: string) => Record<string, string> | undefined): Map<string, Expect> {
  const out = new Map<string, Expect>();
  const visit = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    const e: Expect = { mode: st.mode, uid: st.uid, gid: st.gid };
    if (st.isFile()) {
      e.size = st.size;
      e.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
    } else if (st.isSymbolicLink()) {
      e.target = readlinkSync(abs, 'utf8');
      e.size = st.size;
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      e.rdev = glibcDev(st.rdev);
    }
    const x = xattrsOf?.(rel);
    if (x) e.xattrs = x;
    out.set(rel, e);
    if (st.isDirectory()) for (const n of readdirSync(abs)) visit(join(abs, n), rel === '/' ? `/${n}` : `${rel}/${n}`);
  };
  visit(root, '/');
  return out;
}

/** The xattrs writeTree sets, by image path (every other path has none). */
export function treeXattrs(files: SourceFile[]): (path: string) => Record<string, string> {
  const byPath = new Map<string, Record<string, string>>();
  for (const f of files) {
    const x: Record<string, string> = {};
    for (const [k, v] of Object.entries(f.xattrs ?? {})) x[k] = toHex(v);
    byPath.set(`/${f.path}`, x);
  }
  byPath.set('/dir', { 'user.dirnote': toHex(new TextEncoder().encode('on a directory')) });
  // The hardlink shares text.txt's inode and so its xattrs.
  byPath.set('/dir/hardlink-to-text', byPath.get('/text.txt')!);
  return (p) => byPath.get(p) ?? {};
}
