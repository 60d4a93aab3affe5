#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (TypeScript through tsx).
// Extra arguments filter test files by substring: `npm test -- erofs conformance`.
// The output is node's (spec reporter, its summary included), then one plain last line,
// `N passed, N failed`, so any reader can count the run.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.test.ts') ? [p] : [];
  });

/** Counts from the spec reporter's summary (`ℹ pass N`, `ℹ fail N`), colour codes or not. */
export function summaryCounts(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const last = (name) => {
    const all = [...plain.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const pass = last('pass');
  const fail = last('fail');
  if (pass === undefined || fail === undefined) return undefined;
  // Cancelled tests (a file that crashed or timed out) did not pass either.
  return { passed: pass, failed: fail + (last('cancelled') ?? 0) };
}

async function main() {
  const filters = process.argv.slice(2);
  const files = walk(join(root, 'test'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error('no test files matched');
    console.log('0 passed, 0 failed');
    return 1;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
    stdio: ['inherit', 'pipe', 'inherit'],
    cwd: root,
    // Keep node's colours when a person is watching.
    env: process.stdout.isTTY && !process.env.NO_COLOR ? { ...process.env, FORCE_COLOR: '1' } : process.env,
  });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    // The summary is the last few lines; keep a bounded tail of the output.
    tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
  });
  const status = await new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  const counts = summaryCounts(tail);
  if (!counts) {
    console.log(`test runner ended without a summary (exit ${status})`);
    console.log('0 passed, 1 failed');
    return status || 1;
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return status;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
