import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLookup } from '../../../electron/cli/commands/missing-objects.ts';

test('storeLookup finds regular files inside the store, by listing or through the resolver, and never follows a link out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-store-'));
  try {
    mkdirSync(join(dir, 'ab'));
    mkdirSync(join(dir, 'cd', 'ef'), { recursive: true });
    writeFileSync(join(dir, 'ab', 'present'), 'x');
    symlinkSync('/nonexistent', join(dir, 'ab', 'dangling'));
    writeFileSync(join(dir, 'cd', 'ef', 'deep'), 'x');
    writeFileSync(join(dir, 'top'), 'x');
    const lookup = storeLookup(dir);
    const names = ['ab/present', 'ab/dangling', 'ab/absent', 'cd/ef/deep', 'cd/deep', 'zz/absent', 'top', 'nope', 'top/below', 'ab/', 'ab/.'];
    assert.deepEqual(
      names.map((n) => {
        const r = lookup(n);
        return `${n}: ${r.found ? 'found' : r.reason}`;
      }),
      [
        'ab/present: found',
        'ab/dangling: escape', // a link to /nonexistent points outside the store: never probed
        'ab/absent: missing',
        'cd/ef/deep: found',
        'cd/deep: missing',
        'zz/absent: missing',
        'top: found',
        'nope: missing',
        'top/below: missing',
        'ab/: unreadable', // the fan-out directory itself is not an object
        'ab/.: unreadable',
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('storeLookup answers plain XX/<hex> names from listings, but a symlinked object or fan-out directory goes through the resolver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-store-'));
  const outside = mkdtempSync(join(tmpdir(), 'cfs-outside-'));
  try {
    const hex = 'cd'.repeat(31);
    mkdirSync(join(dir, 'ab'));
    writeFileSync(join(dir, 'ab', hex), 'x');
    writeFileSync(join(outside, hex), 'secret');
    symlinkSync(join(outside, hex), join(dir, 'ab', 'ef'.repeat(31)));
    symlinkSync(outside, join(dir, '01'));
    const lookup = storeLookup(dir);
    const result = (n: string) => {
      const r = lookup(n);
      return r.found ? 'found' : r.reason;
    };
    assert.equal(result(`ab/${hex}`), 'found');
    assert.equal(result(`ab/${'00'.repeat(31)}`), 'missing');
    assert.equal(result(`ab/${'ef'.repeat(31)}`), 'escape');
    assert.equal(result(`01/${hex}`), 'escape');
    assert.equal(result(`02/${hex}`), 'missing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
