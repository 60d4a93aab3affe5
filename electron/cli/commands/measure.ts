import { toHex } from '../../../shared/model.ts';
import { createVerityPool } from '../../verity/pool.ts';
import { UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { digestFileHere, nodeVerityHash } from '../../verity/node-hash.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'hash', value: 'sha256|sha512', help: 'the fs-verity hash (sha256 unless told; repositories made by cfsctl use sha512)' },
  { name: 'block-size', value: 'N', help: 'the fs-verity block size, a power of two from 1024 to 65536 (4096 unless told)' },
];

function hashOf(v: string | undefined): 'sha256' | 'sha512' {
  if (v === undefined || v === 'sha256' || v === 'sha512') return v ?? 'sha256';
  throw new UsageError(`--hash must be sha256 or sha512 (got ${v})`);
}

function blockSizeOf(v: string | undefined): number {
  if (v === undefined) return 4096;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n > 65536 || (n & (n - 1)) !== 0) throw new UsageError(`--block-size must be a power of two from 1024 to 65536 (got ${v})`);
  return n;
}

function describe(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `${path}: no such file`;
  if (code === 'EACCES') return `${path}: permission denied`;
  if (code === 'EISDIR') return `${path}: is a directory`;
  return `${path}: ${(e as Error)?.message ?? String(e)}`;
}

/** Files measured at once: enough for the pool to batch small files, not every argument at once. */
const IN_FLIGHT = 256;

const command: Command = {
  usage: 'measure FILE... [--hash sha256|sha512] [--block-size N]',
  options: OPTIONS,
  summary: 'print fs-verity digests as `fsverity digest` does (sha256 or sha512, 4096-byte blocks unless told)',
  async run({ args, out, err }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('needs at least one FILE');
    const hash = hashOf(flags.get('hash')?.[0]);
    const blockSize = blockSizeOf(flags.get('block-size')?.[0]);
    if (hash !== 'sha256' || blockSize !== 4096) {
      // The hashing pool does sha256 with 4 KiB blocks; anything else is measured on this thread.
      const h = nodeVerityHash(hash);
      let failed = false;
      for (const path of positional) {
        try {
          out.text(`${hash}:${toHex(digestFileHere(path, h, blockSize))} ${path}\n`);
        } catch (e) {
          failed = true;
          err(describe(path, e));
        }
      }
      return failed ? 2 : 0;
    }
    const pool = createVerityPool();
    let failed = false;
    try {
      // Digests run in parallel but print in argument order, as `fsverity digest` would.
      const jobs = new Map<number, Promise<string>>();
      const start = (i: number) => {
        const path = positional[i]!;
        const p = pool.digestFile(path).then(
          (d) => `sha256:${toHex(d.digest)} ${path}\n`,
          (e) => {
            failed = true;
            err(describe(path, e));
            return '';
          },
        );
        jobs.set(i, p);
      };
      for (let i = 0; i < Math.min(IN_FLIGHT, positional.length); i++) start(i);
      for (let i = 0; i < positional.length; i++) {
        out.text(await jobs.get(i)!);
        jobs.delete(i);
        if (i + IN_FLIGHT < positional.length) start(i + IN_FLIGHT);
      }
    } finally {
      await pool.close();
    }
    return failed ? 2 : 0;
  },
};
export default command;
