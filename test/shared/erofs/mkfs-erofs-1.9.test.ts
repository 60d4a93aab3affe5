/**
 * Images made at test time by erofs-utils 1.9.3's mkfs.erofs (../shared/bench): every algorithm
 * with pcluster sizes from 4 KiB to 1 MiB, with and without ztailpacking, fragments (and
 * all-fragments) and dedupe; 512-byte blocks (mkfs refuses 64 KiB on a 4 KiB-page machine); the 48-bit layout; a file past 4 GiB that
 * is mostly holes. Each image lists exactly like its source tree (type, mode, owner, size, xattrs,
 * target, rdev, sha256 of every file read through our reader) and checks clean.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkImage, checkSource } from '../../../shared/check/index.ts';
import { fileSource } from '../../../electron/services/file-source.ts';
import { openImage } from '../../../shared/open.ts';
import type { ImageReader } from '../../../shared/model.ts';
import { BENCH_DIR, REPO_ROOT } from '../../helpers/corpus.ts';
import { compressionTree, differences, erofsUtilsSkip, readerView, removeDir, tempDir, treeExpectations, treeXattrs, writeTree } from './erofs-utils.ts';

const TOOLS = join(BENCH_DIR ?? '/nonexistent', 'erofs-utils-1.9.3');
const MKFS = join(TOOLS, 'mkfs.erofs');
const skip: string | false = !existsSync(MKFS) ? 'erofs-utils 1.9.3 not found in ../shared/bench' : erofsUtilsSkip;

const mkfs = (image: string, tree: string, args: string[]) =>
  execFileSync(MKFS, ['--quiet', '-T1700000000', '-U11111111-2222-3333-4444-555555555555', ...args, image, tree], { stdio: ['ignore', 'ignore', 'pipe'] });

async function withImage<T>(image: string, f: (r: ImageReader) => Promise<T>): Promise<T> {
  const src = await fileSource(image);
  try {
    return await f(await openImage(src));
  } finally {
    await src.close?.();
  }
}

const ALGORITHMS = ['lz4', 'lz4hc', 'lzma', 'deflate', 'zstd'];
const CONFIGS: [string, string[]][] = [];
for (const alg of ALGORITHMS) {
  for (const pcluster of [4096, 65536, 1 << 20]) {
    CONFIGS.push([`${alg} -C${pcluster}`, [`-z${alg}`, `-C${pcluster}`]]);
    CONFIGS.push([`${alg} -C${pcluster} ztailpacking`, [`-z${alg}`, `-C${pcluster}`, '-Eztailpacking']]);
  }
  CONFIGS.push([`${alg} fragments,dedupe`, [`-z${alg}`, '-C65536', '-Efragments,dedupe']]);
  CONFIGS.push([`${alg} all-fragments,ztailpacking`, [`-z${alg}`, '-Eall-fragments,ztailpacking']]);
}
CONFIGS.push(['lz4 48bit', ['-zlz4', '-E48bit']]);
CONFIGS.push(['zstd 48bit fragments', ['-zzstd', '-C65536', '-E48bit,fragments']]);
// mkfs.erofs 1.9.3 refuses blocks larger than the page size (4 KiB here), so 64 KiB blocks cannot be made.
CONFIGS.push(['plain -b512', ['-b512']]);
CONFIGS.push(['lz4 -b512 -C16384', ['-b512', '-zlz4', '-C16384']]);
CONFIGS.push(['zstd -b512 ztailpacking', ['-b512', '-zzstd', '-C65536', '-Eztailpacking']]);
CONFIGS.push(['lzma -b512 fragments,dedupe', ['-b512', '-zlzma', '-C8192', '-Efragments,dedupe']]);

describe('images made by mkfs.erofs 1.9.3 read exactly like their source', { skip }, () => {
  let dir = '';
  const files = compressionTree();
  let expected: ReturnType<typeof treeExpectations>;
  before(() => {
    dir = tempDir('cfs-erofs19-');
    writeTree(join(dir, 'tree'), files);
    expected = treeExpectations(join(dir, 'tree'), treeXattrs(files));
  });
  after(() => removeDir(dir));

  for (const [name, args] of CONFIGS) {
    test(`${name}: every path and file content matches, and check is clean`, async () => {
      const image = join(dir, `${name.replace(/[^a-z0-9]+/gi, '_')}.erofs`);
      mkfs(image, join(dir, 'tree'), args);
      await withImage(image, async (r) => {
        assert.deepEqual(differences(expected, await readerView(r)), []);
        const { findings } = await checkImage(r);
        assert.deepEqual(findings, []);
      });
    });
  }

  test('metadata compression (-m) is unsupported, not corrupt: check lists it and exits 3', async () => {
    const image = join(dir, 'metabox.erofs');
    mkfs(image, join(dir, 'tree'), ['-zlz4', '-m4096']);
    const src = await fileSource(image);
    try {
      const r = await checkSource(src);
      assert.deepEqual(r.findings, []);
      assert.equal(r.unreadable, false);
      assert.deepEqual(r.unsupported?.map((u) => [u.code, u.severity, u.offset, u.length]), [['unsupported.erofs.metabox', 'info', 1024 + 80, 4]]);
    } finally {
      await src.close?.();
    }
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'check', image], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(cli.status, 3, cli.stderr);
    assert.match(cli.stdout, /^0x450\+4 unsupported unsupported\.erofs\.metabox: metadata compression/);
    assert.match(cli.stdout, /could not check everything: 1 unsupported part skipped\n$/);
  });

  test('a 5 GiB file of holes with data at its start and past 4 GiB reads back at those offsets', async () => {
    const tree = join(dir, 'sparse');
    execFileSync('mkdir', ['-p', tree]);
    const head = new TextEncoder().encode('head of a sparse file\n');
    const far = new TextEncoder().encode('data past four GiB\n');
    const FAR = 4.5 * 2 ** 30;
    const fd = openSync(join(tree, 'big.sparse'), 'w');
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, far, 0, far.length, FAR);
    writeSync(fd, new Uint8Array(1), 0, 1, 5 * 2 ** 30 - 1);
    closeSync(fd);
    for (const args of [['--chunksize=1048576'], ['--chunksize=1048576', '-E48bit'], ['-zlz4', '-C65536']]) {
      const image = join(dir, `sparse-${args.join('').replace(/[^a-z0-9]+/gi, '_')}.erofs`);
      mkfs(image, tree, args);
      await withImage(image, async (r) => {
        const [e] = await r.children(r.rootId);
        const node = await r.node(e!.id);
        assert.equal(node.size, 5 * 2 ** 30, args.join(' '));
        assert.deepEqual(await r.readData(e!.id, 0, head.length), head);
        assert.deepEqual(await r.readData(e!.id, FAR, far.length), far);
        const hole = await r.readData(e!.id, 3 * 2 ** 30, 1 << 16);
        assert.equal(createHash('sha256').update(hole).digest('hex'), createHash('sha256').update(new Uint8Array(1 << 16)).digest('hex'));
        assert.deepEqual(await r.readData(e!.id, 5 * 2 ** 30 - 4, 8), new Uint8Array(4));
      });
    }
  });
});
