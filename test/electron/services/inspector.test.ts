import { realpathSync } from 'node:fs';
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerifyProgress, VerifySummary } from '../../../shared/api.ts';
import { createInspector, type Inspector, decodeRdev, modeString, mtimeText, parseDisplay, readableField, MAX_BYTES, MAX_PAGE } from '../../../electron/services/inspector.ts';
import { displayBytes } from '../../../shared/diff/text.ts';
import { unescapeField } from '../../../shared/composefs/dumpfile.ts';
import { corpusPath, corpusSkip, REPO_ROOT } from '../../helpers/corpus.ts';
import { makeBrokenXattrImage, makeTamperedObjectImage } from '../../e2e/fixtures.ts';

const FS_TREE = corpusPath('02-fs-tree', 'image.cfs');

/** composefs-info dump lines by path (first field), for comparing what the inspector shows. */
async function dumpLines(caseDir: string): Promise<Map<string, string[]>> {
  const text = await readFile(corpusPath(caseDir, 'info-dump.txt'), 'latin1');
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) if (line) m.set(line.split(' ')[0]!, line.split(' '));
  return m;
}

/** The next verify summary the inspector announces. */
const nextVerifyDone = (inspector: Inspector) =>
  new Promise<VerifySummary>((ok) => {
    const off = inspector.onVerifyDone((x) => {
      off();
      ok(x);
    });
  });

describe('pure helpers', () => {
  test('modeString renders type, permissions and setuid/setgid/sticky like ls -l', () => {
    assert.equal(modeString(0o100644), '-rw-r--r--');
    assert.equal(modeString(0o040755), 'drwxr-xr-x');
    assert.equal(modeString(0o104755), '-rwsr-xr-x');
    assert.equal(modeString(0o102644), '-rw-r-Sr--');
    assert.equal(modeString(0o041777), 'drwxrwxrwt');
    assert.equal(modeString(0o107777), '-rwsrwsrwt');
    assert.equal(modeString(0o100000), '----------');
    assert.equal(modeString(0o120777), 'lrwxrwxrwx');
    assert.equal(modeString(0o020666), 'crw-rw-rw-');
    assert.equal(modeString(0o060660), 'brw-rw----');
    assert.equal(modeString(0o010644), 'prw-r--r--');
    assert.equal(modeString(0o140755), 'srwxr-xr-x');
    assert.equal(modeString(0o000644), '?rw-r--r--');
  });

  test('mtimeText keeps all nine nanosecond digits in UTC and survives out-of-range seconds', () => {
    assert.equal(mtimeText(1700000000, 123456789), '2023-11-14 22:13:20.123456789 UTC');
    assert.equal(mtimeText(0, 0), '1970-01-01 00:00:00.000000000 UTC');
    assert.equal(mtimeText(4102444800, 1), '2100-01-01 00:00:00.000000001 UTC');
    assert.equal(mtimeText(-1, 0), '1969-12-31 23:59:59.000000000 UTC');
    assert.equal(mtimeText(2 ** 62, 5), `@${2 ** 62}.000000005`);
  });

  test('decodeRdev splits a 32-bit dev_t as the kernel does (new_decode_dev)', () => {
    assert.deepEqual(decodeRdev(259), { major: 1, minor: 3 });
    assert.deepEqual(decodeRdev(2049), { major: 8, minor: 1 });
    assert.deepEqual(decodeRdev(0xffffffff), { major: 4095, minor: 1048575 });
    assert.deepEqual(decodeRdev(231431), { major: 904, minor: 7 });
  });

  test('parseDisplay inverts displayBytes for escapes, backslashes, UTF-8 and invalid bytes', () => {
    const samples = [
      new Uint8Array([0xff, 0xfe, 0x2d, 0x41]),
      new TextEncoder().encode('back\\slash'),
      new TextEncoder().encode('tab\there\nnl'),
      new TextEncoder().encode('ümlaut é'),
      new Uint8Array([0x5c, 0x78, 0x34, 0x31]), // the text "\x41" itself
    ];
    for (const b of samples) assert.deepEqual(parseDisplay(displayBytes(b)), b);
    assert.equal(parseDisplay('bad\\q'), undefined);
    assert.equal(parseDisplay('short\\x4'), undefined);
  });

  test('readableField adds the details pane\'s text for mode, mtime and rdev changes and leaves other fields and odd values alone', () => {
    assert.deepEqual(readableField({ field: 'mode', before: '100640', after: '100600' }), {
      field: 'mode', before: '100640', after: '100600', beforeText: '-rw-r----- 0640', afterText: '-rw------- 0600',
    });
    assert.deepEqual(readableField({ field: 'mtime', before: '1700000000.123456789' }), {
      field: 'mtime', before: '1700000000.123456789', beforeText: '2023-11-14 22:13:20.123456789 UTC',
    });
    assert.equal(readableField({ field: 'mtime', after: '-1.000000000' }).afterText, '1969-12-31 23:59:59.000000000 UTC');
    assert.equal(readableField({ field: 'rdev', before: '2049', after: '231431' }).afterText, '904:7');
    assert.equal(readableField({ field: 'rdev', before: '2049' }).beforeText, '8:1');
    assert.deepEqual(readableField({ field: 'mtime', before: 'garbage' }), { field: 'mtime', before: 'garbage' });
    assert.deepEqual(readableField({ field: 'size', before: '1', after: '2' }), { field: 'size', before: '1', after: '2' });
    assert.deepEqual(readableField({ field: 'xattr:user.mode', before: '100644' }), { field: 'xattr:user.mode', before: '100644' });
  });
});

describe('inspector over the 02-fs-tree corpus image', { skip: corpusSkip }, () => {
  const inspector = createInspector();
  after(() => inspector.closeAll());

  const open = async () => {
    const s = await inspector.openImage(FS_TREE);
    const child = async (parentPath: string, name: string) => {
      const id = await inspector.lookup(s.imageId, parentPath === '/' ? `/${name}` : `${parentPath}/${name}`);
      assert.notEqual(id, null, `${parentPath}/${name} not found`);
      return id!;
    };
    return { s, child };
  };

  test('opening finds the objects/ store beside the image and a second open of the same file reuses the session', async () => {
    const { s } = await open();
    assert.equal(s.info.format, 'composefs');
    assert.equal(s.name, 'image.cfs');
    assert.deepEqual(s.objectStores, [corpusPath('02-fs-tree', 'objects')]);
    const again = await inspector.openImage(FS_TREE);
    assert.equal(again.imageId, s.imageId);
    assert.equal((await inspector.listImages()).length, 1);
  });

  test('children pages the root and flags exactly the 256 mkcomposefs root whiteouts as hidden', async () => {
    const { s } = await open();
    const all = await inspector.children(s.imageId, s.rootId, 0, MAX_PAGE);
    const hidden = all.entries.filter((e) => e.hidden);
    assert.equal(hidden.length, 256);
    assert.deepEqual(hidden.map((e) => e.name), Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')));
    assert.ok(hidden.every((e) => e.kind === 'chardev' && e.whiteout));
    const visible = all.entries.filter((e) => !e.hidden).map((e) => e.name);
    assert.deepEqual(visible, ['big', 'bigdir', 'hard', 'links', 'longnames', 'modes', 'names', 'sizes', 'special', 'times', 'xattrs']);
    const page = await inspector.children(s.imageId, s.rootId, 250, 10);
    assert.equal(page.total, all.total);
    assert.equal(page.start, 250);
    assert.deepEqual(page.entries.map((e) => e.name), all.entries.slice(250, 260).map((e) => e.name));
    const past = await inspector.children(s.imageId, s.rootId, 10_000, 10);
    assert.equal(past.entries.length, 0);
  });

  test('a 3000-entry directory is served in bounded pages with child counts on directories', async () => {
    const { s, child } = await open();
    const bigdir = await child('/', 'bigdir');
    const first = await inspector.children(s.imageId, bigdir, 0, 100_000);
    assert.equal(first.total, 3000);
    assert.equal(first.entries.length, Math.min(3000, MAX_PAGE));
    const root = await inspector.children(s.imageId, s.rootId, 0, MAX_PAGE);
    assert.equal(root.entries.find((e) => e.name === 'bigdir')!.childCount, 3000);
  });

  test('names are shown escaped exactly as composefs-info escapes path bytes, and lookup takes them back', async () => {
    const { s, child } = await open();
    const names = await child('/', 'names');
    const page = await inspector.children(s.imageId, names, 0, MAX_PAGE);
    const shown = page.entries.map((e) => e.name);
    const dump = await dumpLines('02-fs-tree');
    const expected = [...dump.keys()].filter((p) => p.startsWith('/names/')).map((p) => p.slice('/names/'.length));
    // Both are escaped forms of the same name bytes (composefs-dump escapes more characters).
    const key = (b: Uint8Array) => [...b].join(',');
    assert.deepEqual(
      shown.map((n) => key(parseDisplay(n)!)).sort(),
      expected.map((n) => key(unescapeField(new TextEncoder().encode(n)))).sort(),
    );
    const odd = page.entries.find((e) => e.name === '\\xff\\xfe-not-utf8')!;
    assert.equal(await inspector.lookup(s.imageId, '/names/\\xff\\xfe-not-utf8'), odd.id);
    assert.ok(shown.includes('back\\\\slash'));
    assert.ok(shown.includes('with\\x0anewline'));
    assert.ok(shown.includes('ümlaut'));
    assert.equal(await inspector.lookup(s.imageId, '/names/nope'), null);
    assert.equal(await inspector.lookup(s.imageId, '/names/bad\\q'), null);
    assert.equal(await inspector.lookup(s.imageId, '/'), s.rootId);
  });

  test('node details of an external file carry the redirect, digest, mode, time, ranges and the metacopy explained', async () => {
    const { s, child } = await open();
    const sizes = await child('/', 'sizes');
    const id = await child('/sizes', 'f4096');
    await inspector.children(s.imageId, sizes, 0, MAX_PAGE);
    const d = await inspector.node(s.imageId, id);
    const line = (await dumpLines('02-fs-tree')).get('/sizes/f4096')!;
    assert.equal(d.path, '/sizes/f4096');
    assert.equal(d.name, 'f4096');
    assert.equal(d.kind, 'file');
    assert.equal(d.size, 4096);
    assert.equal(d.modeString, '-rw-r--r--');
    assert.equal(d.mtimeText, '2023-11-14 22:13:20.123456789 UTC');
    assert.equal(d.redirect, line[8]);
    assert.equal(d.digest, line[10]);
    assert.equal(d.inlineHex, undefined);
    const meta = d.xattrs.find((x) => x.name === 'trusted.overlay.metacopy')!;
    assert.match(meta.explanation!, new RegExp(`metacopy v0, len 36, flags 0x00, sha256 fs-verity digest ${line[10]}`));
    const redirect = d.xattrs.find((x) => x.name === 'trusted.overlay.redirect')!;
    assert.equal(redirect.text, '/' + line[8]);
    assert.match(redirect.explanation!, /backing object/);
    assert.equal(d.ranges[0]!.label, 'dirent');
    assert.ok(d.ranges.some((r) => r.label.startsWith('inode')));
    // Selecting a small external file measures its object on the spot.
    assert.equal(d.verity?.status, 'verified');
    assert.equal(d.verity?.actual, line[10]);
    // The store is resolved to its real path (the corpus may be reached through a symlink).
    assert.equal(d.verity?.objectPath, join(realpathSync(corpusPath('02-fs-tree', 'objects')), line[8]!));
  });

  test('small files show their inline bytes; devices, whiteouts and special modes are decoded', async () => {
    const { s, child } = await open();
    const f63 = await inspector.node(s.imageId, await child('/sizes', 'f63'));
    assert.equal(f63.inlineHex?.length, 63 * 2);
    assert.equal(f63.redirect, undefined);
    const bigdev = await inspector.node(s.imageId, await child('/special', 'bigdev'));
    assert.deepEqual(bigdev.rdev, { major: 4095, minor: 1048575 });
    const sda1 = await inspector.node(s.imageId, await child('/special', 'sda1'));
    assert.deepEqual(sda1.rdev, { major: 8, minor: 1 });
    assert.equal(sda1.modeString, 'brw-rw----');
    const wo = await inspector.node(s.imageId, await child('/special', 'whiteout'));
    assert.equal(wo.whiteout, true);
    assert.equal(wo.kind, 'chardev');
    assert.ok(wo.xattrs.some((x) => x.name === 'trusted.overlay.overlay.whiteout' && /whiteout \(char 0:0\)/.test(x.explanation ?? '')));
    const all = await inspector.node(s.imageId, await child('/modes', 'all'));
    assert.equal(all.modeString, '-rwsrwsrwt');
    const setgid = await inspector.node(s.imageId, await child('/modes', 'setgid'));
    assert.equal(setgid.modeString, '-rwxr-sr-x');
    const exec = await inspector.node(s.imageId, await child('/modes', 'exec'));
    assert.deepEqual([exec.uid, exec.gid], [65536, 70000]);
    const link = await inspector.node(s.imageId, await child('/links', 'rel'));
    assert.equal(link.kind, 'symlink');
    assert.ok(link.symlinkTarget && link.symlinkTarget.length > 0);
  });

  test("user trusted.overlay.* xattrs show unescaped with the stored name; shared xattrs are marked", async () => {
    const { s, child } = await open();
    const esc = await inspector.node(s.imageId, await child('/xattrs', 'ovl-escape'));
    const foo = esc.xattrs.find((x) => x.name === 'trusted.overlay.foo')!;
    assert.equal(foo.storedName, 'trusted.overlay.overlay.foo');
    assert.equal(foo.text, 'bar');
    assert.match(foo.explanation!, /escaped/);
    const userOvl = esc.xattrs.find((x) => x.name === 'user.overlay.baz')!;
    assert.equal(userOvl.storedName, undefined);
    // The user's own trusted.overlay.opaque is escaped: it is data in the image, not an overlay directive.
    const opaque = await inspector.node(s.imageId, await child('/xattrs', 'opaque-dir'));
    assert.equal(opaque.opaque, undefined);
    const o = opaque.xattrs.find((x) => x.name === 'trusted.overlay.opaque')!;
    assert.equal(o.storedName, 'trusted.overlay.overlay.opaque');
    assert.equal(o.text, 'y');
    const many = await inspector.node(s.imageId, await child('/xattrs', 'many'));
    assert.ok(many.xattrs.length >= 38);
    assert.ok(many.xattrs.every((x) => x.hex.length === x.size * 2));
    const shared = await inspector.node(s.imageId, await child('/xattrs', 'shared0'));
    assert.ok(shared.xattrs.some((x) => x.shared));
  });

  test('bytes returns image bytes, caps the length and refuses negative ranges', async () => {
    const { s } = await open();
    const head = await inspector.bytes(s.imageId, 0, 4);
    assert.deepEqual([...head], [0x9a, 0x62, 0x78, 0xd0]); // composefs magic 0xd078629a LE
    const big = await inspector.bytes(s.imageId, 0, MAX_BYTES * 4);
    assert.equal(big.length, Math.min(MAX_BYTES, s.info.size));
    const tail = await inspector.bytes(s.imageId, s.info.size - 3, 100);
    assert.equal(tail.length, 3);
    assert.equal((await inspector.bytes(s.imageId, s.info.size + 10, 10)).length, 0);
    await assert.rejects(inspector.bytes(s.imageId, -1, 4), /bad byte range/);
  });

  test('verify reports progress, every file once, the omitted sparse object as missing, and results reach node details', async () => {
    const { s, child } = await open();
    const progress: VerifyProgress[] = [];
    const offP = inspector.onVerifyProgress((p) => progress.push(p));
    const done = nextVerifyDone(inspector);
    const { jobId } = await inspector.verify(s.imageId);
    const summary = await done;
    offP();
    assert.equal(summary.jobId, jobId);
    assert.equal(summary.cancelled, false);
    assert.equal(summary.counts.missing, 1);
    assert.ok((summary.counts.verified ?? 0) >= 5);
    assert.ok(progress.length > 0 && progress.every((p) => p.jobId === jobId));
    const expectedImageDigest = (await readFile(corpusPath('02-fs-tree', 'print-digest.txt'), 'utf8')).trim();
    assert.equal(summary.imageDigest, expectedImageDigest);
    const sparse = await inspector.node(s.imageId, await child('/big', 'sparse-64mib-plus-1'));
    assert.equal(sparse.verity?.status, 'missing');
    await assert.rejects(inspector.verify(s.imageId, 'not-a-digest'), /not an fs-verity digest/);
  });

  test('diff compares two open images', { skip: corpusSkip }, async () => {
    const a = await inspector.openImage(corpusPath('03-diff', 'v1', 'image.cfs'));
    const b = await inspector.openImage(corpusPath('03-diff', 'v2', 'image.cfs'));
    const r = await inspector.diff(a.imageId, b.imageId);
    assert.equal(r.a, a.imageId);
    assert.ok(r.counts.added > 0 && r.counts.removed > 0 && r.counts.modified > 0);
    assert.ok(r.changes.length > 0);
  });

  test('diff options reach the comparison: ignoring mtime drops the mtime-only change; changes carry readable mode and time', async () => {
    const a = await inspector.openImage(join(REPO_ROOT, 'samples', 'demo', 'v1.cfs'));
    const b = await inspector.openImage(join(REPO_ROOT, 'samples', 'demo', 'v2.cfs'));
    const all = await inspector.diff(a.imageId, b.imageId);
    const hosts = all.changes.find((c) => c.path === '/etc/hosts');
    assert.deepEqual(hosts?.fields, [
      { field: 'mtime', before: '1700000000.000000000', after: '1700007200.000000000', beforeText: '2023-11-14 22:13:20.000000000 UTC', afterText: '2023-11-15 00:13:20.000000000 UTC' },
    ]);
    const shadow = all.changes.find((c) => c.path === '/etc/shadow');
    assert.deepEqual(shadow?.fields.map((f) => [f.beforeText, f.afterText]), [['-rw-r----- 0640', '-rw------- 0600']]);
    const noMtime = await inspector.diff(a.imageId, b.imageId, { ignoreMtime: true });
    assert.equal(noMtime.changes.find((c) => c.path === '/etc/hosts'), undefined);
    assert.equal(noMtime.counts.modified, all.counts.modified - 1);
    await inspector.closeImage(a.imageId);
    await inspector.closeImage(b.imageId);
  });

  test('a hardlinked file lists its other names, found by one walk of the image', async () => {
    const s = await inspector.openImage(corpusPath('04-dump-tree', 'image.cfs'));
    const id = (await inspector.lookup(s.imageId, '/hard/link1'))!;
    assert.equal(await inspector.lookup(s.imageId, '/hard/orig'), id);
    const d = await inspector.node(s.imageId, id);
    assert.equal(d.nlink, 4);
    assert.deepEqual([d.path, ...d.hardlinks!].sort(), ['/hard/link1', '/hard/orig', '/hard/sub/link2', '/hard/z-last-link']);
    await inspector.closeImage(s.imageId);
  });

  test('two opens of one file at the same moment make one session', async () => {
    const path = corpusPath('01-readme', 'image.cfs');
    const [a, b] = await Promise.all([inspector.openImage(path), inspector.openImage(path)]);
    assert.equal(a.imageId, b.imageId);
    assert.equal((await inspector.listImages()).filter((x) => x.path === path).length, 1);
    await inspector.closeImage(a.imageId);
  });

  test('changing the object stores drops verity results measured against the old ones', async () => {
    const s = await inspector.openImage(corpusPath('01-readme', 'image.cfs'));
    const id = (await inspector.lookup(s.imageId, '/file_a'))!;
    assert.equal((await inspector.node(s.imageId, id)).verity?.status, 'verified');
    const updated = await inspector.setObjectStores(s.imageId, [corpusPath('02-fs-tree', 'objects')]);
    assert.deepEqual(updated.objectStores, [corpusPath('02-fs-tree', 'objects')]);
    assert.equal((await inspector.node(s.imageId, id)).verity?.status, 'missing');
    await assert.rejects(inspector.setObjectStores(s.imageId, ['relative/objects']), /absolute/);
    await inspector.closeImage(s.imageId);
  });

  test('closing an image ends its session', async () => {
    const s = await inspector.openImage(corpusPath('01-readme', 'image.cfs'));
    await inspector.closeImage(s.imageId);
    await assert.rejects(inspector.children(s.imageId, s.rootId), /no open image/);
    await inspector.closeImage(s.imageId); // closing twice is harmless
  });
});

describe('inspector on damaged inputs', { skip: corpusSkip }, () => {
  const inspector = createInspector();
  after(() => inspector.closeAll());

  test('opening a non-image or a relative path fails with a message, not a crash', async () => {
    await assert.rejects(inspector.openImage(corpusPath('01-readme', 'info-dump.txt')));
    await assert.rejects(inspector.openImage('relative/image.cfs'), /absolute/);
    await assert.rejects(inspector.openImage(corpusPath('no-such-file.cfs')));
  });

  test('check finds the broken xattr, and the finding reaches the node details with its byte range', async () => {
    const broken = await makeBrokenXattrImage();
    try {
      const s = await inspector.openImage(broken.path);
      const report = await inspector.check(s.imageId);
      assert.equal(report.imageId, s.imageId);
      assert.ok(report.findings.length > 0);
      const id = (await inspector.lookup(s.imageId, broken.nodePath))!;
      const mine = report.findings.filter((f) => f.nodeId === id);
      assert.ok(mine.length > 0, `no finding for ${broken.nodePath}: ${JSON.stringify(report.findings)}`);
      assert.ok(mine.some((f) => f.offset <= broken.offset + broken.length && f.offset + Math.max(1, f.length) > broken.offset - 4));
      // Details of the broken node may fail to decode; then the error names the range instead.
      try {
        const d = await inspector.node(s.imageId, id);
        assert.ok(d.findings.length > 0);
      } catch (e) {
        assert.match((e as Error).message, /0x|xattr/i);
      }
      await inspector.closeImage(s.imageId);
    } finally {
      await rm(broken.dir, { recursive: true, force: true });
    }
  });

  test('a tampered object is a digest mismatch with expected and actual digests', async () => {
    const t = await makeTamperedObjectImage();
    try {
      const s = await inspector.openImage(t.path);
      const id = (await inspector.lookup(s.imageId, '/file_b'))!;
      const d = await inspector.node(s.imageId, id);
      assert.equal(d.verity?.status, 'mismatch');
      assert.equal(d.verity?.expected, d.digest);
      assert.notEqual(d.verity?.actual, d.digest);
      assert.match(d.verity!.actual!, /^[0-9a-f]{64}$/);
      await inspector.closeImage(s.imageId);
    } finally {
      await rm(t.dir, { recursive: true, force: true });
    }
  });

  test('cancelling a verify job ends it as cancelled', async () => {
    const s = await inspector.openImage(FS_TREE);
    const done = nextVerifyDone(inspector);
    const { jobId } = await inspector.verify(s.imageId);
    await inspector.cancelVerify(jobId);
    const summary = await done;
    assert.equal(summary.cancelled, true);
  });
});
