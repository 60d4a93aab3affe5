/**
 * cfs-inspect repo: a composefs repository as bootc and cfsctl keep it (/sysroot/composefs,
 * ~/.var/lib/composefs). Lists its images and streams, checks its health, shows an OCI stream's
 * JSON and named refs, and runs any other command on one of its images with its objects/ as the
 * store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoFinding } from '../../../shared/repository/model.ts';
import { CliError, UsageError, parseOptions, type Command, type CommandContext, type OptionSpec } from '../io.ts';
import {
  imagePathOf,
  objectStoreOf,
  openRepository,
  reassembleStream,
  repositoryHealth,
  resolveImage,
  resolveStream,
  RepositoryError,
  streamJson,
  type Repository,
} from '../../services/repository.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'print as JSON' },
  { name: 'time-budget', value: 'SECONDS', help: 'check: stop measuring object digests after this long; 0 measures none (the other rules still run)' },
];

/** Commands that take the object store as --basedir. */
const STORE_COMMANDS = new Set(['verify', 'missing-objects', 'cat', 'extract', 'share']);

const SUBCOMMANDS = 'info | images | streams | stream NAME | check | open IMAGE-OR-STREAM COMMAND [ARGS...]';

const size = (n: number) => n.toLocaleString('en-US');

function info(repo: Repository, json: boolean): string {
  const m = repo.meta;
  if (json) return JSON.stringify({ path: repo.path, meta: m, objects: repo.objectCount, objectBytes: repo.objectBytes, images: repo.images.length, streams: repo.streams.length }, null, 2);
  return [
    `repository: ${repo.path}`,
    `meta.json: ${m.synthesized ? `absent (${m.hash} decided by the object names)` : `version ${m.version}`}`,
    `algorithm: ${m.algorithm} (fs-verity ${m.hash}, ${1 << m.blockSizeLog2}-byte blocks)`,
    `features: compatible [${m.compatible.join(', ')}], read-only-compatible [${m.readOnlyCompatible.join(', ')}], incompatible [${m.incompatible.join(', ')}]`,
    ...(m.unknownReadOnlyCompatible.length ? [`unknown read-only-compatible features: ${m.unknownReadOnlyCompatible.join(', ')} (reading is safe; writing would not be)`] : []),
    `objects: ${size(repo.objectCount)} (${size(repo.objectBytes)} bytes)`,
    `images: ${repo.images.length}`,
    `streams: ${repo.streams.length}`,
  ].join('\n');
}

function images(repo: Repository, json: boolean): string {
  if (json) return JSON.stringify(repo.images, null, 2);
  return repo.images.map((i) => `${i.digest}  ${i.format.padEnd(13)} ${size(i.size).padStart(12)}${i.refs.length ? `  ${i.refs.join(', ')}` : ''}`).join('\n');
}

function streams(repo: Repository, json: boolean): string {
  if (json) return JSON.stringify(repo.streams, null, 2);
  return repo.streams
    .map((s) => `${s.name}  ${s.contentType}  ${size(s.size)}${s.ociTags.length ? `  tags: ${s.ociTags.join(', ')}` : ''}${s.refs.length ? `  refs: ${s.refs.join(', ')}` : ''}`)
    .join('\n');
}

async function stream(repo: Repository, name: string, json: boolean): Promise<string> {
  const s = resolveStream(repo, name);
  if (!/manifest|config/.test(s.contentType)) {
    const lines = [`${s.name}: ${s.contentType}, ${size(s.size)} bytes as a splitstream`, `open it: cfs-inspect repo ${repo.path} open ${s.name} ls`];
    return json ? JSON.stringify({ stream: s }, null, 2) : lines.join('\n');
  }
  const j = await streamJson(repo, s);
  if (json) return JSON.stringify({ stream: s, json: j.json, namedRefs: j.namedRefs }, null, 2);
  return [
    `${s.name}: ${j.contentType}`,
    ...j.namedRefs.map((r) => `  ${r.name} -> ${r.stream ? `streams/${r.stream}` : r.image ? `images/${r.image}` : `${r.digest} (no stream or image of that digest)`}`),
    JSON.stringify(j.json, null, 2),
  ].join('\n');
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

async function check(repo: Repository, ctx: CommandContext, json: boolean, budgetMs: number | undefined): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let h;
  try {
    h = await repositoryHealth(repo, {
      signal: abort.signal,
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      ...(ctx.stderrIsTTY ? { onProgress: (d: number, t: number) => void process.stderr.write(`\r\x1b[Krepo check: ${d} of ${t} objects measured`) } : {}),
    });
  } finally {
    process.off('SIGINT', onSigint);
    if (ctx.stderrIsTTY) process.stderr.write('\r\x1b[K');
  }
  const findings = [...h.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.path < b.path ? -1 : 1));
  if (json) ctx.out.text(JSON.stringify({ ...h, findings }, null, 2) + '\n');
  else {
    for (const f of findings) ctx.out.text(`${f.severity} ${f.code} ${f.path}: ${f.message}${f.size !== undefined ? ` (${size(f.size)} bytes)` : ''}\n`);
    const orphans = findings.filter((f) => f.code === 'repo.object.orphan').length;
    ctx.out.text(
      `${repo.path}: ${h.objectsChecked} of ${h.objectsTotal} object digests measured${h.complete ? '' : ' (stopped early: time budget or cancel)'}; ` +
        `${count(findings, 'error')} errors, ${count(findings, 'warning')} warnings; ${orphans} orphans (${size(h.orphanBytes)} bytes garbage collection would free)\n`,
    );
  }
  return findings.some((f) => f.severity !== 'info') ? 1 : h.complete ? 0 : 3;
}

const count = (fs: RepoFinding[], s: RepoFinding['severity']) => fs.filter((f) => f.severity === s).length;

/** Runs another command on an image of the repository (or a stream, reassembled into a temporary file). */
async function open(repo: Repository, ctx: CommandContext, target: string, rest: string[]): Promise<number> {
  const [name, ...args] = rest;
  if (!name) throw new UsageError(`open ${target} needs a COMMAND to run (e.g. ls, verify, check)`);
  if (name === 'repo') throw new UsageError('open runs an image command, not repo');
  const load = (await import('../registry.ts')).commandLoader(name);
  if (!load) throw new UsageError(`unknown command '${name}'`);
  const { default: command } = await load();
  let path: string;
  let cleanup = () => {};
  try {
    path = imagePathOf(repo, resolveImage(repo, target));
  } catch (imageError) {
    let s;
    try {
      s = resolveStream(repo, target);
    } catch {
      throw imageError;
    }
    if (/manifest/.test(s.contentType)) {
      // An OCI tag names a manifest: open the EROFS image it records, else say which layers there are.
      const j = await streamJson(repo, s);
      const image = j.namedRefs.find((r) => r.name === 'composefs.image' && r.image);
      if (!image) throw new CliError(`${target} is an OCI manifest without a composefs.image; open one of its layers: ${j.namedRefs.filter((r) => r.stream?.startsWith('oci-layer')).map((r) => r.stream).join(', ')}`);
      return open(repo, ctx, image.image!, rest);
    }
    const src = await reassembleStream(repo, s);
    const dir = mkdtempSync(join(tmpdir(), 'cfs-repo-'));
    path = join(dir, `${s.name.replace(/[^A-Za-z0-9._-]/g, '_')}.tar`);
    writeFileSync(path, await src.read(0, src.size));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  try {
    const store = STORE_COMMANDS.has(name) && !args.includes('--basedir') ? ['--basedir', objectStoreOf(repo)] : [];
    return await command.run({ ...ctx, args: [path, ...args, ...store] });
  } finally {
    cleanup();
  }
}

const command: Command = {
  usage: `repo PATH ${SUBCOMMANDS} [--json] [--time-budget SECONDS]`,
  options: OPTIONS,
  summary: 'a composefs repository (meta.json, objects/, images/, streams/): list, check, open its images and streams',
  async run(ctx) {
    const at = ctx.args.indexOf('open');
    const mine = at >= 0 ? ctx.args.slice(0, at + 2) : ctx.args;
    const { positional, flags } = parseOptions(mine, OPTIONS);
    const [path, sub, arg] = positional;
    if (!path || !sub) throw new UsageError(`needs PATH and one of: ${SUBCOMMANDS}`);
    const json = flags.has('json');
    let repo: Repository;
    try {
      repo = await openRepository(path);
    } catch (e) {
      if (e instanceof RepositoryError) throw new CliError(e.message);
      throw e;
    }
    try {
      if (sub === 'info') ctx.out.text(info(repo, json) + '\n');
      else if (sub === 'images') ctx.out.text(images(repo, json) + '\n');
      else if (sub === 'streams') ctx.out.text(streams(repo, json) + '\n');
      else if (sub === 'stream') {
        if (!arg) throw new UsageError('stream needs a NAME (a stream name, digest, ref or OCI tag)');
        ctx.out.text((await stream(repo, arg, json)) + '\n');
      } else if (sub === 'check') {
        const b = flags.get('time-budget')?.[0];
        // Number('') is 0: an empty value must not pass as "measure nothing".
        const budget = b === undefined ? undefined : b.trim() === '' ? NaN : Number(b);
        if (budget !== undefined && !(budget >= 0)) throw new UsageError(`--time-budget must be a number of seconds, 0 or more (got ${b})`);
        return await check(repo, ctx, json, budget === undefined ? undefined : budget * 1000);
      } else if (sub === 'open') {
        if (!arg) throw new UsageError('open needs an IMAGE-OR-STREAM (digest, ref or tag) and a COMMAND');
        return await open(repo, ctx, arg, ctx.args.slice(at + 2));
      } else throw new UsageError(`unknown subcommand '${sub}' (one of: ${SUBCOMMANDS})`);
      return 0;
    } catch (e) {
      if (e instanceof RepositoryError) throw new CliError(e.message);
      throw e;
    }
  },
};
export default command;
