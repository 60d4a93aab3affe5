/**
 * casync's archives and indexes, made by casync, are recognised by their magic whatever their
 * name, through the same shared-mime-info file and the real tools (update-mime-database, gio).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/corpus.ts';
import { withDir } from '../electron/fakes.ts';
import { casyncSkip, make, makeCasyncTree } from '../shared/casync/casync-tool.ts';
import { removeDir } from '../shared/oci/gnu-tar.ts';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const toolsSkip = !have('update-mime-database') || !have('gio') ? 'needs update-mime-database and gio (shared-mime-info, libglib2.0-bin)' : false;

test('casync archives and indexes are recognised by their magic whatever their name', { skip: toolsSkip || casyncSkip }, () =>
  withDir(async (dir) => {
    const packages = join(dir, 'mime', 'packages');
    mkdirSync(packages, { recursive: true });
    copyFileSync(join(REPO_ROOT, 'build', 'mime', 'composefs-inspector.xml'), join(packages, 'composefs-inspector-magic.xml'));
    assert.equal(spawnSync('update-mime-database', [join(dir, 'mime')]).status, 0);
    const type = (file: string) => {
      const r = spawnSync('gio', ['info', '-a', 'standard::content-type', file], { encoding: 'utf8', env: { ...process.env, XDG_DATA_DIRS: dir, XDG_DATA_HOME: join(dir, 'home') } });
      return /standard::content-type: (\S+)/.exec(r.stdout)?.[1] ?? r.stderr;
    };
    const { root } = makeCasyncTree({ bigFile: 1000 });
    const catar = make(root, 'a.catar');
    const caidx = make(root, 'a.caidx');
    try {
      for (const [src, name, expected] of [
        [catar.path, 'archive-without-extension', 'application/x-casync-archive'],
        [catar.path, 'a.catar', 'application/x-casync-archive'],
        [caidx.path, 'index-without-extension', 'application/x-casync-index'],
        [caidx.path, 'a.caibx', 'application/x-casync-index'],
      ] as const) {
        copyFileSync(src, join(dir, name));
        assert.equal(type(join(dir, name)), expected, name);
      }
      writeFileSync(join(dir, 'zeros'), new Uint8Array(4096));
      assert.ok(!type(join(dir, 'zeros')).includes('casync'));
    } finally {
      for (const d of [root, catar.dir, caidx.dir]) removeDir(d);
    }
  }));
