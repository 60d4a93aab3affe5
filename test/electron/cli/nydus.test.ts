/**
 * The CLI on Nydus bootstraps: `info` names the format and its RAFS version, `ls` and `dump` print
 * the tree in composefs-dump(5) form, blobs are found beside the bootstrap, in blobs/ or through
 * --blob-dir, and `diff` against a plain EROFS image of the same tree (made by mkfs.erofs from
 * the files the Nydus reader extracts) reports no change, and a changed byte when there is one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { memorySource } from '../../../shared/bytes/source.ts';
import { bytesToString } from '../../../shared/model.ts';
import { openImage } from '../../../shared/open.ts';
import { REPO_ROOT, corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const V6 = corpusPath('11-nydus', 'rafs-v6');
const V5 = corpusPath('11-nydus', 'rafs-v5-sha256-nocompress');
const V6_BLOB = 'be7d77eeb719f70884758d1aa800ed0fb09d701aaec469964e9d54325f0d5fef';
const hasMkfs = spawnSync('mkfs.erofs', ['--help']).status !== null;
const tmp = mkdtempSync(join(tmpdir(), 'cfs-nydus-cli-'));

const field = (out: string, label: string) => out.split('\n').find((l) => l.startsWith(label + ':'))?.slice(label.length + 1).trim();

describe('cfs-inspect on Nydus bootstraps', { skip: corpusSkip }, () => {
  test('info names the format and its RAFS version, and where each blob was found', () => {
    const v6 = cli('info', '--no-digest', join(V6, 'bootstrap'));
    assert.equal(v6.status, 0, v6.stderr);
    assert.equal(field(v6.stdout, 'format'), 'nydus-v6');
    assert.equal(field(v6.stdout, 'RAFS version'), 'v6 (EROFS-based bootstrap)');
    assert.match(field(v6.stdout, 'blob 0')!, new RegExp(`found at .*rafs-v6/${V6_BLOB}$`));
    const v5 = cli('info', '--no-digest', join(V5, 'bootstrap'));
    assert.equal(v5.status, 0, v5.stderr);
    assert.equal(field(v5.stdout, 'format'), 'nydus-v5');
    assert.equal(field(v5.stdout, 'RAFS version'), 'v5 (0x500)');
    assert.match(field(v5.stdout, 'blob 0')!, /found at .*rafs-v5-sha256-nocompress\/blobs\/7334a2594e/);
  });

  test('ls and dump print the tree; dump lines are composefs-dump(5) lines', () => {
    const ls = cli('ls', join(V5, 'bootstrap'));
    assert.equal(ls.status, 0, ls.stderr);
    assert.ok(ls.stdout.includes('/symlink-test/root-2\t-> /foobar\n'), ls.stdout);
    assert.equal(ls.stdout.split('\n').filter(Boolean).length, 53);
    const dump = cli('dump', join(V6, 'bootstrap'));
    assert.equal(dump.status, 0, dump.stderr);
    assert.equal(dump.stdout, [
      '/ 67 40755 2 0 0 0 0.0 - - -',
      '/lib.rs 16931 100644 1 0 0 0 1676819553.628661334 - - -',
      '/sync_io.rs 13400 100644 1 0 0 0 1676819553.628993084 - - -',
      '',
    ].join('\n'));
  });

  test('--blob-dir names where a bootstrap copied away from its blob finds it', () => {
    const dir = join(tmp, 'alone');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(V6, 'bootstrap'), join(dir, 'bootstrap'));
    const without = cli('info', '--no-digest', join(dir, 'bootstrap'));
    assert.match(field(without.stdout, 'blob 0')!, /, not found$/);
    const withDir = cli('info', '--no-digest', '--blob-dir', V6, join(dir, 'bootstrap'));
    assert.match(field(withDir.stdout, 'blob 0')!, new RegExp(`found at ${V6}/${V6_BLOB}$`));
    const check = cli('check', join(dir, 'bootstrap'), '--blob-dir', V6);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  test('diff against a plain EROFS image of the same tree: no change; a changed byte is one', { skip: hasMkfs ? false : 'mkfs.erofs not installed' }, async () => {
    const r = await openImage(memorySource(readFileSync(join(V6, 'bootstrap'))), {
      blobs: async (id) => ({ source: memorySource(readFileSync(join(V6, id))), location: id }),
    });
    const make = async (name: string, change: boolean) => {
      const tree = join(tmp, name);
      mkdirSync(tree, { recursive: true });
      for (const e of await r.children(r.rootId)) {
        const n = await r.node(e.id);
        const data = await r.readData(e.id, 0, n.size);
        if (change && bytesToString(e.name) === 'sync_io.rs') data[100]! ^= 1;
        const p = join(tree, bytesToString(e.name));
        writeFileSync(p, data);
        chmodSync(p, n.mode & 0o7777);
        assert.equal(spawnSync('touch', ['-d', `@${n.mtime.sec}.${String(n.mtime.nsec).padStart(9, '0')}`, p]).status, 0);
      }
      chmodSync(tree, 0o755);
      assert.equal(spawnSync('touch', ['-d', '@0', tree]).status, 0);
      const img = join(tmp, `${name}.erofs`);
      const mk = spawnSync('mkfs.erofs', ['--quiet', '--all-root', '--preserve-mtime', '-E', 'force-inode-extended', img, tree], { encoding: 'utf8' });
      assert.equal(mk.status, 0, mk.stderr);
      return img;
    };
    const same = await make('same', false);
    for (const [a, b] of [[join(V6, 'bootstrap'), same], [same, join(V6, 'bootstrap')]]) {
      const d = cli('diff', a!, b!);
      assert.equal(d.status, 0, d.stdout + d.stderr);
      assert.equal(d.stdout, '0 added, 0 removed, 0 modified, 0 renamed\n');
    }
    const changed = await make('changed', true);
    const d = cli('diff', join(V6, 'bootstrap'), changed);
    assert.equal(d.status, 1, d.stdout + d.stderr);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    assert.equal(d.stdout, `0 added, 0 removed, 1 modified, 0 renamed\nmodified file /sync_io.rs data=sha256:${sha(join(tmp, 'same', 'sync_io.rs'))}->sha256:${sha(join(tmp, 'changed', 'sync_io.rs'))}\n`);
  });
});
