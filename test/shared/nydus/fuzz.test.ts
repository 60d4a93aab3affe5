/**
 * Mutation fuzz of the Nydus readers and checker: Nydus's RAFS v6 and v5 fixtures with bytes
 * flipped, zeroed, set to boundary values or cut short, in the bootstrap's structures and in the
 * data blob. Every case is opened with its blob, checked, walked and every file read (the first
 * MiB): nothing may throw but a DecodeError, and check never throws at all. A hang fails the test
 * through its timeout. Each case is a pure function of (seed, index): the failure message names it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { checkSource } from '../../../shared/check/index.ts';
import type { BlobResolver } from '../../../shared/nydus/blobs.ts';
import { openImage } from '../../../shared/open.ts';
import { walk } from '../../../shared/walk.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { mulberry32 } from '../../helpers/prng.ts';

const NYDUS = corpusPath('11-nydus');
const CASES = 300;
const SEED = 20261204;

interface Seed {
  name: string;
  boot: Uint8Array;
  blobId: string;
  blob: Uint8Array;
  /** [offset, length] of the structures worth aiming at, in the bootstrap. */
  spots: [number, number][];
}

function seeds(): Seed[] {
  const v6 = join(NYDUS, 'rafs-v6');
  const v5 = join(NYDUS, 'rafs-v5-sha256-nocompress');
  const v6Blob = 'be7d77eeb719f70884758d1aa800ed0fb09d701aaec469964e9d54325f0d5fef';
  const v5Blob = '7334a2594e133cf8ae364189c2276b090fc490c627bcc3fb1077f0419a538e00';
  return [
    {
      name: 'rafs-v6', boot: new Uint8Array(readFileSync(join(v6, 'bootstrap'))), blobId: v6Blob, blob: new Uint8Array(readFileSync(join(v6, v6Blob))),
      // superblock, extended superblock, device table, blob table, inodes + chunk indexes, chunk table
      spots: [[1024, 128], [1152, 256], [1408, 128], [0x1000, 256], [0x3000, 0x160], [0x4000, 160]],
    },
    {
      name: 'rafs-v5', boot: new Uint8Array(readFileSync(join(v5, 'bootstrap'))), blobId: v5Blob, blob: new Uint8Array(readFileSync(join(v5, 'blobs', v5Blob))),
      // superblock fields, inode table, blob tables, the inodes
      spots: [[0, 80], [0x2000, 0xd8], [0x20d8, 0x88], [0x2160, 0x2000]],
    },
  ];
}

const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 4095, 4096, 0x100000];

function mutate(s: Seed, index: number): { boot: Uint8Array; blob: Uint8Array; ops: string[] } {
  const r = mulberry32(Math.imul(SEED, 31) ^ Math.imul(index + 1, 0x9e3779b1));
  const int = (n: number) => Math.floor(r() * n);
  let boot = s.boot.slice();
  const blob = s.blob.slice();
  const ops: string[] = [];
  const spot = () => {
    const [o, l] = s.spots[int(s.spots.length)]!;
    return Math.min(boot.length - 1, o + int(l));
  };
  for (let k = 1 + int(3); k > 0; k--) {
    const kind = int(100);
    if (kind < 35) {
      const at = spot();
      boot[at]! ^= 1 << int(8);
      ops.push(`flip@${at}`);
    } else if (kind < 60) {
      const at = spot() & ~3;
      const v = BOUNDARY[int(BOUNDARY.length)]!;
      for (let b = 0; b < 4 && at + b < boot.length; b++) boot[at + b] = (v >>> (8 * b)) & 0xff;
      ops.push(`set32@${at}:${v}`);
    } else if (kind < 70) {
      const at = spot();
      const len = 1 + int(64);
      boot.fill(0, at, at + len);
      ops.push(`zero@${at}+${len}`);
    } else if (kind < 80) {
      const cut = int(boot.length);
      boot = boot.slice(0, cut);
      ops.push(`truncate@${cut}`);
    } else {
      const at = int(Math.min(blob.length, 0x6000));
      blob[at]! ^= 1 << int(8);
      ops.push(`blob-flip@${at}`);
    }
  }
  return { boot, blob, ops };
}

/** Opens, walks and reads every file of a case; returns what went wrong other than a DecodeError. */
type Outcome = 'clean' | 'findings' | 'unreadable';

async function runCase(boot: Uint8Array, blobId: string, blob: Uint8Array): Promise<{ problem?: string; outcome?: Outcome }> {
  const blobs: BlobResolver = async (id) => (id === blobId ? { source: memorySource(blob), location: id } : undefined);
  const fail = (where: string, e: unknown) => (e instanceof DecodeError ? undefined : `${where}: ${(e as Error)?.stack ?? String(e)}`);
  let outcome: Outcome;
  try {
    const r = await checkSource(memorySource(boot), { open: { blobs } });
    outcome = r.unreadable ? 'unreadable' : r.findings.length ? 'findings' : 'clean';
  } catch (e) {
    return { problem: `check threw: ${(e as Error)?.stack ?? String(e)}` };
  }
  let reader;
  try {
    reader = await openImage(memorySource(boot), { blobs });
  } catch (e) {
    const problem = fail('open', e);
    return problem ? { problem, outcome } : { outcome };
  }
  let problem: string | undefined;
  try {
    reader.info();
    await walk(reader, async (e) => {
      if (e.node.kind !== 'file' && e.node.kind !== 'symlink') return;
      try {
        await reader.readData(e.id, 0, Math.min(e.node.size, 1 << 20));
      } catch (err) {
        problem ??= fail(`readData ${e.id}`, err);
      }
    }, { onProblem: (p) => void (problem ??= p.error === undefined ? undefined : fail('walk', p.error)) });
  } catch (e) {
    problem ??= fail('walk', e);
  }
  return problem ? { problem, outcome } : { outcome };
}

test(`${CASES} mutated Nydus bootstraps and blobs: no crash, no hang`, { skip: corpusSkip, timeout: 240_000 }, async () => {
  const all = seeds();
  const crashes: string[] = [];
  const outcomes = { clean: 0, findings: 0, unreadable: 0 };
  for (let i = 0; i < CASES; i++) {
    const s = all[i % all.length]!;
    const { boot, blob, ops } = mutate(s, i);
    const { problem, outcome } = await runCase(boot, s.blobId, blob);
    if (problem) crashes.push(`case ${i} (${s.name} ${ops.join(' ')}): ${problem}`);
    if (outcome) outcomes[outcome]++;
  }
  console.log(`nydus fuzz: ${CASES} cases (seed ${SEED}), ${crashes.length} crashes, 0 hangs; ${outcomes.findings} with findings, ${outcomes.unreadable} unreadable, ${outcomes.clean} clean`);
  assert.deepEqual(crashes, []);
  // The mutations reach the rules: most cases are caught.
  assert.ok(outcomes.findings + outcomes.unreadable > CASES / 2, JSON.stringify(outcomes));
});
