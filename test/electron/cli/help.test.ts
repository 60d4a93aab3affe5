/**
 * Every command declares every option it accepts, once: its --help lists each on one line, its
 * parser accepts exactly those, and the README's command table names every one of them.
 * --version prints the package version. A bad --basedir gets the same message in every command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commandHelp, parseOptions, UsageError, type Command } from '../../../electron/cli/io.ts';
import { REPO_ROOT } from '../../helpers/corpus.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const commandDir = join(REPO_ROOT, 'electron', 'cli', 'commands');
const names = readdirSync(commandDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const load = async (name: string): Promise<Command> => ((await import(join(commandDir, `${name}.ts`))) as { default: Command }).default;

/** README rows of the command table, by command name. */
function readmeRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n')) {
    const m = /^\| `([a-z-]+) ([^|]|\\\|)*\|/.exec(line);
    if (m) rows.set(m[1]!, line);
  }
  return rows;
}

describe('options of every command', () => {
  for (const name of names) {
    test(`${name}: --help lists each declared option on its own line; the parser takes exactly those; the README names them`, async () => {
      const c = await load(name);
      assert.ok(Array.isArray(c.options), `${name} declares its options`);
      const help = commandHelp(c).split('\n');
      assert.equal(help[0], `usage: cfs-inspect ${c.usage}`);
      for (const o of c.options!) {
        const lines = help.filter((l) => l.startsWith(`  --${o.name}${o.value ? ` ${o.value}` : ''} `));
        assert.equal(lines.length, 1, `--${o.name} on one line`);
        assert.ok(c.usage.includes(`--${o.name}`), `the usage shows --${o.name}`);
        const argv = o.value ? [`--${o.name}`, 'x'] : [`--${o.name}`];
        assert.deepEqual(parseOptions(argv, c.options!).flags.get(o.name), [o.value ? 'x' : 'true']);
      }
      assert.throws(() => parseOptions(['--no-such-option'], c.options!), UsageError);
      const row = readmeRows().get(name);
      assert.ok(row, `README has a row for ${name}`);
      for (const o of c.options!) assert.ok(row.includes(`--${o.name}`), `README row for ${name} names --${o.name}`);
      if (c.options!.some((o) => o.repeatable && o.name === 'basedir')) assert.match(row, /--basedir DIR\] \[--basedir DIR2\]|--basedir DIR \[--basedir DIR2\]/);
    });
  }
});

test('--version prints the package version; COMMAND --help exits 0 with the option lines', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = cli('--version');
  assert.equal(v.status, 0);
  assert.equal(v.stdout, `cfs-inspect ${pkg.version}\n`);
  const h = cli('check', '--help');
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^ {2}--max-findings N +stop after N findings per image$/m);
  assert.match(h.stdout, /^ {2}--json +/m);
});

describe('the same condition, the same message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-msg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(REPO_ROOT, 'samples', 'demo', 'v1.cfs');

  test('a --basedir that does not exist, or is a file: verify and missing-objects agree', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const missing = join(dir, 'nope');
    for (const [store, message] of [[missing, `cfs-inspect: ${missing}: no such directory\n`], [file, `cfs-inspect: ${file}: is a regular file, not a directory\n`]] as const) {
      for (const cmd of ['verify', 'missing-objects']) {
        const r = cli(cmd, image, '--basedir', store);
        assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
        assert.equal(r.stderr, message, cmd);
      }
    }
  });
});
