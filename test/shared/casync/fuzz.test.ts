/**
 * Bounded mutation loop over casync archives and indexes made by casync: bits flipped, ranges
 * zeroed, cut short, bytes spliced, and record fields (sizes, types, goodbye items, table offsets,
 * chunk bytes) rewritten. Every case must open or be refused with a DecodeError, walk, check and
 * read file data without any other exception, and finish; every finding must carry a known code
 * and a range inside the stream. Prints its case count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource, type SiblingFiles } from '../../../shared/bytes/source.ts';
import { CASYNC_CODES, isCasyncCode } from '../../../shared/casync/codes.ts';
import { openCasync, type CasyncReader } from '../../../shared/casync/reader.ts';
import { checkImage } from '../../../shared/check/index.ts';
import { walk } from '../../../shared/walk.ts';
import { mulberry32 } from '../../helpers/prng.ts';
import { removeDir } from '../oci/gnu-tar.ts';
import { casyncSkip, chunkFiles, make, makeCasyncTree, type Made } from './casync-tool.ts';

const CATAR_CASES = Number(process.env.CATAR_CASES ?? 700);
const CAIDX_CASES = Number(process.env.CAIDX_CASES ?? 300);
/** A case that has not finished by then is a hang (generous: a case takes milliseconds). */
const HANG_MS = 30_000;

type Rng = { int: (n: number) => number; next: () => number };
const prng = (seed: number): Rng => {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n) };
};

function putU64(b: Uint8Array, at: number, v: bigint): void {
  if (at < 0 || at + 8 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(at, v & 0xffffffffffffffffn, true);
}

const INTERESTING = [0n, 1n, 15n, 16n, 17n, 24n, 40n, 48n, 64n, 0x7fffffffn, 0xffffffffn, 1n << 53n, 0xffffffffffffffffn];

/** One damaged copy; `fields` are offsets of u64 fields worth rewriting (record sizes, types, items). */
function mutate(src: Uint8Array, fields: readonly number[], rng: Rng): { bytes: Uint8Array; how: string } {
  let b = src.slice();
  const at = rng.int(Math.max(1, b.length));
  switch (rng.int(6)) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return { bytes: b, how: `flip ${n} bits` };
    }
    case 1: {
      const n = 1 + rng.int(300);
      b.fill(rng.int(2) ? 0 : 0xff, at, at + n);
      return { bytes: b, how: `fill ${at}+${n}` };
    }
    case 2:
      return { bytes: b.subarray(0, at), how: `truncate at ${at}` };
    case 3: {
      const from = rng.int(b.length);
      const piece = src.slice(from, from + 1 + rng.int(256));
      const out = new Uint8Array(b.length + piece.length);
      out.set(b.subarray(0, at));
      out.set(piece, at);
      out.set(b.subarray(at), at + piece.length);
      b = out;
      return { bytes: b, how: `insert ${from}+${piece.length} at ${at}` };
    }
    default: {
      const f = fields[rng.int(fields.length)] ?? 0;
      const v = rng.int(3) === 0 ? BigInt(rng.int(1 << 30)) : INTERESTING[rng.int(INTERESTING.length)]!;
      putU64(b, f, v);
      return { bytes: b, how: `u64 at ${f} := ${v}` };
    }
  }
}

function memorySiblings(files: Map<string, Uint8Array>): SiblingFiles {
  return {
    where: 'memory',
    async read(path, max) {
      const f = files.get(path);
      if (f && f.length > max) throw new Error(`${path} is larger than ${max}`);
      return f;
    },
  };
}

/** Opens, walks, checks and reads: everything the app and CLI would do with the file. */
async function exercise(bytes: Uint8Array, siblings?: SiblingFiles): Promise<'unreadable' | 'findings' | 'clean'> {
  let r: CasyncReader;
  try {
    r = await openCasync(memorySource(bytes), siblings ? { siblings } : {});
  } catch (e) {
    if (e instanceof DecodeError) return 'unreadable';
    throw e;
  }
  await walk(r, async (e) => {
    if (e.node.kind === 'file' || e.node.kind === 'symlink') {
      await r.readData(e.id, 0, Math.min(e.node.size, 4096)).catch((err: unknown) => {
        if (!(err instanceof DecodeError)) throw err;
      });
    }
  }, { onProblem: () => undefined });
  const { findings } = await checkImage(r);
  for (const f of findings) {
    assert.ok(isCasyncCode(f.code), `unknown code ${f.code}`);
    assert.equal(f.severity, CASYNC_CODES[f.code as keyof typeof CASYNC_CODES].severity, f.code);
    assert.ok(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= Math.max(r.size, bytes.length), `${f.code} range ${f.offset}+${f.length} outside ${r.size}`);
  }
  await r.close();
  return findings.length ? 'findings' : 'clean';
}

async function withWatchdog<T>(p: Promise<T>): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const dog = new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), HANG_MS)));
  try {
    return await Promise.race([p, dog]);
  } finally {
    clearTimeout(timer);
  }
}

interface Tally { cases: number; crashes: string[]; hangs: string[]; outcomes: Record<string, number> }

async function runCase(t: Tally, label: string, p: () => Promise<string>): Promise<void> {
  t.cases++;
  try {
    const out = await withWatchdog(p());
    if (out === 'hang') t.hangs.push(label);
    else t.outcomes[out] = (t.outcomes[out] ?? 0) + 1;
  } catch (e) {
    t.crashes.push(`${label}: ${(e as Error)?.stack ?? String(e)}`);
  }
}

let root: string;
let catar: Made;
let caidx: Made;
before(() => {
  root = makeCasyncTree({ bigFile: 60_000 }).root;
  catar = make(root, 'tree.catar');
  caidx = make(root, 'tree.caidx', ['--chunk-size=8192']);
});
after(() => {
  for (const d of [root, catar?.dir, caidx?.dir]) if (d) removeDir(d);
});

test('damaged catar archives and caidx indexes never crash or hang the reader and check', { skip: casyncSkip, timeout: 600_000 }, async () => {
  const t: Tally = { cases: 0, crashes: [], hangs: [], outcomes: {} };

  const archive = new Uint8Array(readFileSync(catar.path));
  const scan = (await openCasync(memorySource(archive))).scan!;
  // Size and type words of every record, goodbye items and tails, ENTRY fields.
  const fields = scan.nodes.flatMap((n) => [
    ...n.records.flatMap((r) => [r.offset, r.offset + 8]),
    ...(n.filename ? [n.filename.offset] : []),
    ...Object.values(n.entry.fieldRanges).map(([o]) => o),
    ...(n.goodbye ? [n.goodbye.offset, ...n.goodbye.items.flatMap((i) => [i.at, i.at + 8, i.at + 16]), n.goodbye.tail.at, n.goodbye.tail.at + 8] : []),
  ]);
  for (let i = 0; i < CATAR_CASES; i++) {
    const m = mutate(archive, fields, prng(0xca7a + i));
    await runCase(t, `catar case ${i} (${m.how})`, () => exercise(m.bytes));
  }

  const index = new Uint8Array(readFileSync(caidx.path));
  const store = new Map<string, Uint8Array>();
  for (const [id, path] of chunkFiles(caidx.dir)) store.set(`default.castr/${id.slice(0, 4)}/${id}.cacnk`, new Uint8Array(readFileSync(path)));
  const names = [...store.keys()].sort();
  const indexFields = [0, 8, 16, 24, 32, 40, 48, 56, ...Array.from({ length: (index.length - 104) / 40 }, (_, k) => 64 + 40 * k), index.length - 40, index.length - 24, index.length - 16];
  for (let i = 0; i < CAIDX_CASES; i++) {
    const rng = prng(0x1d + i);
    const files = new Map(store);
    let bytes: Uint8Array = index;
    let how: string;
    if (rng.int(2)) {
      const m = mutate(index, indexFields, rng);
      bytes = m.bytes;
      how = `index: ${m.how}`;
    } else {
      const name = names[rng.int(names.length)]!;
      if (rng.int(4) === 0) {
        files.delete(name);
        how = `chunk ${name} removed`;
      } else {
        const m = mutate(store.get(name)!, [0, 4, 8], rng);
        files.set(name, m.bytes);
        how = `chunk ${name}: ${m.how}`;
      }
    }
    await runCase(t, `caidx case ${i} (${how})`, () => exercise(bytes, memorySiblings(files)));
  }

  console.log(`casync fuzz: ${t.cases} cases, ${t.crashes.length} crashes, ${t.hangs.length} hangs; outcomes ${JSON.stringify(t.outcomes)}`);
  assert.deepEqual(t.crashes, []);
  assert.deepEqual(t.hangs, []);
  assert.equal(t.cases, CATAR_CASES + CAIDX_CASES);
  // The loop damages things: most cases must end in findings or a refusal, not a clean bill.
  assert.ok((t.outcomes.findings ?? 0) + (t.outcomes.unreadable ?? 0) > t.cases / 2, JSON.stringify(t.outcomes));
});
