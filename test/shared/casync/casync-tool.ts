/**
 * Debian's casync as the oracle: archives and indexes made with `casync make` from real trees at
 * test time, and the tool's own `list`, `mtree`, `digest` and `extract` to compare with. Not a test
 * file itself. Without casync the tests skip with a message, except under CI=true where .ci/run
 * installs it and its absence is a failure.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImageFile } from '../../../electron/services/open-file.ts';
import type { CasyncReader } from '../../../shared/casync/reader.ts';
import { hasTool, pattern, setXattrs, tempDir } from '../oci/gnu-tar.ts';

export const HAS_CASYNC = hasTool('casync', '--version');
if (!HAS_CASYNC && process.env.CI === 'true') throw new Error('casync is not installed; .ci/run installs it (apt-get install casync)');
export const casyncSkip: string | false = HAS_CASYNC ? false : 'casync not installed (apt-get install casync); skipped outside CI';

/** Runs casync in `cwd` (where default.castr lives) and returns its stdout. */
export function casync(args: string[], cwd: string): Buffer {
  return execFileSync('casync', args, { cwd, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

export interface Made {
  dir: string;
  /** The archive or index path. */
  path: string;
}

/** `casync make NAME TREE` in a fresh folder (the index's store is that folder's default.castr). */
export function make(tree: string, name: string, extra: string[] = []): Made {
  const dir = tempDir('casync');
  casync(['make', ...extra, name, tree], dir);
  return { dir, path: join(dir, name) };
}

/** A copy of a made archive/index with its store, to damage. */
export function copyMade(m: Made): Made {
  const dir = tempDir('casync-copy');
  cpSync(m.dir, dir, { recursive: true });
  return { dir, path: join(dir, m.path.slice(m.dir.length + 1)) };
}

export const openCasyncFile = async (path: string): Promise<CasyncReader> => (await openImageFile(path)) as CasyncReader;

/** Every chunk file of a store, by chunk id (hex). */
export function chunkFiles(dir: string): Map<string, string> {
  const store = join(dir, 'default.castr');
  const out = new Map<string, string>();
  for (const sub of readdirSync(store)) {
    for (const f of readdirSync(join(store, sub))) if (f.endsWith('.cacnk')) out.set(f.slice(0, -'.cacnk'.length), join(store, sub, f));
  }
  return out;
}

export const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/**
 * A tree every tool here can archive and extract alike: files of many sizes (one spans several
 * chunks), an empty file, nested and empty directories, a symlink, a fifo, xattrs, a non-UTF-8
 * name, nanosecond mtimes. No hard links: catar stores each name as its own file.
 */
export function makeCasyncTree(opts: { bigFile?: number } = {}): { root: string; xattrs: boolean } {
  const root = tempDir('casync-src');
  const p = (rel: string) => join(root, rel);
  mkdirSync(p('etc/conf.d'), { recursive: true });
  mkdirSync(p('empty-dir'));
  mkdirSync(p('usr/share/doc'), { recursive: true });
  writeFileSync(p('etc/hostname'), 'casync-test\n');
  writeFileSync(p('etc/conf.d/empty'), '');
  writeFileSync(p('usr/share/doc/big.bin'), pattern(opts.bigFile ?? 700_000, 'big'));
  for (const n of [1, 4095, 4096, 70_000]) writeFileSync(p(`usr/size-${n}`), pattern(n, `size-${n}`));
  writeFileSync(Buffer.concat([Buffer.from(root + '/usr/'), Buffer.from([0x6e, 0xff, 0x21])]), 'latin1 name');
  writeFileSync(p('usr/tool'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('../etc/hostname', p('usr/link'));
  execFileSync('mkfifo', [p('usr/fifo')]);
  const xattrs = setXattrs(p('etc/hostname'), { 'user.plain': new TextEncoder().encode('value'), 'user.binary': Uint8Array.of(0, 1, 0xff) })
    && setXattrs(p('etc/conf.d'), { 'user.dir': new TextEncoder().encode('on a dir') });
  execFileSync('touch', ['-h', '-d', '@1700000000.123456789', p('etc/hostname')]);
  execFileSync('touch', ['-h', '-d', '@1600000000.5', p('usr/link')]);
  for (const d of ['etc/conf.d', 'etc', 'empty-dir', 'usr/share/doc', 'usr/share', 'usr', '.']) execFileSync('touch', ['-d', '@1650000000.25', p(d)]);
  return { root, xattrs };
}
