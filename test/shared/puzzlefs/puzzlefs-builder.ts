/**
 * Builds PuzzleFS images for the tests, to the documented layout: an OCI image layout (oci-layout,
 * index.json, blobs/sha256/) whose manifest's first layer is the rootfs. The Cap'n Proto metadata
 * (InodeVector, Rootfs) is encoded by Debian's `capnp encode` from the schema files in
 * ../shared/specs/puzzlefs, never by our own code; compressed chunk blobs are zstd frames made by
 * the `zstd` tool plus a seek table; fs-verity digests come from the `fsverity` tool. Not a test file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { hasTool, pattern, tempDir } from '../oci/gnu-tar.ts';

export const SPECS = join(REPO_ROOT, '..', 'shared', 'specs', 'puzzlefs');
export const HAS_TOOLS = hasTool('capnp', '--version') && hasTool('zstd', '--version') && hasTool('fsverity', '--version');
if (!HAS_TOOLS && process.env.CI === 'true') throw new Error('capnp, zstd and fsverity are needed (.ci/run installs capnproto, zstd, fsverity)');
export const puzzlefsSkip: string | false = HAS_TOOLS ? false : 'capnp (capnproto), zstd or fsverity not installed; skipped outside CI';

export interface PzEntry {
  path: string;
  kind: 'dir' | 'file' | 'symlink' | 'fifo' | 'chr' | 'blk' | 'sock';
  permissions?: number;
  uid?: number;
  gid?: number;
  content?: Uint8Array;
  /** Put the file's chunks in the zstd-seekable blob. */
  compressed?: boolean;
  target?: string;
  xattrs?: Record<string, Uint8Array>;
  major?: number;
  minor?: number;
}

export interface Built {
  dir: string;
  index: string;
  inoOf: Map<string, number>;
  blobs: Map<string, string>;
  rootfsHex: string;
  metadataHex: string;
  plainHex: string;
  compressedHex: string;
  /** The capnp text the metadata was encoded from. */
  inodeText: string;
}

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dataLit = (b: Uint8Array) => `0x"${Buffer.from(b).toString('hex')}"`;
const CHUNK = 4096;
const FRAME = 5000;

export function capnpEncode(type: 'InodeVector' | 'Rootfs', text: string): Uint8Array {
  return new Uint8Array(execFileSync('capnp', ['encode', '-I', SPECS, join(SPECS, 'metadata.capnp'), type], { input: text, maxBuffer: 1 << 28 }));
}

export const fsverityOf = (path: string): string => execFileSync('fsverity', ['digest', '--compact', path]).toString().trim();

/** zstd frames (one per FRAME bytes, made by the zstd tool) and a seek table without checksums. */
export function zstdSeekable(data: Uint8Array): Uint8Array {
  const frames: Buffer[] = [];
  const entries: [number, number][] = [];
  for (let off = 0; off < data.length; off += FRAME) {
    const piece = data.subarray(off, off + FRAME);
    const f = execFileSync('zstd', ['-q', '-c', '--no-check'], { input: piece });
    frames.push(f);
    entries.push([f.length, piece.length]);
  }
  const table = Buffer.alloc(8 + entries.length * 8 + 9);
  table.writeUInt32LE(0x184d2a5e, 0);
  table.writeUInt32LE(entries.length * 8 + 9, 4);
  entries.forEach(([c, d], i) => {
    table.writeUInt32LE(c, 8 + i * 8);
    table.writeUInt32LE(d, 12 + i * 8);
  });
  const foot = 8 + entries.length * 8;
  table.writeUInt32LE(entries.length, foot);
  table.writeUInt8(0, foot + 4);
  table.writeUInt32LE(0x8f92eab1, foot + 5);
  return new Uint8Array(Buffer.concat([...frames, table]));
}

const MODE_OF: Record<PzEntry['kind'], string> = { dir: 'dir', file: 'file', symlink: 'lnk', fifo: 'fifo', chr: 'chr', blk: 'blk', sock: 'sock' };

export function buildPuzzlefs(entries: PzEntry[], opts: { manifestVersion?: number; tag?: string } = {}): Built {
  const dir = tempDir('puzzlefs');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blobs = new Map<string, string>();
  const put = (bytes: Uint8Array): string => {
    const h = sha256Hex(bytes);
    const p = join(dir, 'blobs', 'sha256', h);
    writeFileSync(p, bytes);
    blobs.set(h, p);
    return h;
  };

  const all: PzEntry[] = [{ path: '/', kind: 'dir', permissions: 0o755 }, ...entries];
  const inoOf = new Map<string, number>();
  all.forEach((e, i) => inoOf.set(e.path, i + 1));
  const parent = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);

  // Chunk contents into the two data blobs.
  const plain: Uint8Array[] = [];
  const packed: Uint8Array[] = [];
  let plainLen = 0;
  let packedLen = 0;
  const chunks = new Map<string, { compressed: boolean; offset: number; len: number }[]>();
  for (const e of all) {
    if (e.kind !== 'file') continue;
    const list: { compressed: boolean; offset: number; len: number }[] = [];
    const c = e.content ?? new Uint8Array(0);
    for (let off = 0; off < c.length; off += CHUNK) {
      const piece = c.subarray(off, off + CHUNK);
      if (e.compressed) {
        list.push({ compressed: true, offset: packedLen, len: piece.length });
        packed.push(piece);
        packedLen += piece.length;
      } else {
        list.push({ compressed: false, offset: plainLen, len: piece.length });
        plain.push(piece);
        plainLen += piece.length;
      }
    }
    chunks.set(e.path, list);
  }
  const plainHex = put(new Uint8Array(Buffer.concat(plain.length ? plain : [Buffer.from('-')])));
  const compressedHex = put(zstdSeekable(new Uint8Array(Buffer.concat(packed.length ? packed : [Buffer.from('-')]))));

  const inodeText = (e: PzEntry): string => {
    const ino = inoOf.get(e.path)!;
    let mode: string;
    if (e.kind === 'dir') {
      const kids = all.filter((k) => k.path !== '/' && parent(k.path) === e.path).sort((a, b) => Buffer.compare(Buffer.from(name(a.path)), Buffer.from(name(b.path))));
      mode = `(dir = (entries = [${kids.map((k) => `(ino = ${inoOf.get(k.path)}, name = ${dataLit(Buffer.from(name(k.path)))})`).join(', ')}], lookBelow = false))`;
    } else if (e.kind === 'file') {
      const list = chunks.get(e.path)!;
      mode = `(file = [${list.map((c) => `(blob = (digest = ${dataLit(Buffer.from(c.compressed ? compressedHex : plainHex, 'hex'))}, offset = ${c.offset}, compressed = ${c.compressed}), len = ${c.len})`).join(', ')}])`;
    } else if (e.kind === 'chr' || e.kind === 'blk') {
      mode = `(${e.kind} = (major = ${e.major ?? 0}, minor = ${e.minor ?? 0}))`;
    } else {
      mode = `(${MODE_OF[e.kind]} = void)`;
    }
    const xattrs = Object.entries(e.xattrs ?? {}).map(([k, v]) => `(key = ${dataLit(Buffer.from(k))}, val = ${dataLit(v)})`);
    const additional = xattrs.length || e.target ? `, additional = (xattrs = [${xattrs.join(', ')}]${e.target ? `, symlinkTarget = ${dataLit(Buffer.from(e.target))}` : ''})` : '';
    return `(ino = ${ino}, mode = ${mode}, uid = ${e.uid ?? 0}, gid = ${e.gid ?? 0}, permissions = ${e.permissions ?? (e.kind === 'dir' ? 0o755 : 0o644)}${additional})`;
  };
  const text = `(inodes = [${all.map(inodeText).join(', ')}])`;
  const metadataHex = put(capnpEncode('InodeVector', text));

  const verities = [metadataHex, plainHex, compressedHex].map((h) => `(digest = ${dataLit(Buffer.from(h, 'hex'))}, verity = ${dataLit(Buffer.from(fsverityOf(blobs.get(h)!), 'hex'))})`);
  const rootfsText = `(metadatas = [(digest = ${dataLit(Buffer.from(metadataHex, 'hex'))}, offset = 0, compressed = false)], fsVerityData = [${verities.join(', ')}], manifestVersion = ${opts.manifestVersion ?? 2})`;
  const rootfsBytes = capnpEncode('Rootfs', rootfsText);
  const rootfsHex = put(rootfsBytes);

  const desc = (h: string, mediaType: string, annotations?: Record<string, string>) => ({ mediaType, digest: `sha256:${h}`, size: Buffer.byteLength(readBack(h)), ...(annotations ? { annotations } : {}) });
  const readBack = (h: string) => execFileSync('cat', [blobs.get(h)!]);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${put(Buffer.from('{}'))}`, size: 2 },
    layers: [
      desc(rootfsHex, 'application/vnd.puzzlefs.image.rootfs.v1', { 'io.puzzlefsoci.puzzlefs.puzzlefs_verity_root_hash': fsverityOf(blobs.get(rootfsHex)!) }),
      desc(plainHex, 'application/vnd.puzzlefs.image.filedata.v1'),
      desc(compressedHex, 'application/vnd.puzzlefs.image.filedata.v1+zstd'),
    ],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestHex = put(manifestBytes);
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestHex}`, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': opts.tag ?? 'test' } }],
  };
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return { dir, index: join(dir, 'index.json'), inoOf, blobs, rootfsHex, metadataHex, plainHex, compressedHex, inodeText: text };
}

const enc = new TextEncoder();

/** The sample tree: every inode kind, plain and compressed chunks, xattrs, a setuid file. */
export const ENTRIES: PzEntry[] = [
  { path: '/etc', kind: 'dir', permissions: 0o755 },
  { path: '/etc/hostname', kind: 'file', content: enc.encode('puzzle\n'), xattrs: { 'user.plain': enc.encode('value'), 'user.bin': Uint8Array.of(0, 1, 0xff) } },
  { path: '/etc/empty', kind: 'file', content: new Uint8Array(0), permissions: 0o600, uid: 1000, gid: 100 },
  { path: '/usr', kind: 'dir', permissions: 0o700 },
  { path: '/usr/big.bin', kind: 'file', content: pattern(20_000, 'big') },
  { path: '/usr/packed.bin', kind: 'file', content: pattern(23_456, 'packed'), compressed: true },
  { path: '/usr/small-packed', kind: 'file', content: enc.encode('tiny but compressed'), compressed: true },
  { path: '/usr/link', kind: 'symlink', target: '../etc/hostname', permissions: 0o777 },
  { path: '/usr/fifo', kind: 'fifo' },
  { path: '/usr/tty', kind: 'chr', major: 4, minor: 70000 },
  { path: '/setuid', kind: 'file', content: enc.encode('#!/bin/sh\n'), permissions: 0o4755 },
];
