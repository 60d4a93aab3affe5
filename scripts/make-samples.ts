/**
 * Builds the app's bundled sample set (`npm run samples`), entirely with our own writer:
 *
 *   samples/demo/v1.cfs          a small system tree: /etc, /usr/bin with symlinks and a hardlink,
 *                                SELinux labels (shared xattrs), a file capability, inline files,
 *                                external files whose objects are in samples/demo/objects/
 *   samples/demo/v2.cfs          the next version: files added, removed, modified, renamed, a chmod,
 *                                an mtime-only change, a symlink retarget (same object store)
 *   samples/demo/v2-composefs-rs.cfs  v2's tree in format 2, as composefs-rs (cfsctl, bootc) writes it
 *   samples/demo/broken.cfs      v1 with deliberate damage (see corruptBroken below and samples/README.md)
 *   samples/demo/objects/        the object store, XX/<62 hex> named by fs-verity digest
 *   samples/demo/objects-broken/ the same store with one object's content altered
 *
 * Everything is deterministic: contents come from a seeded sha256 stream, times are fixed, so
 * running it again gives identical bytes (a test checks the committed files are current).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { writeComposefs } from '../shared/composefs/writer.ts';
import { writeComposefsV2 } from '../shared/composefs/writer-v2.ts';
import { objectPath, treeFromSpecs, type EntrySpec } from '../shared/composefs/writer-tree.ts';
import { fsverityDigest } from '../shared/verity/merkle.ts';
import { memorySource } from '../shared/bytes/source.ts';
import { openImage } from '../shared/open.ts';
import { bytesToString, stringToBytes, type ImageReader } from '../shared/model.ts';

const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLES_DIR = join(ROOT_DIR, 'samples');

const T0 = 1700000000; // 2023-11-14, the build time of most files
const B = stringToBytes;

/** n bytes of sha256(seed ‖ le64(i)) for i = 0, 1, ... (binary-looking, incompressible). */
function pattern(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  const s = B(seed);
  const buf = new Uint8Array(s.length + 8);
  buf.set(s);
  const view = new DataView(buf.buffer);
  for (let i = 0, at = 0; at < n; i++, at += 32) {
    view.setBigUint64(s.length, BigInt(i), true);
    out.set(sha256(buf).subarray(0, Math.min(32, n - at)), at);
  }
  return out;
}

/** Text-looking content: base64 lines of the pattern, as a certificate bundle looks. */
function textPattern(lines: number, seed: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const raw = pattern(lines * 64, seed);
  let s = '';
  for (let l = 0; l < lines; l++) {
    if (l % 20 === 0) s += `-----BEGIN CERTIFICATE-----\n`;
    for (let i = 0; i < 64; i++) s += alphabet[raw[l * 64 + i]! & 63];
    s += '\n';
    if (l % 20 === 19) s += `-----END CERTIFICATE-----\n`;
  }
  return B(s);
}

const label = (type: string) => B(`system_u:object_r:${type}:s0\0`);
/** security.capability v2 granting cap_net_raw (bit 13), as setcap cap_net_raw+ep writes it. */
const CAP_NET_RAW = Uint8Array.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

interface Objects {
  /** objects/XX/<62 hex> -> content */
  files: Map<string, Uint8Array>;
}

/** An external file: its object goes to the store, the image keeps size + digest + path. */
function external(objects: Objects, path: string, data: Uint8Array, extra: Partial<EntrySpec> = {}): EntrySpec {
  const digest = fsverityDigest(data);
  objects.files.set(objectPath(digest), data);
  return { ...extra, path, size: data.length, digest };
}

const OS_RELEASE_1 = 'NAME="Demo Linux"\nVERSION="1.0"\nID=demo\nPRETTY_NAME="Demo Linux 1.0"\nHOME_URL="https://example.org/demo"\n';
const OS_RELEASE_2 = OS_RELEASE_1.replaceAll('1.0', '2.0');
const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\ndaemon:x:2:2:daemon:/sbin:/sbin/nologin\n' +
  'nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\nuser:x:1000:1000:Demo User:/home/user:/bin/bash\n';
const GROUP = 'root:x:0:\nbin:x:1:\ndaemon:x:2:\nwheel:x:10:user\nnobody:x:65534:\nuser:x:1000:\n';
const SHADOW = 'root:!locked::0:99999:7:::\nuser:$6$demo$notarealhash:19675:0:99999:7:::\n';
const HOSTS = '127.0.0.1 localhost\n::1 localhost\n';
/** The TZif header of a UTC zone: small binary content stored inline. */
const UTC = Uint8Array.from([...B('TZif2'), ...new Uint8Array(15), ...new Uint8Array(20), 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, ...B('UTC\0')]);

/** The tree of v1, with its objects. */
function v1Specs(objects: Objects): EntrySpec[] {
  const etc = (path: string, content: string | Uint8Array, extra: Partial<EntrySpec> = {}): EntrySpec => ({
    path,
    content,
    mtime: T0,
    xattrs: { 'security.selinux': label('etc_t') },
    ...extra,
  });
  const bin = (name: string, data: Uint8Array, extra: Partial<EntrySpec> = {}) =>
    external(objects, `/usr/bin/${name}`, data, { perm: 0o755, mtime: T0, xattrs: { 'security.selinux': label('bin_t') }, ...extra });
  const link = (path: string, target: string, type = 'bin_t'): EntrySpec => ({
    path,
    type: 'symlink',
    target,
    mtime: T0,
    xattrs: { 'security.selinux': label(type) },
  });
  const dir = (path: string, type: string, extra: Partial<EntrySpec> = {}): EntrySpec => ({
    path,
    type: 'dir',
    mtime: T0,
    xattrs: { 'security.selinux': label(type) },
    ...extra,
  });
  return [
    dir('/', 'root_t'),
    dir('/etc', 'etc_t'),
    etc('/etc/hostname', 'demo\n'),
    etc('/etc/os-release', OS_RELEASE_1),
    etc('/etc/passwd', PASSWD, { xattrs: { 'security.selinux': label('passwd_file_t') } }),
    etc('/etc/group', GROUP, { xattrs: { 'security.selinux': label('passwd_file_t') } }),
    etc('/etc/shadow', SHADOW, { perm: 0o640, xattrs: { 'security.selinux': label('shadow_t') } }),
    etc('/etc/hosts', HOSTS, { xattrs: { 'security.selinux': label('net_conf_t') } }),
    etc('/etc/motd', 'Welcome to the composefs demo.\n', {
      xattrs: { 'security.selinux': label('etc_t'), 'user.note': 'shown at login' },
    }),
    link('/etc/localtime', '../usr/share/zoneinfo/UTC', 'locale_t'),
    dir('/etc/ssl', 'cert_t'),
    dir('/etc/ssl/certs', 'cert_t'),
    external(objects, '/etc/ssl/certs/ca-bundle.crt', textPattern(120, 'ca-bundle v1'), {
      mtime: T0 + 60,
      xattrs: { 'security.selinux': label('cert_t') },
    }),
    dir('/usr', 'usr_t'),
    dir('/usr/bin', 'bin_t'),
    bin('bash', pattern(12000, 'bash 5.2.15'), { xattrs: { 'security.selinux': label('shell_exec_t') } }),
    bin('busybox', pattern(14000, 'busybox 1.36')),
    link('/usr/bin/cat', 'busybox'),
    link('/usr/bin/ls', 'busybox'),
    link('/usr/bin/sh', 'bash'),
    bin('env', pattern(5000, 'env')),
    bin('grep', pattern(9000, 'grep 3.11')),
    bin('ping', pattern(7000, 'ping'), {
      perm: 0o755,
      xattrs: { 'security.selinux': label('ping_exec_t'), 'security.capability': CAP_NET_RAW },
    }),
    bin('vi', pattern(16000, 'vim 9.0')),
    { path: '/usr/bin/view', type: 'hardlink', target: '/usr/bin/vi' },
    dir('/usr/lib', 'lib_t'),
    external(objects, '/usr/lib/libc.so.6', pattern(20000, 'glibc 2.38'), {
      perm: 0o755,
      mtime: T0,
      xattrs: { 'security.selinux': label('lib_t') },
    }),
    link('/usr/lib/libc.so', 'libc.so.6', 'lib_t'),
    dir('/usr/share', 'usr_t'),
    dir('/usr/share/zoneinfo', 'locale_t'),
    { path: '/usr/share/zoneinfo/UTC', content: UTC, mtime: T0, xattrs: { 'security.selinux': label('locale_t') } },
    dir('/home', 'home_root_t'),
    dir('/home/user', 'user_home_dir_t', { uid: 1000, gid: 1000, perm: 0o700 }),
    {
      path: '/home/user/.profile',
      content: 'export PATH=/usr/bin\n',
      uid: 1000,
      gid: 1000,
      mtime: { sec: T0 + 3600, nsec: 250000000 },
      xattrs: { 'security.selinux': label('user_home_t') },
    },
    dir('/tmp', 'tmp_t', { perm: 0o1777 }),
    dir('/var', 'var_t'),
    dir('/var/log', 'var_log_t'),
  ];
}

const pathText = (s: EntrySpec) => (typeof s.path === 'string' ? s.path : bytesToString(s.path));

/** v2: the changes a package update brings, each kind the diff view should show. */
function v2Specs(objects: Objects, v1: EntrySpec[]): EntrySpec[] {
  const replaced = new Map<string, EntrySpec | undefined>();
  const change = (path: string, f: (s: EntrySpec) => EntrySpec | undefined) => {
    const s = v1.find((x) => pathText(x) === path);
    if (!s) throw new Error(`v2: no ${path} in v1`);
    replaced.set(path, f(s));
  };
  change('/etc/motd', () => undefined); // removed
  change('/usr/bin/grep', () => undefined); // removed
  change('/etc/os-release', (s) => ({ ...s, content: OS_RELEASE_2 })); // modified inline
  change('/usr/bin/bash', (s) => external(objects, '/usr/bin/bash', pattern(12500, 'bash 5.2.26'), { ...s, size: undefined, digest: undefined }));
  change('/etc/shadow', (s) => ({ ...s, perm: 0o600 })); // chmod
  change('/etc/hosts', (s) => ({ ...s, mtime: { sec: T0 + 7200, nsec: 0 } })); // mtime only
  change('/usr/bin/sh', (s) => ({ ...s, target: 'busybox' })); // symlink retarget
  change('/usr/lib/libc.so.6', (s) => ({ ...s, path: '/usr/lib/libc-2.38.so' })); // renamed, same object
  change('/usr/lib/libc.so', (s) => ({ ...s, target: 'libc-2.38.so' }));
  const out = v1.flatMap((s) => (replaced.has(pathText(s)) ? (replaced.get(pathText(s)) ? [replaced.get(pathText(s))!] : []) : [s]));
  out.push(
    external(objects, '/usr/bin/htop', pattern(12000, 'htop 3.3'), {
      perm: 0o755,
      mtime: T0 + 7200,
      xattrs: { 'security.selinux': label('bin_t') },
    }),
    { path: '/etc/demo.conf', content: 'feature=on\n', mtime: T0 + 7200, xattrs: { 'security.selinux': label('etc_t') } },
  );
  return out;
}

/** A node found by path through the reader, with its directory entry. */
async function find(reader: ImageReader, path: string) {
  let id = reader.rootId;
  let entry;
  for (const part of path.split('/').filter(Boolean)) {
    entry = (await reader.children(id)).find((d) => bytesToString(d.name) === part);
    if (!entry) throw new Error(`broken sample: no ${path}`);
    id = entry.id;
  }
  return { node: await reader.node(id), entry: entry! };
}

/** Where a directory entry's name is: its dirent block starts at the inline tail or at a block boundary. */
async function direntName(reader: ImageReader, image: Uint8Array, dirPath: string, name: string) {
  const dir = await find(reader, dirPath);
  const { entry } = await find(reader, `${dirPath}/${name}`);
  const at = entry.range!.offset;
  const tail = dir.node.ranges.find((r) => r.label === 'inline data');
  const blockStart = tail && at >= tail.offset && at < tail.offset + tail.length ? tail.offset : at - (at % 4096);
  const nameoff = image[at + 8]! | (image[at + 9]! << 8);
  return blockStart + nameoff;
}

async function xattrEntry(reader: ImageReader, path: string, name: string) {
  const { node } = await find(reader, path);
  const x = node.xattrs.find((x) => bytesToString(x.name) === name);
  if (!x?.range || x.shared) throw new Error(`broken sample: ${path} has no inline ${name}`);
  return x.range;
}

/**
 * The damage in broken.cfs, each a classic a filesystem engineer would recognise:
 *  - /usr/bin: the names "cat" and "env" swapped, so the dirents are no longer sorted (lookups
 *    by binary search miss them);
 *  - /etc: "hosts" renamed "ho/ts", a name with a '/' in it;
 *  - /etc/motd: its user.note xattr claims a 4000-byte value, running past the inode's xattr area;
 *  - /etc/ssl/certs/ca-bundle.crt: trusted.overlay.metacopy is 35 bytes instead of 4 + 32;
 *  - /usr/bin/grep: the redirect is "/../../../etc/shadow", escaping the object store (made in the tree).
 */
async function corruptBroken(image: Uint8Array): Promise<Uint8Array> {
  const out = image.slice();
  const reader = await openImage(memorySource(image));
  const cat = await direntName(reader, image, '/usr/bin', 'cat');
  const env = await direntName(reader, image, '/usr/bin', 'env');
  out.set(B('env'), cat);
  out.set(B('cat'), env);
  const hosts = await direntName(reader, image, '/etc', 'hosts');
  out.set(B('ho/ts'), hosts);
  const note = await xattrEntry(reader, '/etc/motd', 'user.note');
  out[note.offset + 2] = 4000 & 0xff;
  out[note.offset + 3] = 4000 >> 8;
  const metacopy = await xattrEntry(reader, '/etc/ssl/certs/ca-bundle.crt', 'trusted.overlay.metacopy');
  out[metacopy.offset + 2] = 35; // e_value_size: the entry keeps its 4-byte-aligned length
  return out;
}

/** All sample files, by path relative to samples/. */
export async function buildSamples(): Promise<Map<string, Uint8Array>> {
  const objects: Objects = { files: new Map() };
  const v1 = v1Specs(objects);
  const v2 = v2Specs(objects, v1);
  const files = new Map<string, Uint8Array>();
  files.set('demo/v1.cfs', writeComposefs(treeFromSpecs(v1)));
  files.set('demo/v2.cfs', writeComposefs(treeFromSpecs(v2)));
  files.set('demo/v2-composefs-rs.cfs', writeComposefsV2(treeFromSpecs(v2)));

  const brokenSpecs = v1.map((s) => (pathText(s) === '/usr/bin/grep' ? { ...s, payload: '../../../etc/shadow' } : s));
  files.set('demo/broken.cfs', await corruptBroken(writeComposefs(treeFromSpecs(brokenSpecs))));

  const sorted = [...objects.files.keys()].sort();
  for (const p of sorted) files.set(`demo/objects/${p}`, objects.files.get(p)!);
  // objects-broken: the same store, with the object of /usr/bin/busybox altered in one byte.
  const busybox = objectPath(fsverityDigest(pattern(14000, 'busybox 1.36')));
  for (const p of sorted) {
    const data = objects.files.get(p)!.slice();
    if (p === busybox) data[1000] ^= 0xff;
    files.set(`demo/objects-broken/${p}`, data);
  }
  return files;
}

/** Files currently under samples/demo (README and other hand-written files excluded). */
export function listGenerated(dir = SAMPLES_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  try {
    walk(join(dir, 'demo'));
  } catch {
    // No samples yet.
  }
  return out.sort();
}

async function main(): Promise<void> {
  const files = await buildSamples();
  rmSync(join(SAMPLES_DIR, 'demo'), { recursive: true, force: true });
  for (const [rel, data] of files) {
    const p = join(SAMPLES_DIR, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  const total = [...files.values()].reduce((n, b) => n + b.length, 0);
  process.stdout.write(`wrote ${files.size} files (${total} bytes) under ${relative(process.cwd(), SAMPLES_DIR) || '.'}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`make-samples: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
