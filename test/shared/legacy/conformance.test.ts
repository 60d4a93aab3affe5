/**
 * The legacy reader against the real tools: every 09-legacy *-cfs image, its listings compared
 * byte for byte with composefs v0.1.3's dump tool output and with the corpus's decoded.txt.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { legacyDecoded, legacyDump, legacyXattrs } from '../../../electron/cli/legacy-dump.ts';
import { countingSource, memorySource } from '../../../shared/bytes/source.ts';
import { checkLegacy } from '../../../shared/legacy/check.ts';
import { openLegacy, type LegacyReader } from '../../../shared/legacy/reader.ts';
import { bytesToString, toHex, type ImageNode } from '../../../shared/model.ts';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const LEGACY = corpusPath('09-legacy');
const CASES = corpusSkip ? [] : readdirSync(LEGACY).filter((d) => d.endsWith('-cfs') || d.endsWith('-composefs'));

/** A corpus file, gunzipped when only the .gz is stored; undefined when the case lacks it. */
function corpusFile(dir: string, name: string): Buffer | undefined {
  const p = join(dir, name);
  if (existsSync(p)) return readFileSync(p);
  if (existsSync(p + '.gz')) return gunzipSync(readFileSync(p + '.gz'));
  return undefined;
}

async function collect(run: (write: (s: string) => void) => Promise<void>): Promise<string> {
  const out: string[] = [];
  await run((s) => out.push(s));
  return out.join('');
}

/** Compares listings line by line first so a failure names the first differing line. */
function assertSameListing(actual: string, expected: string) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) assert.equal(a[i], e[i], `line ${i + 1}`);
  assert.equal(actual, expected);
}

const open = (dir: string) => openLegacy(memorySource(corpusFile(dir, 'image.cfs')!));

test('the corpus holds the three legacy descriptor cases', { skip: corpusSkip }, () => {
  assert.deepEqual(CASES.sort(), ['config-json-composefs', 'erofs-tree-cfs', 'readme-cfs']);
});

for (const name of CASES) {
  const dir = join(LEGACY, name);
  describe(`09-legacy/${name}`, { skip: corpusSkip }, () => {
    for (const [mode, file] of [
      ['dump', 'tool-dump.txt'],
      ['dump-extended', 'tool-dump-extended.txt'],
    ] as const) {
      const expected = corpusFile(dir, file);
      if (!expected) continue;
      test(`${mode} output is identical to v0.1.3 \`dump ${mode}\` (${file})`, async () => {
        const reader = await open(dir);
        assertSameListing(await collect((w) => legacyDump(reader, mode, w)), expected.toString('latin1'));
      });
    }

    const decoded = corpusFile(dir, 'decoded.txt');
    if (decoded) test('decoded listing (payloads, stored digests, xattr values) is identical to decoded.txt', async () => {
      const reader = await open(dir);
      assertSameListing(await collect((w) => legacyDecoded(reader, w)), decoded.toString('latin1'));
    });

    const xattrs = corpusFile(dir, 'tool-xattrs.txt');
    if (xattrs) test('xattrs of each path are identical to v0.1.3 `dump xattrs` (tool-xattrs.txt)', async () => {
      const reader = await open(dir);
      // The file is "== PATH\n" followed by that call's output, for several paths.
      const sections = xattrs.toString('latin1').split(/^== (.*)\n/m).slice(1);
      assert.ok(sections.length >= 2);
      for (let i = 0; i < sections.length; i += 2) {
        assert.equal(await collect((w) => legacyXattrs(reader, sections[i]!, w)), sections[i + 1], sections[i]);
      }
    });

    test('checkLegacy finds nothing wrong with an image the real writer made', async () => {
      const reader = await open(dir);
      assert.deepEqual(await checkLegacy(reader), []);
      assert.deepEqual(reader.findings(), []);
    });
  });
}

/** Walks every node depth-first through the ImageReader interface only. */
async function nodesByPath(reader: LegacyReader): Promise<Map<string, ImageNode>> {
  const out = new Map<string, ImageNode>();
  const visit = async (id: number, path: string) => {
    const node = await reader.node(id);
    out.set(path || '/', node);
    if (node.kind === 'dir') for (const c of await reader.children(id)) await visit(c.id, `${path}/${bytesToString(c.name)}`);
  };
  await visit(reader.rootId, '');
  return out;
}

const xattr = (node: ImageNode, name: string) => node.xattrs.find((x) => bytesToString(x.name) === name)?.value;

describe('legacy reader: the ImageReader view', { skip: corpusSkip }, () => {
  test('opening reads only the first block (superblock and root inode), not the image', async () => {
    const src = countingSource(memorySource(corpusFile(join(LEGACY, 'config-json-composefs'), 'image.cfs')!));
    const reader = await openLegacy(src);
    assert.ok(src.bytesRead <= 4096, `read ${src.bytesRead} bytes`);
    assert.equal(reader.format, 'legacy-cfs');
    assert.equal(reader.info().inodes, 8762);
  });

  test('regular files carry their backing path and stored digest as composefs overlay xattrs', async () => {
    const dir = join(LEGACY, 'readme-cfs');
    const nodes = await nodesByPath(await open(dir));
    const fileA = nodes.get('/file_a')!;
    assert.equal(bytesToString(xattr(fileA, 'trusted.overlay.redirect')!), '/7f/8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
    const metacopy = xattr(fileA, 'trusted.overlay.metacopy')!;
    assert.deepEqual([...metacopy.subarray(0, 4)], [0, 36, 0, 1]);
    assert.equal(toHex(metacopy.subarray(4)), '7f8d1f57a6bce9b39fd48dd0fae0e9c4e6d194e37621395831fb49802d5ad98b');
    assert.deepEqual(fileA.data, { kind: 'external' });
    // The stored digest names the object in the store, which must exist there.
    for (const [path, node] of nodes) {
      const redirect = xattr(node, 'trusted.overlay.redirect');
      if (!redirect) continue;
      assert.ok(existsSync(join(dir, 'objects', bytesToString(redirect))), path);
      const digest = toHex(xattr(node, 'trusted.overlay.metacopy')!.subarray(4));
      assert.equal(bytesToString(redirect).replace(/[/]/g, ''), digest, path);
    }
    const empty = nodes.get('/empty')!;
    assert.equal(xattr(empty, 'trusted.overlay.redirect'), undefined);
    assert.deepEqual(empty.data, { kind: 'none' });
  });

  test('symlink targets are node targets and readable data; directories list in dirent order', async () => {
    const reader = await open(join(LEGACY, 'erofs-tree-cfs'));
    const nodes = await nodesByPath(reader);
    const link = nodes.get('/link')!;
    assert.equal(link.kind, 'symlink');
    assert.equal(bytesToString(link.target!), 'hello.txt');
    assert.equal(bytesToString(await reader.readData(link.id, 0, 9)), 'hello.txt');
    const names = (await reader.children(reader.rootId)).map((c) => bytesToString(c.name));
    assert.deepEqual(names, [...names].sort());
    assert.equal(nodes.get('/null')!.kind, 'chardev');
    assert.equal(nodes.get('/null')!.rdev, 259);
    assert.equal(bytesToString(xattr(nodes.get('/hello.txt')!, 'user.lang')!), 'en');
    await assert.rejects(reader.readData(nodes.get('/hello.txt')!.id, 0, 1), /backing file/);
  });
});
