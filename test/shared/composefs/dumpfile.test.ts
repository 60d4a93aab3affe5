import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DumpParseError, lookupPath, parseDump, unescapeField, type DumpEntry } from '../../../shared/composefs/dumpfile.ts';
import { S_IFCHR, S_IFLNK, S_IFMT, S_IFREG, bytesToString, stringToBytes, toHex } from '../../../shared/model.ts';
import { CORPUS, corpusPath, corpusSkip } from '../../helpers/corpus.ts';

const B = stringToBytes;
const names = (e: DumpEntry) => e.children.map((c) => bytesToString(c.name));
const at = (root: DumpEntry, p: string) => {
  const e = lookupPath(root, B(p));
  assert.ok(e, `${p} exists`);
  return e;
};
const ROOT = '/ 4096 40755 2 0 0 0 0.0 - - -\n';

test('parses every fixed field of a regular file line into the C types mkcomposefs uses', () => {
  const digest = 'ab'.repeat(32);
  const root = parseDump(
    ROOT + `/f 5000000000 100644 3 65536 4294967295 0 1700000000.123456789 ab/${'cd'.repeat(31)} - ${digest} user.k=v\n`,
  );
  const f = at(root, '/f');
  assert.equal(f.mode, S_IFREG | 0o644);
  assert.equal(f.size, 5000000000n);
  assert.equal(f.nlink, 3);
  assert.equal(f.uid, 65536);
  assert.equal(f.gid, 4294967295);
  assert.deepEqual(f.mtime, { sec: 1700000000n, nsec: 123456789 });
  assert.equal(bytesToString(f.payload!), `ab/${'cd'.repeat(31)}`);
  assert.equal(toHex(f.digest!), digest);
  assert.equal(f.content, undefined);
  assert.deepEqual(f.xattrs.map((x) => [bytesToString(x.name), bytesToString(x.value)]), [['user.k', 'v']]);
  assert.equal(f.line, 2);
});

test('undoes backslash, \\n, \\r, \\t and \\xNN escapes, and rejects unknown or truncated ones', () => {
  assert.deepEqual(unescapeField(B('a\\\\b\\nc\\rd\\te\\x00\\xfF')), new Uint8Array([0x61, 0x5c, 0x62, 0x0a, 0x63, 0x0d, 0x64, 0x09, 0x65, 0, 0xff]));
  assert.throws(() => unescapeField(B('abc\\')), /no character after escape/);
  assert.throws(() => unescapeField(B('\\x4')), /no hex characters/);
  assert.throws(() => unescapeField(B('\\xzz')), /invalid hex/);
  assert.throws(() => unescapeField(B('\\q')), /unsupported escape/);
});

test("a lone '-' means absent while an escaped dash is a one-byte value", () => {
  const root = parseDump(ROOT + '/dash 1 100644 1 0 0 0 0.0 - \\x2d -\n/none 0 100644 1 0 0 0 0.0 - - -\n');
  assert.deepEqual(at(root, '/dash').content, B('-'));
  assert.equal(at(root, '/none').content, undefined);
  assert.equal(at(root, '/none').payload, undefined);
});

test('names with escaped spaces, newlines and high bytes become exact byte strings', () => {
  const root = parseDump(ROOT + '/a\\x20b\\nc\\xff 0 100644 1 0 0 0 0.0 - - -\n');
  assert.deepEqual(root.children[0]!.name, new Uint8Array([0x61, 0x20, 0x62, 0x0a, 0x63, 0xff]));
});

test('children are kept in strcmp byte order whatever order the lines come in', () => {
  const root = parseDump(
    ROOT + ['/b', '/a', '/B', '/\\xc3\\xa9', '/a-', '/a.'].map((p) => `${p} 0 100644 1 0 0 0 0.0 - - -`).join('\n') + '\n',
  );
  assert.deepEqual(names(root), ['B', 'a', 'a-', 'a.', 'b', 'é']);
});

test('xattr keys may contain escaped = and a repeated key replaces the earlier value', () => {
  const root = parseDump(ROOT + '/f 0 100644 1 0 0 0 0.0 - - - user.a\\x3db=x=y user.k=1 user.k=2\n');
  const xs = at(root, '/f').xattrs.map((x) => [bytesToString(x.name), bytesToString(x.value)]);
  assert.deepEqual(xs, [['user.a=b', 'x=y'], ['user.k', '2']]);
});

test('hardlink lines resolve to the named entry, which keeps the nlink from its own line', () => {
  const root = parseDump(
    ROOT +
      '/d 4096 40755 2 0 0 0 0.0 - - -\n' +
      '/d/orig 3 100644 3 0 0 0 0.0 - abc -\n' +
      '/l1 3 @100644 3 0 0 0 0.0 /d/orig - -\n' +
      '/l2 3 @100644 3 0 0 0 0.0 /l1 - -\n',
  );
  const orig = at(root, '/d/orig');
  assert.equal(at(root, '/l1').linkTo, orig);
  assert.equal(at(root, '/l2').linkTo, orig, 'a link to a link ends at the real inode');
  assert.equal(orig.nlink, 3);
  assert.equal(orig.linkTo, undefined);
});

test('hardlinks to a missing path, to themselves, in a cycle or to a directory are errors naming the line', () => {
  const bad = [
    ROOT + '/l 0 @100644 1 0 0 0 0.0 /nope - -\n',
    ROOT + '/l 0 @100644 1 0 0 0 0.0 /l - -\n',
    ROOT + '/a 0 @100644 1 0 0 0 0.0 /b - -\n/b 0 @100644 1 0 0 0 0.0 /a - -\n',
    ROOT + '/d 0 40755 2 0 0 0 0.0 - - -\n/l 0 @100644 1 0 0 0 0.0 /d - -\n',
    ROOT + '/l 0 @100644 1 0 0 0 0.0 - - -\n',
  ];
  for (const text of bad) {
    assert.throws(() => parseDump(text), (e: unknown) => e instanceof DumpParseError && e.line >= 2, text);
  }
});

test('non-strict parsing replaces a symlink size by its target length; strict parsing rejects the mismatch', () => {
  const text = ROOT + '/s 99 120777 1 0 0 0 0.0 target - -\n';
  const s = at(parseDump(text), '/s');
  assert.equal(s.mode & S_IFMT, S_IFLNK);
  assert.equal(s.size, 6n);
  assert.throws(() => parseDump(text, { strict: true }), /symlink size/);
});

test('rdev is kept for devices, ignored on other files, and rejected there in strict mode', () => {
  const text = ROOT + '/c 0 20644 1 0 0 259 0.0 - - -\n/f 0 100644 1 0 0 7 0.0 - - -\n';
  const root = parseDump(text);
  assert.equal(at(root, '/c').mode & S_IFMT, S_IFCHR);
  assert.equal(at(root, '/c').rdev, 259n);
  assert.equal(at(root, '/f').rdev, 0n);
  assert.throws(() => parseDump(text, { strict: true }), /devnum/);
});

test('a last line without newline is accepted, except in strict mode', () => {
  const text = ROOT + '/f 0 100644 1 0 0 0 0.0 - - -';
  assert.equal(names(parseDump(text)).length, 1);
  assert.throws(() => parseDump(text, { strict: true }), /trailing newline/);
});

test('malformed lines fail with the line number and the reason', () => {
  const cases: [string, RegExp][] = [
    ['/x 0 100644 1 0 0 0 0.0 - - -\n', /root node not present/],
    [ROOT + ROOT, /multiple roots/],
    [ROOT + '/a/b 0 100644 1 0 0 0 0.0 - - -\n', /parent directory missing/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - -\n/f/g 0 100644 1 0 0 0 0.0 - - -\n', /must be a directory/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - -\n/f 0 100644 1 0 0 0 0.0 - - -\n', /already exists/],
    [ROOT + '/f 3 100644 1 0 0 0 0.0 - ab -\n', /content size 2, must match size 3/],
    [ROOT + '/f 0 170644 1 0 0 0 0.0 - - -\n', /invalid mode/],
    [ROOT + '/f 0 100648 1 0 0 0 0.0 - - -\n', /invalid mode/],
    [ROOT + '/f 0 100644 1 0 0 0 12 - - -\n', /mtime nanoseconds/],
    [ROOT + '/f x 100644 1 0 0 0 0.0 - - -\n', /invalid size/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - abcd\n', /digest must be 64 \(sha256\) or 128 \(sha512\) hex characters/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - - novalue\n', /missing = in xattr/],
    [ROOT + '/s 0 120777 1 0 0 0 0.0 - - -\n', /invalid symlink/],
    [ROOT + '/. 0 100644 1 0 0 0 0.0 - - -\n', /invalid \. or \.\./],
    [ROOT + `/${'n'.repeat(256)} 0 100644 1 0 0 0 0.0 - - -\n`, /longer than 255/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - -\n\n', /invalid empty path/],
    [ROOT + '/f 0 100644 1 0 0 0 0.0 - - - \\x00user.a=v\n', /xattr name/],
    ['', /no root/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseDump(text), (e: unknown) => e instanceof DumpParseError && re.test(e.message), text.slice(-60));
  }
  assert.throws(() => parseDump(ROOT + '/f 3 100644 1 0 0 0 0.0 - ab -\n'), /^DumpParseError: line 2:/);
});

test('inline content up to 5000 bytes is accepted and one byte more is refused', () => {
  const ok = parseDump(ROOT + `/f 5000 100644 1 0 0 0 0.0 - ${'a'.repeat(5000)} -\n`);
  assert.equal(at(ok, '/f').content!.length, 5000);
  assert.throws(() => parseDump(ROOT + `/f 5001 100644 1 0 0 0 0.0 - ${'a'.repeat(5001)} -\n`), /exceeds maximum 5000/);
});

test('numbers follow strtoull: a minus sign wraps and values past 2^64 saturate', () => {
  const root = parseDump(ROOT + '/f 0 100644 1 -1 0 0 99999999999999999999.5 - - -\n');
  assert.equal(at(root, '/f').uid, 0xffffffff);
  assert.equal(at(root, '/f').mtime.sec, -1n, 'saturated 2^64-1 read back as signed tv_sec');
});

/** Every dump in the reference corpus, with whether it was built in strict mode. */
function corpusDumps(): { name: string; text: Uint8Array; strict: boolean }[] {
  if (!CORPUS) return [];
  const out: { name: string; text: Uint8Array; strict: boolean }[] = [];
  const visit = (rel: string) => {
    const dir = corpusPath(rel);
    for (const f of ['input.dump', 'input.dump.gz', 'info-dump.txt']) {
      const p = join(dir, f);
      if (!existsSync(p)) continue;
      const raw = readFileSync(p);
      const cmd = existsSync(join(dir, 'cmdline.txt')) ? readFileSync(join(dir, 'cmdline.txt'), 'utf8') : '';
      out.push({
        name: `${rel}/${f}`,
        text: f.endsWith('.gz') ? gunzipSync(raw) : raw,
        strict: f.startsWith('input') && cmd.includes('CFS_PARSE_STRICT=1'),
      });
    }
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() && d.name !== 'objects' && d.name !== 'files') visit(join(rel, d.name));
    }
  };
  for (const top of ['01-readme', '02-fs-tree', '03-diff', '04-dump-tree', '05-upstream', '07-quirks']) visit(top);
  return out;
}

test('every composefs dump in the reference corpus parses, one entry per line', { skip: corpusSkip }, () => {
  const dumps = corpusDumps();
  assert.ok(dumps.length >= 20, `found ${dumps.length} dumps`);
  for (const { name, text, strict } of dumps) {
    // info-dump.txt of 07-quirks and 04-dump-tree carry composefs-info's redirect read bug; they still parse.
    const root = parseDump(text, { strict });
    let count = 0;
    const walk = (e: DumpEntry) => {
      count++;
      e.children.forEach(walk);
    };
    walk(root);
    const lines = text.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0) + (text[text.length - 1] === 0x0a ? 0 : 1);
    assert.equal(count, lines, name);
  }
});
