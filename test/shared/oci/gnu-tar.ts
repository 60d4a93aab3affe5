/**
 * GNU tar as the oracle: make a source tree with real files, archive it with `tar`, and read back
 * tar's own verbose listing, so our reader can be compared with it entry by entry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, closeSync, ftruncateSync, linkSync, openSync, writeSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasTool = (cmd: string, arg = '--version'): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
export const isRoot = (): boolean => process.getuid?.() === 0;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cfs-oci-${prefix}-`));
}
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Runs a command; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Buffer {
  return execFileSync(cmd, args, { ...opts, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

const touch = (path: string, stamp: string) => run('touch', ['-h', '-d', stamp, path]);

/** xattrs need setxattr(2); Node has none, so python3 sets them when it is there. */
export function setXattrs(path: string, xattrs: Record<string, Uint8Array>): boolean {
  const pairs = Object.entries(xattrs).map(([k, v]) => [k, Buffer.from(v).toString('hex')]);
  const script = `import os,sys,json\nfor k,v in json.loads(sys.argv[2]): os.setxattr(sys.argv[1], k, bytes.fromhex(v), follow_symlinks=False)`;
  return spawnSync('python3', ['-c', script, path, JSON.stringify(pairs)], { stdio: 'ignore' }).status === 0;
}

export interface SourceTree {
  root: string;
  /** xattrs that were set, by path relative to the root ("d/f"). */
  xattrs: Map<string, Record<string, Uint8Array>>;
  devices: boolean;
}

/** Deterministic bytes: the sha256 chain of a seed, truncated to n. */
export function pattern(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    out.set(h.subarray(0, Math.min(32, n - i)), i);
    i += 32;
  }
  return out;
}

/**
 * A tree that exercises what layers carry: sizes around the 512-byte block, a sparse file, long
 * names and targets (>100 and >255 bytes), non-UTF-8 and spaced names, hardlinks, symlinks, fifo,
 * devices, special modes, large ids, nanosecond and pre-1970 mtimes, xattrs.
 */
export function makeSourceTree(opts: { longNames?: boolean; specials?: boolean; xattrs?: boolean; sparse?: boolean } = {}): SourceTree {
  const { longNames = true, specials = true, xattrs = true, sparse = true } = opts;
  const root = tempDir('src');
  const p = (rel: string): string => join(root, rel);
  const rawName = (rel: Buffer): Buffer => Buffer.concat([Buffer.from(root + '/'), rel]);
  mkdirSync(p('dir/sub'), { recursive: true });
  writeFileSync(p('dir/file.txt'), 'hello\n');
  writeFileSync(p('dir/empty'), '');
  for (const n of [1, 511, 512, 513, 100_000]) writeFileSync(p(`dir/size-${n}`), pattern(n, `size-${n}`));
  linkSync(p('dir/file.txt'), p('dir/hard'));
  linkSync(p('dir/size-513'), p('dir/sub/hard-513'));
  symlinkSync('dir/file.txt', p('sym-short'));
  symlinkSync('../dangling/target', p('dir/sym-dangling'));
  writeFileSync(p('name with space'), 'space');
  writeFileSync(p('ünïcödé'), 'utf8');
  writeFileSync(rawName(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe])), 'not utf-8');
  writeFileSync(p('setuid'), '#!/bin/sh\n', { mode: 0o4755 });
  mkdirSync(p('sticky'), { mode: 0o1777 });
  writeFileSync(p('sticky/none'), 'x', { mode: 0o000 });
  if (longNames) {
    const c100 = 'c'.repeat(100);
    const c150 = 'L'.repeat(150);
    mkdirSync(p(`long/${c100}/${c150}`), { recursive: true });
    writeFileSync(p(`long/${c100}/${c150}/${'f'.repeat(200)}`), 'deep');
    symlinkSync('t'.repeat(300), p('long/sym-300'));
    linkSync(p(`long/${c100}/${c150}/${'f'.repeat(200)}`), p('long/hard-to-deep'));
  }
  if (sparse) {
    // Holes around two data runs; the archive keeps only the runs.
    const fd = openSync(p('sparse'), 'w');
    writeSync(fd, pattern(8192, 'sparse-a'), 0, 8192, 100 * 4096);
    writeSync(fd, pattern(1000, 'sparse-b'), 0, 1000, 2_000_000);
    ftruncateSync(fd, 3 * 1024 * 1024);
    closeSync(fd);
  }
  let devices = false;
  if (specials) {
    run('mkfifo', [p('fifo')]);
    devices = isRoot() && spawnSync('mknod', [p('cdev'), 'c', '4095', '1048575']).status === 0 && spawnSync('mknod', [p('bdev'), 'b', '8', '1']).status === 0;
  }
  if (isRoot()) {
    chownSync(p('dir/file.txt'), 1234, 5678);
    chownSync(p('dir/size-1'), 3_000_000, 70_000);
    chownSync(p('sticky'), 65534, 65534);
  }
  const set = new Map<string, Record<string, Uint8Array>>();
  if (xattrs) {
    const fileX = { 'user.plain': new TextEncoder().encode('value'), 'user.binary': Uint8Array.of(0, 1, 0xff, 0x0a, 0x3d), 'user.empty': new Uint8Array(0) };
    const dirX = { 'user.dir': new TextEncoder().encode('on a dir') };
    if (setXattrs(p('dir/size-511'), fileX) && setXattrs(p('dir/sub'), dirX)) {
      set.set('dir/size-511', fileX);
      set.set('dir/sub', dirX);
    }
  }
  touch(p('dir/file.txt'), '@1700000000.123456789');
  touch(p('dir/size-1'), '@-86400.5');
  touch(p('dir/size-512'), '@4102444800'); // 2100-01-01
  touch(p('sym-short'), '@1600000000.5');
  return { root, xattrs: set, devices };
}

export interface ListedEntry {
  /** Type letter from the mode string: - d l h c b p. */
  type: string;
  perms: string;
  uid: number;
  gid: number;
  size?: number;
  major?: number;
  minor?: number;
  mtime: { sec: number; nsec: number };
  /** Path as bytes decoded Latin-1, with "./" and a trailing "/" removed. */
  path: string;
  link?: string;
  /** Names and sizes of the xattrs `tar -tvv --xattrs` shows. */
  xattrs: { name: string; size: number }[];
}

const LINE = /^(.)(.{9})\*? +(\d+)\/(\d+) +(?:(\d+),(\d+)|(\d+)) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))? (.*)$/s;

/**
 * GNU tar 1.34 prints a pre-1970 time with a fraction as the whole seconds truncated toward zero
 * followed by the fraction's magnitude: -86400.5 s shows as "1969-12-31 00:00:00.5" although it
 * extracts (and `stat` shows) 1969-12-30 23:59:59.5. Undo that to get the real instant.
 */
const listedTime = (whole: number, nsec: number) => (whole < 0 && nsec > 0 ? { sec: whole - 1, nsec: 1e9 - nsec } : { sec: whole, nsec });

const cleanPath = (s: string): string => s.replace(/^(\.\/)+/, '').replace(/\/$/, '');

/** `tar --list --verbose` output parsed; names must not contain newlines, " -> " or " link to ". */
export function listTar(tarPath: string): ListedEntry[] {
  const out = run('tar', ['--list', '-vv', '--xattrs', '--full-time', '--numeric-owner', '--quoting-style=literal', '-f', tarPath]).toString('latin1');
  const entries: ListedEntry[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const x = /^ {2}x: (\d+) (.*)$/.exec(line);
    if (x) {
      entries[entries.length - 1]!.xattrs.push({ name: x[2]!, size: Number(x[1]) });
      continue;
    }
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparsed tar listing line: ${JSON.stringify(line)}`);
    const [, type, perms, uid, gid, major, minor, size, date, frac, rest] = m;
    const whole = Date.parse(date!.replace(' ', 'T') + 'Z') / 1000;
    // tar pads short fractional times so the names line up; no test name starts with a space.
    let path = rest!.replace(/^ +/, '');
    let link: string | undefined;
    if (type === 'l') [path, link] = path.split(' -> ') as [string, string];
    if (type === 'h') [path, link] = path.split(' link to ') as [string, string];
    entries.push({
      type: type!, perms: perms!, uid: Number(uid), gid: Number(gid),
      ...(size !== undefined ? { size: Number(size) } : { major: Number(major), minor: Number(minor) }),
      mtime: listedTime(whole, frac ? Number((frac + '000000000').slice(0, 9)) : 0),
      path: cleanPath(path), ...(link !== undefined ? { link: type === 'h' ? cleanPath(link) : link } : {}),
      xattrs: [],
    });
  }
  return entries;
}

/** sha256 (hex) of every regular file GNU tar extracts from the archive, by relative path (Latin-1). */
export function extractedHashes(tarPath: string): Map<string, string> {
  const dir = tempDir('x');
  try {
    run('tar', ['-xf', tarPath, '-C', dir, '--numeric-owner']);
    const out = new Map<string, string>();
    const walk = (rel: Buffer) => {
      const abs = Buffer.concat([Buffer.from(dir + '/'), rel]);
      for (const name of readdirSync(abs, { encoding: 'buffer' })) {
        const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
        const full = Buffer.concat([Buffer.from(dir + '/'), r]);
        const st = lstatSync(full);
        if (st.isDirectory()) walk(r);
        else if (st.isFile()) out.set(r.toString('latin1'), createHash('sha256').update(readFileSync(full)).digest('hex'));
      }
    };
    walk(Buffer.alloc(0));
    return out;
  } finally {
    removeDir(dir);
  }
}
