import { toHex } from '../../../shared/model.ts';
import { createVerityPool } from '../../verity/pool.ts';
import { UsageError, parseOptions, type Command } from '../io.ts';

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
  usage: 'measure FILE...',
  options: [],
  summary: 'print fs-verity digests as `fsverity digest` does (sha256, 4096-byte blocks)',
  async run({ args, out, err }) {
    const { positional } = parseOptions(args, []);
    if (positional.length === 0) throw new UsageError('needs at least one FILE');
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
