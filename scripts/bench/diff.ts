/**
 * Issue #6 benchmark: `diffImages` time after opening, on the 201,277-inode benchmark image against
 *  1. a copy with six inodes patched in place (mode, mtime, uid, digest, redirect, inline byte),
 *  2. a rebuild from the benchmark dump with one file added, which moves every inode (new nids),
 *  3. a copy with every inode's mtime changed (every entry modified),
 *  4. that copy with the top-level directories renamed too (every entry removed and added),
 *  5. a copy with only the top-level directories renamed (every entry one-sided, paired back
 *     into 20 directory renames).
 * Targets on 2 cores: < 1 s for 1 and 2, < 3 s for 3, 4 and 5. Medians of 3 runs, fresh readers each.
 * The patched copies are made by locating the fields through our reader; each run checks that the
 * diff reports exactly what was changed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from '../../test/helpers/corpus.ts';
import { openImageFile } from '../../electron/services/open-file.ts';
import { diffImages, formatChange } from '../../shared/diff/index.ts';
import type { DiffResult } from '../../shared/diff/diff.ts';
import type { ErofsReader } from '../../shared/erofs/reader.ts';
import type { ImageReader } from '../../shared/model.ts';
import { imageFromDump } from '../../test/helpers/image-builder.ts';
import { median } from './_bundle.ts';

if (!BENCH_DIR || !existsSync(join(BENCH_DIR, 'big.cfs.gz'))) {
  console.log('bench image ../shared/bench/big.cfs.gz not found: skipped');
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'cfs-bench-diff-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const big = readFileSync(join(BENCH_DIR, 'big.cfs.gz'));
const original = new Uint8Array(gunzipSync(big));
const path = (name: string) => join(work, name);
writeFileSync(path('big.cfs'), original);

/* Field offsets inside struct erofs_inode_compact / erofs_inode_extended (kernel erofs_fs.h). */
const I_MODE = 4;
const COMPACT_I_MTIME = 12;
const COMPACT_I_UID = 24;
const EXTENDED_I_UID = 24;
const EXTENDED_I_MTIME = 32;

const le16 = (b: Uint8Array, p: number, v: number) => ((b[p] = v & 0xff), (b[p + 1] = v >> 8));
const add32 = (b: Uint8Array, p: number, d: number) => {
  const v = ((b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000 + d) >>> 0;
  for (let i = 0; i < 4; i++) b[p + i] = (v >>> (8 * i)) & 0xff;
};

const reader = (await openImageFile(path('big.cfs'))) as ErofsReader;
await reader.prefetchAll();

/** Every non-directory under the root, depth first, with its nid. */
async function files(r: ErofsReader, dir = r.rootId, prefix = ''): Promise<{ path: string; nid: number }[]> {
  const out: { path: string; nid: number }[] = [];
  for (const e of await r.children(dir)) {
    const p = `${prefix}/${new TextDecoder().decode(e.name)}`;
    if (e.kind === 'dir') out.push(...(await files(r, e.id, p)));
    else if (dir !== r.rootId) out.push({ path: p, nid: e.id });
  }
  return out;
}
const all = await files(reader);

/** Case 1: six inodes patched in place, each a different class of change. */
const patched = original.slice();
const expected: string[] = [];
const pick = async (i: number, want: (n: Awaited<ReturnType<ImageReader['node']>>) => boolean) => {
  for (let k = i; k < all.length; k++) {
    const n = await reader.node(all[k]!.nid);
    if (want(n)) return { ...all[k]!, node: n, ino: await reader.rawInode(all[k]!.nid) };
  }
  throw new Error('no suitable file in the benchmark image');
};
const overlayValue = async (ino: Awaited<ReturnType<ErofsReader['rawInode']>>, suffix: string) => {
  const { inline } = await reader.xattrEntries(ino);
  const e = inline.find((x) => new TextDecoder().decode(x.suffix) === suffix)!;
  return e.offset + 4 + e.suffix.length; // struct erofs_xattr_entry is 4 bytes, then name, then value
};
{
  const f = await pick(1000, (n) => n.kind === 'file');
  le16(patched, f.ino.offset + I_MODE, (f.node.mode & ~0o777) | 0o600);
  expected.push(`${f.path}:mode`);
}
{
  const f = await pick(40_000, (n) => n.kind === 'file');
  add32(patched, f.ino.offset + (f.ino.extended ? EXTENDED_I_MTIME : COMPACT_I_MTIME), 1);
  expected.push(`${f.path}:mtime`);
}
{
  const f = await pick(80_000, (n) => n.kind === 'file' && n.uid === 0);
  // uid is 16 bits in a compact inode and 32 in an extended one; 0 -> 1234 only touches the low half.
  le16(patched, f.ino.offset + (f.ino.extended ? EXTENDED_I_UID : COMPACT_I_UID), 1234);
  expected.push(`${f.path}:uid`);
}
{
  const f = await pick(120_000, (n) => n.data.kind === 'chunks');
  patched[(await overlayValue(f.ino, 'overlay.metacopy')) + 4 + 5]! ^= 0x01;
  expected.push(`${f.path}:digest`);
}
{
  const f = await pick(160_000, (n) => n.data.kind === 'chunks');
  const at = (await overlayValue(f.ino, 'overlay.redirect')) + 10;
  patched[at] = patched[at] === 0x30 ? 0x31 : 0x30;
  expected.push(`${f.path}:redirect`);
}
{
  const f = await pick(190_000, (n) => n.kind === 'file' && n.data.kind === 'inline');
  const d = f.node.data as { offset: number };
  patched[d.offset]! ^= 0x20;
  expected.push(`${f.path}:data`);
}
writeFileSync(path('patched.cfs'), patched);

/** Case 2: rebuilt by our writer from the benchmark's dump with one file added in front. */
const dump = gunzipSync(readFileSync(join(BENCH_DIR, 'big.dump.gz')));
const firstNewline = dump.indexOf(0x0a);
const addedLine = Buffer.from('/0-added 5 100644 1 0 0 0 1700000000.0 - hello -\n');
writeFileSync(path('rebuilt.cfs'), imageFromDump(Buffer.concat([dump.subarray(0, firstNewline + 1), addedLine, dump.subarray(firstNewline + 1)])));

/** Case 3: every inode's mtime one second later. Case 4: and every top-level directory renamed. */
const touched = original.slice();
const nids = [reader.rootId];
for (let i = 0; i < nids.length; i++) {
  const ino = await reader.rawInode(nids[i]!);
  add32(touched, ino.offset + (ino.extended ? EXTENDED_I_MTIME : COMPACT_I_MTIME), 1);
  if ((ino.mode & 0o170000) === 0o040000) for (const e of await reader.children(nids[i]!)) nids.push(e.id);
}
writeFileSync(path('touched.cfs'), touched);
const renameTopDirs = (image: Uint8Array, blocks: Awaited<ReturnType<ErofsReader['dirBlocks']>>) => {
  const out = image.slice();
  for (const block of blocks) for (const d of block.dirents) if (d.name.length === 3 && d.name[0] === 0x64) out[d.nameOffset] = 0x65; // dNN -> eNN
  return out;
};
const rootBlocks = await reader.dirBlocks(await reader.rawInode(reader.rootId));
writeFileSync(path('disjoint.cfs'), renameTopDirs(touched, rootBlocks));
writeFileSync(path('renamed.cfs'), renameTopDirs(original, rootBlocks));
await reader.close();

interface Timing {
  times: number[];
  /** CPU seconds of this process: on a shared machine wall time also counts other people's work. */
  cpu: number[];
  result: DiffResult;
}

async function timeDiff(other: string): Promise<Timing> {
  const times: number[] = [];
  const cpu: number[] = [];
  let result: DiffResult | undefined;
  for (let run = 0; run < 3; run++) {
    const a = await openImageFile(path('big.cfs'));
    const b = await openImageFile(path(other));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await diffImages(a, b);
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    await Promise.all([a.close(), b.close()]);
  }
  return { times, cpu, result: result! };
}

const report = (label: string, target: number, r: Timing) => {
  const m = median(r.times);
  const c = r.result.counts;
  console.log(
    `diff big.cfs vs ${label}: median ${m.toFixed(2)} s [${r.times.map((t) => t.toFixed(2)).join(' ')}], ` +
      `cpu ${median(r.cpu).toFixed(2)} s; ${c.added} added, ${c.removed} removed, ${c.modified} modified, ${c.renamed} renamed; ` +
      `target < ${target} s${m < target ? '' : ' (MISSED)'}`,
  );
};

const small = await timeDiff('patched.cfs');
const got = small.result.changes.map((c) => `${c.path}:${c.fields.map((f) => f.field).join(',')}`);
if (JSON.stringify(got) !== JSON.stringify(expected.sort())) {
  throw new Error(`patched copy: expected ${expected.join(' ')}, got:\n${small.result.changes.map(formatChange).join('\n')}`);
}
report('copy with 6 inodes patched', 1, small);

const rebuilt = await timeDiff('rebuilt.cfs');
const rebuiltLines = rebuilt.result.changes.map(formatChange);
if (rebuiltLines.join('\n') !== 'added file /0-added') throw new Error(`rebuild: unexpected\n${rebuiltLines.join('\n')}`);
report('rebuild with 1 file added (every inode moved)', 1, rebuilt);

const touchedRun = await timeDiff('touched.cfs');
if (touchedRun.result.counts.modified !== 201_021) throw new Error(`touched: ${JSON.stringify(touchedRun.result.counts)}`);
report('copy with every mtime changed', 3, touchedRun);

const disjointRun = await timeDiff('disjoint.cfs');
if (disjointRun.result.counts.added !== 201_020 || disjointRun.result.counts.removed !== 201_020) {
  throw new Error(`disjoint: ${JSON.stringify(disjointRun.result.counts)}`);
}
report('disjoint tree (top dirs renamed, every mtime changed)', 3, disjointRun);

const renamedRun = await timeDiff('renamed.cfs');
const renamedLines = renamedRun.result.changes.map(formatChange);
if (renamedLines.length !== 20 || renamedLines[0] !== 'renamed dir /d00 -> /e00') throw new Error(`renamed: unexpected\n${renamedLines.join('\n')}`);
report('copy with the 20 top-level directories renamed', 3, renamedRun);
