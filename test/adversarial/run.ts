/** Spawns test/adversarial/child.ts with a cfs-inspect command line and collects its resource usage. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/corpus.ts';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** User + system CPU time of the child. */
  cpuMs: number;
  /** Peak resident set size of the child. */
  maxRssMb: number;
}

/** Only turns a hang (the failure this suite exists to catch) into a failure; not a timing bound. */
const HANG_GUARD_MS = 600_000;

export const scratch = mkdtempSync(join(tmpdir(), 'cfs-adversarial-'));

export function writeScratch(name: string, bytes: Uint8Array): string {
  const p = join(scratch, name);
  writeFileSync(p, bytes);
  return p;
}

let n = 0;
export function runCli(args: string[], options: { heapMb?: number } = {}): Run {
  const usage = join(scratch, `rusage-${process.pid}-${n++}.json`);
  const r = spawnSync(
    process.execPath,
    [...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : []), '--import', 'tsx', join(REPO_ROOT, 'test/adversarial/child.ts'), ...args],
    { cwd: REPO_ROOT, encoding: 'latin1', env: { ...process.env, ADV_RUSAGE_OUT: usage }, timeout: HANG_GUARD_MS, maxBuffer: 256 << 20 },
  );
  if (r.error) throw r.error;
  const u = JSON.parse(readFileSync(usage, 'utf8')) as { cpuMs: number; maxRssMb: number };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...u };
}
