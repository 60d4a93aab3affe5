/**
 * Check rules for a RAFS v5 bootstrap: what the reader met opening it, every inode reached from
 * the root validated as OndiskInodeWrapper::validate does (direct_v5.rs), each file's inode digest
 * (the hash of its chunk digests, rafsv5_validate_inode), and, for each blob found, every chunk
 * read, decompressed and hashed against its recorded digest.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, bytesEqual, bytesToString, toHex, type Finding } from '../model.ts';
import { walk, type WalkProblem } from '../walk.ts';
import { CHUNK_INFO_FIELD } from './chunk-info.ts';
import { chunkDigest, chunkDigestMatches, readChunk } from './chunk-data.ts';
import { nydusFinding } from './codes.ts';
import { RAFS_MAX_NAME, RAFS_V5_ROOT_INODE, RAFSV5_INODE_HAS_HOLE } from './rafs_fs.ts';
import type { NydusV5Reader } from './reader-v5.ts';
import { INODE_FIELD, type RafsV5Inode } from './v5-inode.ts';

const field = (ino: RafsV5Inode, name: keyof typeof INODE_FIELD): [number, number] => [ino.offset + INODE_FIELD[name][0], INODE_FIELD[name][1]];

function inodeRules(r: NydusV5Reader, ino: RafsV5Inode, path: string, out: Finding[]): void {
  const max = r.inodeTable.entries;
  const x = { nodeId: ino.ino, path };
  const bad = (name: keyof typeof INODE_FIELD, why: string, expected?: string) =>
    out.push(nydusFinding('nydus.v5.inode', ...field(ino, name), `${path}: ${why}`, { ...x, ...(expected ? { expected } : {}) }));
  if (ino.ino === 0 || ino.ino > max) bad('i_ino', `inode number ${ino.ino} is not in 1..${max}`);
  if (ino.ino !== RAFS_V5_ROOT_INODE && ino.parent === 0) bad('i_parent', 'a non-root inode has parent 0');
  if (ino.nlink === 0) bad('i_nlink', 'link count 0', 'at least 1');
  if (ino.nameSize === 0 || ino.nameSize > RAFS_MAX_NAME + 1) bad('i_name_size', `name size ${ino.nameSize}`, `1..${RAFS_MAX_NAME + 1}`);
  const type = ino.mode & S_IFMT;
  if (type === S_IFLNK && ino.symlinkSize === 0) bad('i_symlink_size', 'a symlink without target');
  if (type === S_IFREG) {
    const expectChunks = Math.ceil(ino.size / r.sb.blockSize);
    if (!(ino.flags & RAFSV5_INODE_HAS_HOLE) && ino.childCount !== expectChunks) {
      out.push(nydusFinding('nydus.v5.inode.chunks', ...field(ino, 'i_child_count'), `${path}: ${ino.childCount} chunks for ${ino.size} bytes in ${r.sb.blockSize}-byte chunks`, { ...x, expected: String(expectChunks), actual: String(ino.childCount) }));
    }
    // rafsv5_validate_inode: a file's digest is the hash of its chunk digests, in order.
    const joined = new Uint8Array(ino.chunks.length * 32);
    ino.chunks.forEach((c, i) => joined.set(c.blockId, i * 32));
    const want = chunkDigest(joined, r.digest);
    if (ino.chunks.length && !bytesEqual(want, ino.digest)) {
      out.push(nydusFinding('nydus.v5.inode.digest', ...field(ino, 'i_digest'), `${path}: inode digest is not the ${r.digest} of its chunk digests`, { ...x, expected: toHex(want), actual: toHex(ino.digest) }));
    }
  }
}

async function chunkRules(r: NydusV5Reader, ino: RafsV5Inode, path: string, out: Finding[], verified: Set<number>): Promise<void> {
  for (const c of ino.chunks) {
    const blob = r.blobs[c.blobIndex];
    if (!blob) {
      out.push(nydusFinding('nydus.chunk.blob-index', c.offset + CHUNK_INFO_FIELD.blob_index[0], 4, `${path}: chunk names blob ${c.blobIndex}, the blob table lists ${r.blobs.length}`, { nodeId: ino.ino, path, actual: String(c.blobIndex) }));
      continue;
    }
    if (!blob.file || verified.has(c.offset)) continue;
    verified.add(c.offset);
    const ref = r.chunkRef(c);
    try {
      const data = await readChunk(blob.file.source, ref, r.compression);
      if (!chunkDigestMatches(data, ref, r.digest)) {
        out.push(nydusFinding('nydus.chunk.digest', c.offset, 32, `${path}: chunk at blob ${c.blobIndex} ${hex(c.compressedOffset)}+${c.compressedSize}: its ${r.digest} digest differs from the one recorded`, { nodeId: ino.ino, path }));
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      out.push({ code: e.code, severity: 'error', offset: e.offset, length: e.length, message: `${path}: ${e.message}`, nodeId: ino.ino, path });
    }
  }
}

function problemFinding(p: WalkProblem): Finding {
  const path = bytesToString(p.path);
  if (p.error instanceof DecodeError) return { code: p.error.code, severity: 'error', offset: p.error.offset, length: p.error.length, message: `${path}: ${p.error.message}`, nodeId: p.id, path };
  if (p.reason === 'cycle' || p.reason === 'dir-reached-twice') {
    return nydusFinding('nydus.v5.tree.cycle', 0, 0, `${path}: directory inode ${p.id} is reached ${p.reason === 'cycle' ? 'inside itself' : 'twice'}`, { nodeId: p.id, path });
  }
  return { code: 'check.internal', severity: 'error', offset: 0, length: 0, message: `${path}: ${(p.error as Error)?.message ?? p.reason}`, nodeId: p.id, path };
}

export async function checkRafsV5(r: NydusV5Reader, signal?: AbortSignal): Promise<Finding[]> {
  const out = [...r.findings()];
  const verified = new Set<number>();
  await walk(r, async (e) => {
    if (e.hardlinkOf) return;
    const path = bytesToString(e.path);
    let ino: RafsV5Inode;
    try {
      ino = r.inode(e.id);
    } catch (err) {
      if (err instanceof DecodeError) return void out.push({ code: err.code, severity: 'error', offset: err.offset, length: err.length, message: `${path}: ${err.message}`, nodeId: e.id, path });
      throw err;
    }
    inodeRules(r, ino, path, out);
    if ((ino.mode & S_IFMT) === S_IFREG) await chunkRules(r, ino, path, out, verified);
    if ((ino.mode & S_IFMT) === S_IFDIR && e.id !== r.rootId && e.entry && ino.ino !== e.id) {
      out.push(nydusFinding('nydus.v5.inode', ...field(ino, 'i_ino'), `${path}: directory record carries inode number ${ino.ino}`, { nodeId: e.id, path, expected: String(e.id), actual: String(ino.ino) }));
    }
  }, { onProblem: (p) => out.push(problemFinding(p)), ...(signal ? { signal } : {}) });
  return out;
}
