/** Shared plumbing for CLI commands: argument parsing, output, and the error contract (exit 2). */
import { writeSync } from 'node:fs';
import { ByteWriter } from '../../shared/bytes/writer.ts';

export class UsageError extends Error {}

/** A failure that should end the command with one line on stderr and exit 2. */
export class CliError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
}

/** One option of a command: what --help prints, and what the parser accepts (the same list). */
export interface OptionSpec {
  /** Without the leading dashes. */
  name: string;
  /** Placeholder of its value (`DIR`); absent for a flag. */
  value?: string;
  /** May be given more than once. */
  repeatable?: boolean;
  /** One line. */
  help: string;
}

/** Parses args against a command's declared options, so --help and the parser never disagree. */
export function parseOptions(argv: string[], options: readonly OptionSpec[]): ParsedArgs {
  return parseArgs(
    argv,
    options.filter((o) => o.value !== undefined).map((o) => o.name),
    options.filter((o) => o.value === undefined).map((o) => o.name),
  );
}

/** `cfs-inspect CMD --help`: usage, summary, then every option on one line each. */
export function commandHelp(command: Command): string {
  const rows: [string, string][] = (command.options ?? []).map((o) => [
    `--${o.name}${o.value ? ` ${o.value}` : ''}`,
    `${o.help}${o.repeatable ? ' (repeatable)' : ''}`,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [`usage: cfs-inspect ${command.usage}`, command.summary, '', 'options:', ...rows.map(([k, v]) => `  ${k.padEnd(w)}${v}`)].join('\n') + '\n';
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name`. `valued` lists flags that take a value.
 */
export function parseArgs(argv: string[], valued: string[], booleans: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (valued.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`);
        add(name, v);
      } else if (booleans.includes(name)) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        add(name, 'true');
      } else {
        throw new UsageError(`unknown option --${name}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/**
 * Buffered stdout writer: big listings are written in large chunks with synchronous writes, which
 * is several times faster than console.log per line and keeps output ordered with stderr.
 */
export function createOutput(fd = 1) {
  const chunks: string[] = [];
  let size = 0;
  let closed = false;
  const writeAll = (data: Uint8Array) => {
    let off = 0;
    while (off < data.length && !closed) {
      try {
        off += writeSync(fd, data, off, data.length - off);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN') continue;
        if (err.code === 'EPIPE') closed = true; // reader went away (| head): stop quietly
        else throw e;
      }
    }
  };
  const flush = () => {
    if (size === 0) return;
    const data = Buffer.from(chunks.join(''), 'latin1');
    chunks.length = 0;
    size = 0;
    writeAll(data);
  };
  return {
    /** Writes a string whose characters are all < 256 as raw bytes (latin1 = byte-exact). */
    raw(s: string) {
      chunks.push(s);
      size += s.length;
      if (size > 1 << 16) flush();
    },
    /** Writes Unicode text as UTF-8. */
    text(s: string) {
      this.raw(Buffer.from(s, 'utf8').toString('latin1'));
    },
    /** Writes bytes now (after any text still buffered); the caller may reuse them afterwards. */
    bytes(b: Uint8Array) {
      flush();
      writeAll(b);
    },
    /** A ByteWriter for bulk listings: one synchronous write per 64 KiB, call its flush() at the end. */
    writer(): ByteWriter {
      return new ByteWriter((b) => this.bytes(b));
    },
    flush,
  };
}

export type Output = ReturnType<typeof createOutput>;

/** Lines of latin1 strings (one char per byte, as object names are kept), through one ByteWriter: no string per line. */
export function writeLines(out: Output, lines: string[]): void {
  const w = out.writer();
  for (const line of lines) {
    w.latin1(line);
    w.byte(0x0a);
    w.maybeFlush();
  }
  w.flush();
}

export interface CommandContext {
  args: string[];
  out: Output;
  err: (line: string) => void;
  /** Is stderr a terminal (progress display)? */
  stderrIsTTY: boolean;
  /** `--device PATH` (any command, repeatable): extra devices of an EROFS image, in device-table order. */
  devices?: string[];
}

/** Takes every `--device PATH` / `--device=PATH` out of argv (they apply to whichever image is opened). */
export function takeDeviceArgs(argv: string[]): { args: string[]; devices: string[] } {
  const args: string[] = [];
  const devices: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--device') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError('--device needs a PATH');
      devices.push(v);
    } else if (a.startsWith('--device=')) devices.push(a.slice('--device='.length));
    else args.push(a);
  }
  return { args, devices };
}

/** A command returns its exit code. */
export type Command = {
  summary: string;
  usage: string;
  /** Every option it accepts (test/electron/cli/help.test.ts holds every command to declaring them). */
  options?: readonly OptionSpec[];
  run(ctx: CommandContext): Promise<number>;
};

/**
 * An object store given with --basedir must be an existing directory: the same message for the
 * same condition in every command.
 */
export async function checkStoreDirs(dirs: string[]): Promise<void> {
  // Opened O_DIRECTORY|O_NONBLOCK and fstat'ed: a FIFO given as a store must not block the command.
  const { assertDirectory, describeOpenError } = await import('../services/file-source.ts');
  for (const d of dirs) {
    try {
      await assertDirectory(d);
    } catch (e) {
      throw new CliError(describeOpenError(d, e, 'directory') ?? `${d}: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
