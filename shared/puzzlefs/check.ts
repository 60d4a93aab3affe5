/**
 * Check rules for a PuzzleFS image: every blob it uses (the rootfs, the metadata layers, the chunk
 * blobs files point at) is present and named by its sha256; its fs-verity digest equals the one
 * the rootfs records (the rootfs's own, the one the manifest annotation records); directory
 * entries name inodes that exist; file chunks lie inside their blobs; the manifest version is known.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { toHex, type Finding } from '../model.ts';
import { fsverityDigest } from '../verity/merkle.ts';
import { isPuzzlefsCode, puzzlefsFinding } from './codes.ts';
import { VERITY_ROOT_HASH_ANNOTATION } from './layout.ts';
import { blobDigestOk, blobRead, blobSize, KNOWN_MANIFEST_VERSIONS, type Blob, type PuzzlefsReader } from './reader.ts';

const short = (h: string) => `${h.slice(0, 16)}…`;

async function checkBlob(r: PuzzlefsReader, h: string, compressed: boolean, expectedVerity: string | undefined, role: string, out: Finding[]): Promise<Blob | undefined> {
  let b: Blob;
  try {
    b = await r.blob(h, compressed);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    out.push(puzzlefsFinding(isPuzzlefsCode(e.code) ? e.code : 'puzzlefs.blob.corrupt', e.offset, e.length, `${role}: ${e.message}`));
    return undefined;
  }
  if (!blobDigestOk(b)) {
    out.push(puzzlefsFinding('puzzlefs.blob.digest', 0, b.bytes.length, `${role} ${short(h)}: its sha256 is not its name`, { expected: h }));
  }
  if (b.seek) {
    try {
      blobRead(b, 0, b.seek.size); // every frame must decompress
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      out.push(puzzlefsFinding('puzzlefs.blob.corrupt', e.offset, e.length, `${role} ${short(h)}: ${e.message}`));
    }
  }
  const verity = toHex(fsverityDigest(b.bytes));
  if (expectedVerity === undefined) {
    out.push(puzzlefsFinding('puzzlefs.verity.missing', 0, 0, `${role} ${short(h)}: no fs-verity digest is recorded for it`, { actual: verity }));
  } else if (expectedVerity !== verity) {
    out.push(puzzlefsFinding('puzzlefs.verity.mismatch', 0, b.bytes.length, `${role} ${short(h)}: its fs-verity digest is ${verity}, the image records ${expectedVerity}`, { expected: expectedVerity, actual: verity }));
  }
  return b;
}

export async function checkPuzzlefs(r: PuzzlefsReader, signal?: AbortSignal): Promise<Finding[]> {
  const out = r.findings();
  const verity = new Map(r.rootfs.fsVerityData.map((v) => [toHex(v.digest), toHex(v.verity)]));
  if (!KNOWN_MANIFEST_VERSIONS.includes(r.rootfs.manifestVersion)) {
    out.push(puzzlefsFinding('puzzlefs.manifest-version', 0, 0, `the rootfs's manifestVersion is ${r.rootfs.manifestVersion}; this reader knows ${KNOWN_MANIFEST_VERSIONS.join(' and ')}`));
  }
  await checkBlob(r, r.rootfsBlob.hex, false, r.rootfsBlob.annotations[VERITY_ROOT_HASH_ANNOTATION], 'the rootfs', out);
  for (const [i, m] of r.rootfs.metadatas.entries()) await checkBlob(r, toHex(m.digest), m.compressed, verity.get(toHex(m.digest)), `metadata layer ${i}`, out);

  const chunkBlobs = new Map<string, boolean>();
  for (const n of r.inodes.values()) for (const c of n.chunks ?? []) chunkBlobs.set(toHex(c.blob.digest), c.blob.compressed);
  const sizes = new Map<string, number>();
  for (const [h, compressed] of chunkBlobs) {
    signal?.throwIfAborted();
    const b = await checkBlob(r, h, compressed, verity.get(h), 'chunk blob', out);
    if (b) sizes.set(h, blobSize(b));
  }
  for (const n of r.inodes.values()) {
    for (const e of n.entries ?? []) {
      if (!r.inodes.has(e.ino)) {
        out.push(puzzlefsFinding('puzzlefs.inode.missing', n.at, 24, `directory inode ${n.ino}: entry "${new TextDecoder().decode(e.name)}" names inode ${e.ino}, which no metadata layer holds`, { nodeId: n.ino }));
      }
    }
    for (const [k, c] of (n.chunks ?? []).entries()) {
      const size = sizes.get(toHex(c.blob.digest));
      if (size !== undefined && c.blob.offset + c.len > size) {
        out.push(puzzlefsFinding('puzzlefs.chunk.out-of-range', n.at, 24, `inode ${n.ino} chunk #${k}: ${c.len} bytes at ${hex(c.blob.offset)} run past the end of blob ${short(toHex(c.blob.digest))} (${size} bytes)`, { nodeId: n.ino }));
      }
    }
  }
  return out;
}
