/**
 * cfs-inspect: the command-line face of the inspector. Each command lives in its own module and is
 * loaded only when used, so `cfs-inspect ls` does not pay for the verity pool or the diff engine.
 */
import { CliError, UsageError, commandHelp, createOutput, takeDeviceArgs, type Command } from './io.ts';
import pkg from '../../package.json' with { type: 'json' };
import { DecodeError } from '../../shared/bytes/cursor.ts';
import { delimiter } from 'node:path';
import { BLOB_DIR_ENV, cliBlobDirs, takeBlobDirs } from './blob-dirs.ts';
import { COMMANDS } from './registry.ts';


async function usage(): Promise<string> {
  const lines = [
    'usage: cfs-inspect <command> [options] ...',
    '       cfs-inspect <command> --help   every option of one command',
    '       cfs-inspect --version',
    '',
    'global options:',
    '  --blob-dir DIR   look for Nydus data blobs in DIR (before the bootstrap\'s directory and its blobs/)',
    '',
    'commands:',
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      const { default: c } = await load();
      lines.push(`  ${c.usage.padEnd(52)} ${c.summary}`);
    } catch {
      lines.push(`  ${name}`);
    }
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const out = createOutput(1);
  const err = (line: string) => process.stderr.write(`cfs-inspect: ${line}\n`);
  let taken: ReturnType<typeof takeBlobDirs>;
  try {
    taken = takeBlobDirs(argv);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  if (taken.dirs.length) process.env[BLOB_DIR_ENV] = [...taken.dirs, ...cliBlobDirs()].join(delimiter);
  const [name, ...args] = taken.rest;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`cfs-inspect ${pkg.version}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await usage()) + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    err(`unknown command '${name}' (try --help)`);
    return 2;
  }
  try {
    const { default: command } = await load();
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    const { args: rest, devices } = takeDeviceArgs(args);
    const code = await command.run({ args: rest, out, err, stderrIsTTY: Boolean(process.stderr.isTTY), ...(devices.length ? { devices } : {}) });
    out.flush();
    return code;
  } catch (e) {
    out.flush();
    if (e instanceof UsageError) {
      err(`${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof CliError || e instanceof DecodeError) {
      err(e.message);
      return 2;
    }
    const ne = e as NodeJS.ErrnoException;
    if (ne && typeof ne.code === 'string' && ne.syscall) {
      err(`${ne.path ?? ''}: ${ne.code === 'ENOENT' ? 'no such file or directory' : ne.message}`);
      return 2;
    }
    // Anything else is our bug; still one line, never a stack trace (CFS_DEBUG=1 shows it).
    if (process.env.CFS_DEBUG) console.error(e);
    err(`internal error: ${(e as Error)?.message ?? String(e)}`);
    return 2;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
