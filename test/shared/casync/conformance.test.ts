/**
 * Conformance with casync itself: archives and indexes made by `casync make` from real trees list
 * exactly as `casync list` and `casync mtree` list them, digest as `casync digest` does, and every
 * regular file reads back with the bytes `casync extract` writes.
 */
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { archiveDigest, archivePaths, casyncList, casyncMtree } from '../../../shared/casync/listing.ts';
import { S_IFMT, S_IFREG, bytesEqual, toHex } from '../../../shared/model.ts';
import { makeSourceTree, removeDir, tempDir, type SourceTree } from '../oci/gnu-tar.ts';
import { casync, casyncSkip, make, makeCasyncTree, openCasyncFile, type Made } from './casync-tool.ts';

const latin1 = (b: Buffer): string => b.toString('latin1');

describe('casync archives and indexes match casync list, mtree, digest and extract', { skip: casyncSkip }, () => {
  let tree: SourceTree;
  let simple: string;
  const made: Made[] = [];
  before(() => {
    tree = makeSourceTree();
    simple = makeCasyncTree().root;
  });
  after(() => {
    removeDir(tree.root);
    removeDir(simple);
    for (const m of made) removeDir(m.dir);
  });
  const keep = (m: Made) => (made.push(m), m);

  // The GNU tar test tree (hard links, devices, 16-bit-overflowing ids, a pre-1970 mtime, long and
  // non-UTF-8 names, xattrs) and the simpler tree casync can also extract.
  const variants: [string, () => string, string, string[]][] = [
    ['a catar', () => tree.root, 'tree.catar', []],
    ['a caidx with zstd chunks (the default)', () => tree.root, 'tree.caidx', []],
    ['a caidx with gzip chunks', () => tree.root, 'tree.caidx', ['--compression=gzip']],
    ['a caidx with sha256 chunk ids', () => tree.root, 'tree.caidx', ['--digest=sha256']],
    ['a caidx with small chunks', () => simple, 'tree.caidx', ['--chunk-size=4096']],
    ['a catar with only UNIX metadata (--with=unix)', () => simple, 'tree.catar', ['--with=unix']],
    ['a catar without names, xattrs or chattr flags', () => simple, 'tree.catar', ['--without=user-names', '--without=xattrs', '--without=chattr', '--without=fat-attrs']],
  ];
  for (const [what, src, name, extra] of variants) {
    test(`${what}: list and mtree equal casync's, the digest equals casync digest`, async () => {
      const m = keep(make(src(), name, extra));
      const r = await openCasyncFile(m.path);
      try {
        assert.equal(r.format, 'casync');
        assert.equal(r.container, name.endsWith('.catar') ? 'catar' : 'caidx');
        assert.equal(r.scan!.complete, true);
        assert.deepEqual(r.findings(), []);
        assert.equal(await casyncList(r), latin1(casync(['list', name], m.dir)));
        assert.equal(await casyncMtree(r), latin1(casync(['mtree', name], m.dir)));
        assert.equal(toHex(await archiveDigest(r)), latin1(casync(['digest', name], m.dir)).trim());
      } finally {
        await r.close();
      }
    });
  }

  test('every regular file of a catar and of a caidx reads back as casync extract writes it', async () => {
    for (const name of ['tree.catar', 'tree.caidx']) {
      const m = keep(make(simple, name));
      const out = tempDir('casync-extract');
      made.push({ dir: out, path: out });
      casync(['extract', name, join(out, 'x')], m.dir);
      const r = await openCasyncFile(m.path);
      let files = 0;
      try {
        for (const { node, path } of archivePaths(r.scan!.nodes)) {
          if ((node.entry.mode & S_IFMT) !== S_IFREG) continue;
          const onDisk = Buffer.concat([Buffer.from(join(out, 'x') + '/'), Buffer.from(path)]);
          const expected = new Uint8Array(readFileSync(onDisk));
          const ours = await r.readData(node.id, 0, node.payload!.size);
          assert.ok(bytesEqual(ours, expected), `${name}: ${onDisk.toString('latin1')} differs from casync extract's`);
          files++;
        }
      } finally {
        await r.close();
      }
      assert.ok(files >= 9, `${name}: ${files} regular files compared`);
      assert.equal(files, countFiles(join(out, 'x')), `${name}: every extracted file was compared`);
    }
  });
});

/** Regular files under a directory. */
function countFiles(dir: Buffer | string): number {
  let n = 0;
  for (const name of readdirSync(dir, { encoding: 'buffer' })) {
    const p = Buffer.concat([Buffer.from(dir), Buffer.from('/'), name]);
    const st = lstatSync(p);
    if (st.isDirectory()) n += countFiles(p);
    else if (st.isFile()) n++;
  }
  return n;
}
