/**
 * Progress and colour: a progress line on stderr only on a terminal (check, dump, diff, verify),
 * erased before the result; no escape code at all when NO_COLOR is set or output is not a
 * terminal, for the commands and for the demo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createOutput, type Command } from '../../../electron/cli/io.ts';
import { createProgress } from '../../../electron/cli/progress.ts';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { buildImage } from '../../helpers/image-builder.ts';

const ESC = '\x1b';

describe('createProgress', () => {
  const sink = (isTTY: boolean) => {
    const writes: string[] = [];
    return { stream: { isTTY, write: (s: string) => void writes.push(s) }, writes };
  };

  test('not a terminal: nothing is written, and the line is never built', () => {
    const { stream, writes } = sink(false);
    const p = createProgress({ stream, env: {} });
    p.update(() => assert.fail('built'));
    p.clear();
    assert.equal(p.enabled, false);
    assert.deepEqual(writes, []);
  });

  test('a terminal: redrawn at most once per interval, erased by clear', () => {
    const { stream, writes } = sink(true);
    let t = 1000;
    const p = createProgress({ stream, env: {}, now: () => t, intervalMs: 100 });
    p.update('one');
    t += 50;
    p.update('skipped');
    t += 60;
    p.update('two');
    p.clear();
    assert.deepEqual(writes, ['\r\x1b[Kone', '\r\x1b[Ktwo', '\r\x1b[K']);
  });

  test('NO_COLOR: the same line without any escape code', () => {
    const { stream, writes } = sink(true);
    let t = 0;
    const p = createProgress({ stream, env: { NO_COLOR: '1' }, now: () => (t += 1000) });
    p.update('long line');
    p.update('short');
    p.clear();
    assert.deepEqual(writes, ['long line', '\r         \rshort', '\r     \r']);
    assert.ok(!writes.join('').includes(ESC));
  });
});

describe('commands show progress on a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-progress-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const entries = Array.from({ length: 1500 }, (_, i) => ({ path: `/d${i % 7}/f${i}`, content: `${i}` }));
  const a = join(dir, 'a.cfs');
  const b = join(dir, 'b.cfs');
  writeFileSync(a, buildImage({ entries }));
  writeFileSync(b, buildImage({ entries: entries.map((e, i) => (i === 7 ? { ...e, content: 'changed' } : e)) }));

  /** Runs a command in this process with stderr posing as a terminal, stdout to /dev/null; returns what stderr got. */
  async function onTerminal(name: string, args: string[]): Promise<string> {
    const command = ((await import(join(REPO_ROOT, 'electron', 'cli', 'commands', `${name}.ts`))) as { default: Command }).default;
    const fd = openSync('/dev/null', 'w');
    const stderr = process.stderr as unknown as { isTTY?: boolean; write: (s: string) => boolean };
    const saved = { isTTY: stderr.isTTY, write: stderr.write };
    let got = '';
    stderr.isTTY = true;
    stderr.write = (s: string) => ((got += s), true);
    try {
      await command.run({ args, out: createOutput(fd), err: () => undefined, stderrIsTTY: true });
    } finally {
      stderr.isTTY = saved.isTTY;
      stderr.write = saved.write;
      closeSync(fd);
    }
    return got;
  }

  for (const [name, args, pattern] of [
    ['check', [a], /checking .*a\.cfs: \d+ inodes/],
    ['dump', [a], /dumping .*a\.cfs: \d+ of about \d+ entries/],
    ['diff', [a, b], /comparing: \d+ of about \d+ entries/],
  ] as const) {
    test(`${name}: a progress line, erased at the end`, async () => {
      const got = await onTerminal(name, [...args]);
      assert.match(got, pattern);
      assert.ok(got.endsWith('\r\x1b[K'), JSON.stringify(got.slice(-20)));
    });
  }

  test('piped output and stderr: no escape code from any command, with or without NO_COLOR', () => {
    for (const env of [{}, { NO_COLOR: '1' }]) {
      for (const args of [['check', a], ['dump', a], ['diff', a, b], ['info', a, '--no-digest'], ['verify', a, '--basedir', dir]]) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
        assert.ok(!(r.stdout + r.stderr).includes(ESC), `${args[0]}: ${JSON.stringify(r.stderr.slice(0, 80))}`);
      }
    }
  });
});

test('the demo prints no escape code when its output is not a terminal', () => {
  const out = mkdtempSync(join(tmpdir(), 'cfs-demo-'));
  try {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'demo.mjs'), '--outdir', out], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\$ cfs-inspect diff /);
    assert.ok(!(r.stdout + r.stderr).includes(ESC));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
