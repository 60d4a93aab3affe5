/**
 * A casync archive next to the other formats: the same tree as a catar, a caidx and a plain EROFS
 * image (mkfs.erofs) diffs as equal, with file content compared by bytes; a change made after
 * archiving shows. `info` names the format and version; a blob index shows its blob as /blob.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dumpLine, lsLine, walkComposefs } from '../../../shared/composefs/dump.ts';
import { formatChange } from '../../../shared/diff/index.ts';
import { diffImages } from '../../../shared/diff/index.ts';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { FORMAT_VERSION } from '../../../shared/casync/reader.ts';
import { bytesEqual, type ImageReader } from '../../../shared/model.ts';
import { erofsUtilsSkip } from '../erofs/erofs-utils.ts';
import { removeDir, tempDir } from '../oci/gnu-tar.ts';
import { casync, casyncSkip, make, makeCasyncTree, openCasyncFile, type Made } from './casync-tool.ts';

async function listing(r: ImageReader): Promise<string> {
  let s = '';
  await walkComposefs(r, (e) => void (s += e.depth > 0 ? lsLine(e) : ''));
  return s;
}

/**
 * composefs-dump(5) lines, with what is format-specific masked: a directory's size (bytes of its
 * on-disk dirents) and the order of xattrs (catar sorts them; mkfs.erofs keeps its own order).
 */
async function dump(r: ImageReader): Promise<string[]> {
  const lines: string[] = [];
  await walkComposefs(r, async (e) => {
    const fields = (await dumpLine(r, e)).trimEnd().split(' ');
    if (e.node.kind === 'dir') fields[1] = 'DIRSIZE';
    lines.push([...fields.slice(0, 11), ...fields.slice(11).sort()].join(' '));
  });
  return lines;
}

async function diffLines(a: string, b: string): Promise<string[]> {
  const [ra, rb] = [await openImageFile(a), await openImageFile(b)];
  try {
    return (await diffImages(ra, rb)).changes.map(formatChange);
  } finally {
    await Promise.all([ra.close(), rb.close()]);
  }
}

describe('casync beside plain EROFS', { skip: casyncSkip || erofsUtilsSkip }, () => {
  let root: string;
  let work: string;
  let catar: Made;
  let caidx: Made;
  let erofs: string;
  before(() => {
    ({ root } = makeCasyncTree());
    work = tempDir('casync-erofs');
    catar = make(root, 'tree.catar');
    caidx = make(root, 'tree.caidx', ['--chunk-size=16384']);
    erofs = join(work, 'tree.erofs');
    execFileSync('mkfs.erofs', ['--quiet', erofs, root], { stdio: 'ignore' });
  });
  after(() => {
    for (const d of [root, work, catar.dir, caidx.dir]) removeDir(d);
  });

  test('the same tree as a catar, a caidx and a plain EROFS image diffs as equal, content included', async () => {
    assert.deepEqual(await diffLines(erofs, catar.path), []);
    assert.deepEqual(await diffLines(catar.path, erofs), []);
    assert.deepEqual(await diffLines(erofs, caidx.path), []);
    assert.deepEqual(await diffLines(catar.path, caidx.path), []);
  });

  test('ls lists the catar as it lists the EROFS image of the same tree', async () => {
    const [a, b] = [await openImageFile(catar.path), await openImageFile(erofs)];
    const text = await listing(a);
    assert.equal(text, await listing(b));
    assert.match(text, /^\/etc\/hostname$/m);
    await Promise.all([a.close(), b.close()]);
  });

  test('dump prints the catar in composefs-dump(5) form, as it prints the EROFS image (directory sizes aside)', async () => {
    const [a, b] = [await openImageFile(catar.path), await openImageFile(erofs)];
    const [da, db] = [await dump(a), await dump(b)];
    assert.deepEqual(da, db);
    assert.ok(da.includes('/etc/hostname 12 100644 1 0 0 0 1700000000.123456789 - casync-test\\n - user.binary=\\x00\\x01\\xff user.plain=value'), da.join('\n'));
    await Promise.all([a.close(), b.close()]);
  });

  test('a file changed after archiving shows as a data change', async () => {
    appendFileSync(join(root, 'usr/size-4096'), 'x');
    execFileSync('touch', ['-d', '@1650000000.25', join(root, 'usr')]);
    const changed = make(root, 'changed.catar');
    try {
      const lines = await diffLines(catar.path, changed.path);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, /^modified file \/usr\/size-4096 size=4096->4097 /);
      assert.match(lines[0]!, /data=sha256:[0-9a-f]{64}->sha256:[0-9a-f]{64}/);
    } finally {
      removeDir(changed.dir);
    }
  });

  test('info names the format, its container and version', async () => {
    for (const [m, container] of [[catar, 'catar (casync archive)'], [caidx, 'caidx (casync archive index)']] as const) {
      const r = await openCasyncFile(m.path);
      const info = r.info();
      assert.equal(info.format, 'casync');
      const field = (label: string) => info.fields.find((f) => f.label === label)?.value;
      assert.equal(field('Container'), container);
      assert.equal(field('Format version'), FORMAT_VERSION);
      assert.equal(field('Digest'), 'sha512-256');
      assert.ok(info.features.includes('xattrs') && info.features.includes('nsec-time'), info.features.join(' '));
      await r.close();
    }
  });

  test('a blob index (caibx) shows its reassembled blob as /blob, byte for byte', async () => {
    const dir = tempDir('casync-blob');
    try {
      const blob = join(dir, 'image.erofs');
      execFileSync('cp', [erofs, blob]);
      casync(['make', 'image.caibx', blob], dir);
      const r = await openCasyncFile(join(dir, 'image.caibx'));
      assert.equal(r.container, 'caibx');
      const kids = await r.children(r.rootId);
      assert.deepEqual(kids.map((k) => new TextDecoder().decode(k.name)), ['blob']);
      const node = await r.node(kids[0]!.id);
      const expected = new Uint8Array(readFileSync(blob));
      assert.equal(node.size, expected.length);
      assert.ok(bytesEqual(await r.readData(node.id, 0, node.size), expected));
      await r.close();
    } finally {
      removeDir(dir);
    }
  });
});
