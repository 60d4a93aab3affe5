/**
 * composefs repositories for tests, built from real parts: images and objects/ by mkcomposefs 1.0.8
 * (--digest-store), fs-verity names from Debian's `fsverity digest`, the symlink layout and
 * meta.json of composefs-rs doc/repository.md, and OCI streams as splitstreams from our own writer
 * of the documented format (no composefs-rs runs here).
 *
 * SHA-512 repositories: mkcomposefs only names objects by SHA-256, so the image's dump
 * (composefs-info dump) gets every payload renamed to the object's SHA-512 fs-verity name and that
 * digest as its metacopy digest, and is written in format 2 by our composefs-rs-compatible writer
 * (shared/composefs/writer-v2.ts, checked against composefs-rs's pinned digests), as a composefs-rs
 * SHA-512 repository holds it; the objects move to those names.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { BENCH_DIR } from './corpus.ts';
import { writeSplitstream, type WriterChunk } from './splitstream-writer.ts';
import { parseDump } from '../../shared/composefs/dumpfile.ts';
import { writeComposefsV2 } from '../../shared/composefs/writer-v2.ts';

export const TOOLS = join(BENCH_DIR ?? '/nonexistent', 'composefs-1.0.8', 'tools');
const mkcomposefs = join(TOOLS, 'mkcomposefs');
const composefsInfo = join(TOOLS, 'composefs-info');

export type Hash = 'sha256' | 'sha512';

export const fsverity = (path: string, hash: Hash): string =>
  execFileSync('fsverity', ['digest', `--hash-alg=${hash}`, '--compact', path], { encoding: 'utf8' }).trim();

export const objectRel = (digest: string) => `objects/${digest.slice(0, 2)}/${digest.slice(2)}`;

/** Stores bytes as an object of the repository; returns its digest. */
export function putObject(repo: string, data: Uint8Array, hash: Hash): string {
  const tmp = join(repo, 'objects', '.tmp-put');
  mkdirSync(dirname(tmp), { recursive: true });
  writeFileSync(tmp, data);
  const d = fsverity(tmp, hash);
  mkdirSync(join(repo, 'objects', d.slice(0, 2)), { recursive: true });
  renameSync(tmp, join(repo, objectRel(d)));
  return d;
}

export function link(repo: string, from: string, to: string): void {
  mkdirSync(dirname(join(repo, from)), { recursive: true });
  symlinkSync(relative(dirname(join(repo, from)), join(repo, to)), join(repo, from));
}

/** A small real tree: files above and below composefs's 64-byte inline limit, a link, a folder. */
export function makeSourceTree(dir: string, version: number): void {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'os-release'), `NAME=Test\nVERSION=${version}\n${'#'.repeat(200)}\n`);
  writeFileSync(join(dir, 'etc', 'hostname'), 'tiny\n');
  writeFileSync(join(dir, 'usr', 'bin', 'tool'), Buffer.alloc(9000, version));
  writeFileSync(join(dir, 'usr', 'bin', 'shared'), Buffer.alloc(5000, 0x5a));
  symlinkSync('tool', join(dir, 'usr', 'bin', 'alias'));
}

/** mkcomposefs's dump of an image, with payloads renamed (old hex -> new hex) and digests replaced by the new ones. */
function renamedDump(image: string, rename: Map<string, string>): string {
  const dump = execFileSync(composefsInfo, ['dump', image], { encoding: 'latin1', maxBuffer: 1 << 28 });
  return dump
    .split('\n')
    .map((line) => {
      const f = line.split(' ');
      if (f.length < 11 || f[8] === '-') return line;
      const old = f[8]!.replace('/', '');
      const now = rename.get(old);
      if (!now) return line;
      f[8] = `${now.slice(0, 2)}/${now.slice(2)}`;
      f[10] = now;
      return f.join(' ');
    })
    .join('\n');
}

/** Builds an image of `src` into the repository; returns its digest (the name under images/). */
export function addImage(repo: string, src: string, hash: Hash, ref?: string): string {
  const work = mkdtempSync(join(tmpdir(), 'cfs-repo-img-'));
  try {
    const store = join(work, 'objects');
    execFileSync(mkcomposefs, [`--digest-store=${store}`, src, join(work, 'image.cfs')]);
    let image = join(work, 'image.cfs');
    const rename = new Map<string, string>();
    for (const fan of readdirSync(store)) {
      for (const name of readdirSync(join(store, fan))) {
        const d256 = fan + name;
        const data = readFileSync(join(store, fan, name));
        rename.set(d256, putObject(repo, data, hash));
      }
    }
    if (hash === 'sha512') {
      writeFileSync(join(work, 'image512.cfs'), writeComposefsV2(parseDump(Buffer.from(renamedDump(image, rename), 'latin1'))));
      image = join(work, 'image512.cfs');
    }
    const digest = putObject(repo, readFileSync(image), hash);
    link(repo, `images/${digest}`, objectRel(digest));
    if (ref) link(repo, `images/refs/${ref}`, `images/${digest}`);
    return digest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** ustar members of a tar: header and padding inline, content over 64 bytes as objects (as composefs-rs splits). */
function splitTar(repo: string, tar: Uint8Array, hash: Hash): { chunks: WriterChunk[]; objects: string[] } {
  const chunks: WriterChunk[] = [];
  const objects: string[] = [];
  let inline: number[] = [];
  const flush = () => {
    if (inline.length) chunks.push({ inline: Uint8Array.from(inline) });
    inline = [];
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    inline.push(...header);
    at += 512;
    if (header.every((b) => b === 0)) continue;
    const size = parseInt(new TextDecoder().decode(header.subarray(124, 136)).replace(/\0.*$/, '').trim() || '0', 8);
    const content = tar.subarray(at, at + size);
    const padded = Math.ceil(size / 512) * 512;
    if (size > 64) {
      flush();
      const d = putObject(repo, content, hash);
      let k = objects.indexOf(d);
      if (k < 0) k = objects.push(d) - 1;
      chunks.push({ object: k });
      inline.push(...tar.subarray(at + size, at + padded));
    } else inline.push(...tar.subarray(at, at + padded));
    at += padded;
  }
  inline.push(...tar.subarray(at));
  flush();
  return { chunks, objects };
}

const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Stores a splitstream as an object and links it as streams/<name>; returns its digest. */
function addStream(repo: string, name: string, bytes: Uint8Array, hash: Hash): string {
  const d = putObject(repo, bytes, hash);
  link(repo, `streams/${name}`, objectRel(d));
  return d;
}

function jsonStream(repo: string, json: string, contentType: string, hash: Hash, named: { name: string; stream: string }[]): Uint8Array {
  const blob = putObject(repo, new TextEncoder().encode(json), hash);
  const streamRefs = [...new Set(named.map((n) => n.stream))];
  return writeSplitstream({
    algorithm: hash === 'sha512' ? 2 : 1,
    contentType,
    objectRefs: [hexBytes(blob)],
    streamRefs: streamRefs.map(hexBytes),
    chunks: [{ object: 0 }],
    namedRefs: named.map((n) => ({ name: n.name, stream: streamRefs.indexOf(n.stream) })),
    streamSize: new TextEncoder().encode(json).length,
  });
}

/** An OCI image of one layer (the tar of `src`) as manifest, config and layer splitstreams, tagged. */
export function addOciImage(repo: string, src: string, hash: Hash, tag: string, imageDigest?: string): { layer: string; manifest: string; config: string } {
  const tar = new Uint8Array(execFileSync('tar', ['--format=ustar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 28 }));
  const diffId = `sha256:${sha256(tar)}`;
  const { chunks, objects } = splitTar(repo, tar, hash);
  const layerBytes = writeSplitstream({ algorithm: hash === 'sha512' ? 2 : 1, contentType: 'ocilayer', objectRefs: objects.map(hexBytes), chunks, streamSize: tar.length });
  const layer = addStream(repo, `oci-layer-${diffId}`, layerBytes, hash);
  const configJson = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } });
  const configDigest = `sha256:${sha256(configJson)}`;
  const config = addStream(repo, `oci-config-${configDigest}`, jsonStream(repo, configJson, 'ociconfg', hash, [{ name: diffId, stream: layer }]), hash);
  const manifestJson = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: configJson.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: tar.length }],
  });
  const named = [{ name: `config:${configDigest}`, stream: config }, { name: diffId, stream: layer }];
  if (imageDigest) named.push({ name: 'composefs.image', stream: imageDigest });
  const manifestName = `oci-manifest-sha256:${sha256(manifestJson)}`;
  const manifest = addStream(repo, manifestName, jsonStream(repo, manifestJson, 'ocimanif', hash, named), hash);
  link(repo, `streams/refs/oci/${encodeURIComponent(tag).replace(/%3A/g, ':')}`, `streams/${manifestName}`);
  return { layer, manifest, config };
}

export interface TestRepository {
  path: string;
  hash: Hash;
  images: { v1: string; v2: string };
  oci: { layer: string; manifest: string; config: string };
  close(): void;
}

/** A repository with two image versions (refs system/rootfs/v1, v2) and one tagged OCI image of v2. */
export function makeRepository(hash: Hash, options: { meta?: object | false } = {}): TestRepository {
  const path = mkdtempSync(join(tmpdir(), `cfs-repo-${hash}-`));
  const src = mkdtempSync(join(tmpdir(), 'cfs-repo-src-'));
  try {
    mkdirSync(join(path, 'objects'));
    if (options.meta !== false) writeFileSync(join(path, 'meta.json'), JSON.stringify(options.meta ?? { version: 1, algorithm: `fsverity-${hash}-12` }));
    makeSourceTree(join(src, 'v1'), 1);
    makeSourceTree(join(src, 'v2'), 2);
    const v1 = addImage(path, join(src, 'v1'), hash, 'system/rootfs/v1');
    const v2 = addImage(path, join(src, 'v2'), hash, 'system/rootfs/v2');
    const oci = addOciImage(path, join(src, 'v2'), hash, 'quay.io/test/app:2', v2);
    return { path, hash, images: { v1, v2 }, oci, close: () => rmSync(path, { recursive: true, force: true }) };
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}
