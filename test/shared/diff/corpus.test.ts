/**
 * Conformance: the diff of the corpus pair 03-diff (v1 -> v2, made by mkcomposefs 1.0.8) reports
 * exactly the changes that the two `composefs-info dump` outputs imply. The expectation is derived
 * here from the dump text alone, independently of our reader and of the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusPath, corpusSkip } from '../../helpers/corpus.ts';
import { memorySource } from '../../../shared/bytes/source.ts';
import { openImage } from '../../../shared/open.ts';
import { diffImages, formatChange } from '../../../shared/diff/index.ts';
import { diffWithView } from '../../../shared/diff/diff.ts';
import { contentView } from '../../../shared/diff/index.ts';
import type { Change, FieldChange } from '../../../shared/api.ts';

interface DumpLine {
  path: string;
  size: string;
  mode: string;
  nlink: string;
  uid: string;
  gid: string;
  rdev: string;
  mtime: string;
  payload?: string;
  content?: string;
  digest?: string;
  xattrs: Map<string, string>;
}

/** composefs-dump(5) escapes: \\, \n, \r, \t and \xNN. Returns the raw bytes as a latin1 string. */
function unescapeDump(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
    e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e,
  );
}

/** The engine's display form for these ASCII corpus values: printable stays, the rest is \xNN. */
const display = (raw: string): string =>
  raw.replace(/[^\x20-\x7e]|\\/g, (c) => (c === '\\' ? '\\\\' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));

function parseDump(text: string): Map<string, DumpLine> {
  const out = new Map<string, DumpLine>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [path, size, mode, nlink, uid, gid, rdev, mtime, payload, content, digest, ...xs] = line.split(' ');
    const opt = (v: string | undefined) => (v === undefined || v === '-' ? undefined : unescapeDump(v));
    const xattrs = new Map<string, string>();
    for (const x of xs) {
      const eq = x.indexOf('=');
      xattrs.set(unescapeDump(x.slice(0, eq)), unescapeDump(x.slice(eq + 1)));
    }
    out.set(unescapeDump(path!), {
      path: unescapeDump(path!), size: size!, mode: mode!, nlink: nlink!, uid: uid!, gid: gid!, rdev: rdev!, mtime: mtime!,
      payload: opt(payload), content: opt(content), digest: opt(digest), xattrs,
    });
  }
  return out;
}

const KIND: Record<string, string> = { '4': 'dir', '10': 'file', '12': 'symlink', '2': 'chardev', '6': 'blockdev', '1': 'fifo', '14': 'socket' };
const kindOf = (mode: string) => KIND[(parseInt(mode, 8) >> 12).toString(8)] ?? 'unknown';
const target = (e: DumpLine) => (kindOf(e.mode) === 'symlink' ? e.payload : undefined);
const redirect = (e: DumpLine) => (kindOf(e.mode) === 'file' ? e.payload : undefined);
const isDigestPath = (p: string | undefined, d: string | undefined) => p !== undefined && d !== undefined && p === `${d.slice(0, 2)}/${d.slice(2)}`;

/** What changed between two dump lines of one path, in the engine's documented field order. */
function fieldChanges(x: DumpLine, y: DumpLine): FieldChange[] {
  const f: FieldChange[] = [];
  const cmp = (field: string, a: string | undefined, b: string | undefined) => {
    if (a === b) return;
    f.push({ field, ...(a === undefined ? {} : { before: display(a) }), ...(b === undefined ? {} : { after: display(b) }) });
  };
  cmp('type', kindOf(x.mode), kindOf(y.mode));
  cmp('mode', x.mode, y.mode);
  cmp('uid', x.uid, y.uid);
  cmp('gid', x.gid, y.gid);
  cmp('size', x.size, y.size);
  cmp('mtime', x.mtime, y.mtime);
  cmp('nlink', x.nlink, y.nlink);
  cmp('rdev', x.rdev, y.rdev);
  cmp('target', target(x), target(y));
  cmp('digest', x.digest, y.digest);
  // A redirect that is just the digest's object path carries no information of its own.
  const rx = redirect(x);
  const ry = redirect(y);
  if (rx !== ry && !((rx === undefined || isDigestPath(rx, x.digest)) && (ry === undefined || isDigestPath(ry, y.digest)) && x.digest !== y.digest)) {
    cmp('redirect', rx, ry);
  }
  cmp('data', x.content, y.content);
  for (const name of [...new Set([...x.xattrs.keys(), ...y.xattrs.keys()])].sort()) cmp(`xattr:${name}`, x.xattrs.get(name), y.xattrs.get(name));
  return f;
}

/** Identity of an entry for renames: everything but its path, when it has content to recognise. */
function identity(e: DumpLine): string | undefined {
  if (kindOf(e.mode) === 'dir' || !(e.digest || e.content || target(e))) return undefined;
  return JSON.stringify({ ...e, path: undefined, xattrs: [...e.xattrs].sort() });
}

/**
 * A directory whose only change is its size (the byte count of its dirents) is left out unless
 * `dirSizes`: the entries that changed it are reported themselves.
 */
const sizeOnlyDir = (x: DumpLine, fields: FieldChange[]) => kindOf(x.mode) === 'dir' && fields.length === 1 && fields[0]!.field === 'size';

function expectedChanges(a: Map<string, DumpLine>, b: Map<string, DumpLine>, dirSizes = false): Change[] {
  const changes: Change[] = [];
  const removed = [...a.keys()].filter((p) => !b.has(p));
  const added = [...b.keys()].filter((p) => !a.has(p));
  const renamedFrom = new Map<string, string>();
  for (const p of added) {
    const id = identity(b.get(p)!);
    const from = id && removed.find((q) => !renamedFrom.has(q) && ![...renamedFrom.values()].includes(q) && identity(a.get(q)!) === id);
    if (from) renamedFrom.set(p, from);
  }
  const renamedOld = new Set(renamedFrom.values());
  for (const p of removed) if (!renamedOld.has(p)) changes.push({ kind: 'removed', path: p, nodeKind: kindOf(a.get(p)!.mode) as Change['nodeKind'], fields: [] });
  for (const p of added) {
    const kind = kindOf(b.get(p)!.mode) as Change['nodeKind'];
    const from = renamedFrom.get(p);
    changes.push(from ? { kind: 'renamed', path: p, oldPath: from, nodeKind: kind, fields: [] } : { kind: 'added', path: p, nodeKind: kind, fields: [] });
  }
  for (const [p, x] of a) {
    const y = b.get(p);
    if (!y) continue;
    const fields = fieldChanges(x, y);
    if (!dirSizes && kindOf(y.mode) === 'dir' && sizeOnlyDir(x, fields)) continue;
    if (fields.length) changes.push({ kind: 'modified', path: p, nodeKind: kindOf(y.mode) as Change['nodeKind'], fields });
  }
  return changes;
}

const byPath = (x: Change, y: Change) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.kind < y.kind ? -1 : 1);

const open = async (v: string) => openImage(memorySource(new Uint8Array(readFileSync(corpusPath('03-diff', v, 'image.cfs')))));

for (const dirSizes of [false, true]) {
  test(`03-diff: v1 -> v2 reports exactly the changes the two composefs-info dumps imply (dirSizes ${dirSizes})`, { skip: corpusSkip }, async () => {
    const dumpA = parseDump(readFileSync(corpusPath('03-diff', 'v1', 'info-dump.txt'), 'latin1'));
    const dumpB = parseDump(readFileSync(corpusPath('03-diff', 'v2', 'info-dump.txt'), 'latin1'));
    const expected = expectedChanges(dumpA, dumpB, dirSizes);
    const { counts, changes } = await diffImages(await open('v1'), await open('v2'), { dirSizes });
    assert.deepEqual([...changes].sort(byPath), expected.sort(byPath));
    const tally = { added: 0, removed: 0, modified: 0, renamed: 0 };
    for (const c of expected) tally[c.kind]++;
    assert.deepEqual(counts, tally);
  });
}

test('03-diff: directories whose only change is their size are hidden by default and shown with dirSizes', { skip: corpusSkip }, async () => {
  const sizeOnly = (r: { changes: Change[] }) =>
    r.changes.filter((c) => c.nodeKind === 'dir' && c.kind === 'modified' && c.fields.every((f) => f.field === 'size')).map(formatChange);
  assert.deepEqual(sizeOnly(await diffImages(await open('v1'), await open('v2'))), []);
  assert.deepEqual(sizeOnly(await diffImages(await open('v1'), await open('v2'), { dirSizes: true })), [
    'modified dir /etc size=216->214',
    'modified dir /var size=50->48',
  ]);
});

test('03-diff: each change the corpus README lists is classified as that kind of change', { skip: corpusSkip }, async () => {
  const { changes } = await diffImages(await open('v1'), await open('v2'));
  const at = (path: string) => changes.filter((c) => c.path === path);
  const fieldsOf = (path: string) => at(path).flatMap((c) => c.fields.map((f) => f.field));
  assert.deepEqual(at('/etc/added.conf').map((c) => c.kind), ['added']);
  assert.deepEqual(at('/etc/removed.conf').map((c) => c.kind), ['removed']);
  assert.deepEqual(at('/etc/renamed-new.conf').map((c) => [c.kind, c.oldPath]), [['renamed', '/etc/renamed-old.conf']]);
  assert.deepEqual(at('/etc/renamed-old.conf'), [], 'the old name of a rename is not also reported as removed');
  assert.deepEqual(fieldsOf('/etc/modified.conf'), ['digest']);
  assert.deepEqual(fieldsOf('/usr/bin/chmodded'), ['mode']);
  assert.deepEqual(fieldsOf('/usr/bin/chowned'), ['uid', 'gid']);
  assert.deepEqual(fieldsOf('/etc/xattr-changed'), ['xattr:user.added', 'xattr:user.dropped', 'xattr:user.note']);
  assert.deepEqual(fieldsOf('/etc/mtime-changed'), ['mtime']);
  assert.deepEqual(fieldsOf('/etc/type-changed'), ['type', 'mode', 'size', 'target', 'digest']);
  assert.deepEqual(fieldsOf('/etc/link'), ['target']);
  assert.deepEqual(fieldsOf('/inline-to-external'), ['size', 'digest', 'data']);
  assert.deepEqual(at('/var/added-dir').map((c) => [c.kind, c.nodeKind]), [['added', 'dir']]);
  assert.deepEqual(at('/var/removed-dir').map((c) => [c.kind, c.nodeKind]), [['removed', 'dir']]);
});

test('03-diff: changes come in depth-first name order and print as stable one-line forms', { skip: corpusSkip }, async () => {
  const { changes } = await diffImages(await open('v1'), await open('v2'));
  const lines = changes.map(formatChange);
  assert.ok(lines.includes('renamed file /etc/renamed-old.conf -> /etc/renamed-new.conf'));
  assert.ok(lines.includes('modified file /etc/xattr-changed added:xattr:user.added=y removed:xattr:user.dropped=x xattr:user.note=old->new'));
  assert.ok(lines.includes('modified file /inline-to-external size=6->65 added:digest=f4d17ba74723f606b2c25508f483eeff02998b6c26dbf25ae49434d532d8106e removed:data=short\\x0a'));
  const paths = changes.map((c) => c.path.split('/'));
  for (let i = 1; i < paths.length; i++) {
    const [p, q] = [paths[i - 1]!, paths[i]!];
    const k = p.findIndex((part, j) => part !== q[j]);
    const before = k < 0 ? p.length < q.length : k < q.length && p[k]! < q[k]!;
    assert.ok(before, `${changes[i - 1]!.path} before ${changes[i]!.path}`);
  }
});

test('03-diff: the raw-byte shortcut gives the same result as decoding every node, both directions', { skip: corpusSkip }, async () => {
  for (const [x, y] of [['v1', 'v2'], ['v2', 'v1'], ['v1', 'v1']] as const) {
    const fast = await diffWithView(await open(x), await open(y), contentView);
    const slow = await diffWithView(await open(x), await open(y), contentView, { exhaustive: true });
    assert.deepEqual(fast, slow, `${x} -> ${y}`);
  }
});

test('03-diff: v2 -> v1 is the mirror image: added and removed swap, renames reverse', { skip: corpusSkip }, async () => {
  const forward = await diffImages(await open('v1'), await open('v2'));
  const back = await diffImages(await open('v2'), await open('v1'));
  assert.deepEqual(back.counts, { ...forward.counts, added: forward.counts.removed, removed: forward.counts.added });
  const rename = back.changes.find((c) => c.kind === 'renamed');
  assert.deepEqual([rename?.oldPath, rename?.path], ['/etc/renamed-new.conf', '/etc/renamed-old.conf']);
});
