/**
 * Check rules for a RAFS v6 bootstrap, after the EROFS rules ran on it. Two EROFS findings are
 * wrong for what Nydus writes and are replaced: the compat bit 0x40000000 is Nydus's
 * (EROFS_FEATURE_COMPAT_RAFS_V6), and the superblock block count also covers the blocks the device
 * table maps from blobs. Then the RAFS tables: device slots against the blob table, every file's
 * chunk indexes against the chunk table, and, for each blob found, every chunk decompressed and
 * hashed against its recorded digest.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import { KNOWN_COMPAT } from '../check/superblock.ts';
import type { CheckOptions, CheckResult } from '../check/context.ts';
import { S_IFMT, S_IFREG, bytesToString, type Finding } from '../model.ts';
import { walk } from '../walk.ts';
import { CHUNK_INFO_FIELD } from './chunk-info.ts';
import { chunkDigestMatches } from './chunk-data.ts';
import { nydusFinding } from './codes.ts';
import { EROFS_FEATURE_COMPAT_RAFS_V6 } from './rafs_fs.ts';
import type { NydusBlob, NydusV6Reader } from './reader-v6.ts';
import { loadBlobChunkInfos } from './blob-ci.ts';

/** nydusd's v6 validate() accepts this fixed count, which old builders wrote whatever the size. */
const LEGACY_FIXED_BLOCKS = 4096;

const asFinding = (e: unknown, fallback: { offset: number; length: number }): Finding =>
  e instanceof DecodeError
    ? { code: e.code, severity: 'error', offset: e.offset, length: e.length, message: e.message }
    : { code: 'check.internal', severity: 'error', ...fallback, message: `internal error while checking: ${(e as Error)?.message ?? String(e)}` };

function superblockRules(r: NydusV6Reader, findings: Finding[]): Finding[] {
  const sb = r.sb;
  const unknownBesidesRafs = sb.featureCompat & ~KNOWN_COMPAT & ~EROFS_FEATURE_COMPAT_RAFS_V6;
  const kept = findings.filter((f) =>
    f.code === 'erofs.superblock.blocks' ? false : f.code === 'erofs.superblock.unknown-compat' ? unknownBesidesRafs !== 0 : true);
  const own = Math.ceil(r.size / r.blockSize);
  const mapped = (r.devices?.slots ?? []).reduce((n, s) => n + s.blocks, 0);
  if (sb.blocks > own + mapped && sb.blocks !== LEGACY_FIXED_BLOCKS) {
    kept.push(nydusFinding('nydus.v6.superblock.blocks', ...sb.fieldRanges['blocks']!, `the superblock claims ${sb.blocks} blocks, more than the bootstrap's ${own} and the ${mapped} its blobs map: truncated bootstrap?`, {
      expected: `at most ${own + mapped}`, actual: String(sb.blocks),
    }));
  }
  return kept;
}

function deviceRules(r: NydusV6Reader, out: Finding[]): void {
  for (const b of r.blobs) {
    const slot = b.slot;
    if (!slot) continue;
    const tag = String.fromCharCode(...slot.tag);
    if (b.entry && tag !== b.entry.blobId) {
      out.push(nydusFinding('nydus.v6.device.blob', slot.offset, 64, `device slot ${slot.id} names blob "${tag}", but blob table entry ${b.index} is ${b.entry.blobId}`, { expected: b.entry.blobId, actual: tag }));
    } else if (!b.entry) {
      out.push(nydusFinding('nydus.v6.device.blob', slot.offset, 64, `device slot ${slot.id} names blob "${tag}", which the blob table does not list`, { actual: tag }));
    }
    if (slot.blocks === 0) out.push(nydusFinding('nydus.v6.device.blocks', slot.offset + 64, 4, `device slot ${slot.id} maps 0 blocks`, { actual: '0' }));
  }
}

/** Prefetch table entries are inode numbers (i_ino), not nids. */
function prefetchRules(r: NydusV6Reader, inos: Set<number>, out: Finding[]): void {
  const t = r.rafs.prefetch;
  t?.inodes.forEach((ino, i) => {
    if (!inos.has(ino)) out.push(nydusFinding('nydus.v6.prefetch.ino', t.offset + 4 * i, 4, `prefetch table entry ${i} names inode ${ino}, which no file of the tree has`, { actual: String(ino) }));
  });
}

async function chunkIndexRules(r: NydusV6Reader, out: Finding[], options: CheckOptions): Promise<void> {
  const haveTable = r.rafs.chunkTable.length > 0;
  const inos = new Set<number>();
  await walk(r, async (e) => {
    if (e.node.ino !== undefined) inos.add(e.node.ino);
    if ((e.node.mode & S_IFMT) !== S_IFREG || e.hardlinkOf || e.node.size === 0) return;
    const path = bytesToString(e.path);
    try {
      const addrs = await r.chunkAddrs(await r.rawInode(e.id));
      for (const a of addrs) {
        if (a.blobIndex < 0 || a.blobIndex >= r.blobs.length) {
          out.push(nydusFinding('nydus.chunk.blob-index', a.offset + 2, 2, `${path}: chunk index names blob ${a.blobIndex} of ${r.blobs.length}`, { nodeId: e.id, path, actual: String(a.blobIndex) }));
        } else if (haveTable && !r.chunkOf(a)) {
          out.push(nydusFinding('nydus.v6.chunk.addr', a.offset, 8, `${path}: no chunk table record for blob ${a.blobIndex}, chunk ${a.blobCiIndex} at block ${a.blockAddr}`, { nodeId: e.id, path }));
        }
      }
    } catch (err) {
      out.push({ ...asFinding(err, { offset: 0, length: 0 }), nodeId: e.id, path });
    }
  }, { onProblem: () => undefined, ...(options.signal ? { signal: options.signal } : {}) });
  prefetchRules(r, inos, out);
}

/** The blob's own chunk info array must describe each chunk as the bootstrap's chunk table does. */
async function ciTableRules(r: NydusV6Reader, b: NydusBlob, out: Finding[]): Promise<void> {
  if (!b.file || !b.entry || b.entry.ciCompressedSize === 0) return;
  let ci;
  try {
    ci = await loadBlobChunkInfos(b.file.source, b.entry);
  } catch (e) {
    out.push(asFinding(e, { offset: b.entry.offset, length: 256 }));
    return;
  }
  for (const c of r.rafs.chunkTable) {
    if (c.blobIndex !== b.index) continue;
    const own = ci[c.index];
    const same = own && own.compressedOffset === c.compressedOffset && own.compressedSize === c.compressedSize &&
      own.uncompressedOffset === c.uncompressedOffset && own.uncompressedSize === c.uncompressedSize;
    if (!same) {
      out.push(nydusFinding('nydus.v6.chunk.ci-table', c.offset, 80, `chunk ${c.index} of blob ${b.index}: the blob's chunk info array ${own ? `says ${hex(own.compressedOffset)}+${own.compressedSize} -> ${hex(own.uncompressedOffset)}+${own.uncompressedSize}` : 'has no such record'}, the chunk table ${hex(c.compressedOffset)}+${c.compressedSize} -> ${hex(c.uncompressedOffset)}+${c.uncompressedSize}`));
    }
  }
}

async function blobRules(r: NydusV6Reader, out: Finding[], options: CheckOptions): Promise<void> {
  for (const b of r.blobs) {
    if (!b.file || !b.space) continue;
    await ciTableRules(r, b, out);
    if (b.entry && b.file.source.size < b.entry.compressedSize) {
      out.push(nydusFinding('nydus.blob.size', ...b.entry.fieldRanges['compressed_size']!, `blob ${b.index} (${b.file.location}) holds ${b.file.source.size} bytes, the bootstrap records ${b.entry.compressedSize}`, {
        expected: String(b.entry.compressedSize), actual: String(b.file.source.size),
      }));
    }
    for (const ch of b.space.chunks) {
      if (options.signal?.aborted) return;
      try {
        const data = await b.space.chunk(ch);
        if (!chunkDigestMatches(data, ch, b.digest)) {
          out.push(nydusFinding('nydus.chunk.digest', ch.record.offset + CHUNK_INFO_FIELD.block_id[0], CHUNK_INFO_FIELD.block_id[1], `chunk at blob ${b.index} ${hex(ch.compressedOffset)}+${ch.compressedSize}: its ${b.digest} digest differs from the one recorded`));
        }
      } catch (err) {
        out.push(asFinding(err, ch.record));
      }
    }
  }
}

export async function checkRafsV6(r: NydusV6Reader, base: CheckResult, options: CheckOptions = {}): Promise<CheckResult> {
  const findings = superblockRules(r, base.findings);
  deviceRules(r, findings);
  await chunkIndexRules(r, findings, options);
  await blobRules(r, findings, options);
  return { ...base, findings };
}
