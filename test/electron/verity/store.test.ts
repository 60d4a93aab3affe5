import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payloadComponents, resolveObject } from '../../../electron/verity/store.ts';

const B = (s: string) => new TextEncoder().encode(s);

/** A temp dir holding two stores and an "outside" directory an attacker would aim at. */
function fixture(t: { after: (fn: () => void) => void }) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cfs-store-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const outside = join(dir, 'outside');
  for (const d of [join(a, 'ab'), join(b, 'ab'), outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret'), 'secret');
  return { dir, a, b, outside };
}

test('payloads that could leave the store are refused before any lookup', () => {
  for (const bad of ['', '/etc/passwd', '..', 'ab/../../x', 'ab/..', '.', './', 'a\0b']) {
    assert.ok('refused' in payloadComponents(B(bad)), JSON.stringify(bad));
  }
  assert.ok('refused' in payloadComponents(new Uint8Array([0x61, 0xff, 0xfe])), 'non-UTF-8');
  // Empty and '.' components are what the kernel's path walk skips, not attacks.
  assert.deepEqual(payloadComponents(B('ab//./cd')), { components: ['ab', 'cd'] });
  assert.deepEqual(payloadComponents(B('..x/y..')), { components: ['..x', 'y..'] });
});

test('an object is found in the first store that has it, with its size', (t) => {
  const { a, b } = fixture(t);
  writeFileSync(join(b, 'ab', 'cd'), 'from b');
  assert.deepEqual(resolveObject([a, b], B('ab/cd')), { ok: true, path: join(b, 'ab', 'cd'), size: 6 });
  writeFileSync(join(a, 'ab', 'cd'), 'from a!');
  assert.deepEqual(resolveObject([a, b], B('ab/cd')), { ok: true, path: join(a, 'ab', 'cd'), size: 7 });
});

test('an object in no store is missing; a store that does not exist is skipped', (t) => {
  const { a, dir } = fixture(t);
  const r = resolveObject([join(dir, 'nope'), a], B('ab/cd'));
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'missing');
  assert.equal(!r.ok && r.path, join(a, 'ab', 'cd'));
  // A regular file where a directory is expected is just as missing.
  writeFileSync(join(a, 'zz'), 'x');
  assert.equal((resolveObject([a], B('zz/cd')) as { reason: string }).reason, 'missing');
});

test('absolute and .. redirects are escapes even when the target exists', (t) => {
  const { a, outside } = fixture(t);
  for (const p of [outside + '/secret', '../outside/secret', 'ab/../../outside/secret']) {
    const r = resolveObject([a], B(p));
    assert.equal(!r.ok && r.reason, 'escape', p);
  }
});

test('a symlink inside the store that points outside is an escape, dangling or not', (t) => {
  const { a, outside } = fixture(t);
  symlinkSync(join(outside, 'secret'), join(a, 'ab', 'abs'));
  symlinkSync('../../outside/secret', join(a, 'ab', 'rel'));
  symlinkSync(join(outside, 'gone'), join(a, 'ab', 'dangling'));
  symlinkSync('../../outside/nodir/x', join(a, 'ab', 'dangling-rel'));
  mkdirSync(join(outside, 'cd'));
  writeFileSync(join(outside, 'cd', 'obj'), 'x');
  symlinkSync(outside, join(a, 'cd')); // a whole fan-out directory redirected outside
  for (const p of ['ab/abs', 'ab/rel', 'ab/dangling', 'ab/dangling-rel', 'cd/obj', 'cd/missing']) {
    const r = resolveObject([a], B(p));
    assert.equal(!r.ok && r.reason, 'escape', p);
  }
});

test('a symlink that stays inside the store is followed', (t) => {
  const { a } = fixture(t);
  writeFileSync(join(a, 'ab', 'real'), 'data');
  symlinkSync('real', join(a, 'ab', 'alias'));
  symlinkSync('ab', join(a, 'ef'));
  symlinkSync('./ab/../ab', join(a, 'gh'));
  symlinkSync('nothing-here', join(a, 'ab', 'dangling'));
  assert.deepEqual(resolveObject([a], B('ab/alias')), { ok: true, path: join(a, 'ab', 'real'), size: 4 });
  assert.deepEqual(resolveObject([a], B('ef/real')), { ok: true, path: join(a, 'ab', 'real'), size: 4 });
  assert.deepEqual(resolveObject([a], B('gh/alias')), { ok: true, path: join(a, 'ab', 'real'), size: 4 });
  assert.equal((resolveObject([a], B('ab/dangling')) as { reason: string }).reason, 'missing');
});

test('a directory or a symlink loop in place of an object is unreadable', (t) => {
  const { a } = fixture(t);
  mkdirSync(join(a, 'ab', 'dir'));
  symlinkSync('loop2', join(a, 'ab', 'loop1'));
  symlinkSync('loop1', join(a, 'ab', 'loop2'));
  for (const p of ['ab/dir', 'ab/loop1']) {
    const r = resolveObject([a], B(p));
    assert.equal(!r.ok && r.reason, 'unreadable', p);
  }
});

test('with no object store chosen an object is "no-store", never "missing"', (t) => {
  const { a } = fixture(t);
  const none = resolveObject([], B('ab/cdef'));
  assert.deepEqual(none, { ok: false, reason: 'no-store', message: 'no object store chosen' });
  const absent = resolveObject([a], B('ab/cdef'));
  assert.equal(absent.ok, false);
  assert.equal(!absent.ok && absent.reason, 'missing');
});
