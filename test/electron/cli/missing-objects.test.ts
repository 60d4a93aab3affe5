import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLookup } from '../../../electron/cli/commands/missing-objects.ts';

test('storeLookup finds what lstat finds: files and dangling symlinks, in fan-out and nested directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfs-store-'));
  try {
    mkdirSync(join(dir, 'ab'));
    mkdirSync(join(dir, 'cd', 'ef'), { recursive: true });
    writeFileSync(join(dir, 'ab', 'present'), 'x');
    symlinkSync('/nonexistent', join(dir, 'ab', 'dangling'));
    writeFileSync(join(dir, 'cd', 'ef', 'deep'), 'x');
    writeFileSync(join(dir, 'top'), 'x');
    const exists = storeLookup(dir);
    const names = ['ab/present', 'ab/dangling', 'ab/absent', 'cd/ef/deep', 'cd/deep', 'zz/absent', 'top', 'nope', 'top/below', 'ab/', 'ab/.'];
    assert.deepEqual(
      names.filter((n) => exists(n)),
      ['ab/present', 'ab/dangling', 'cd/ef/deep', 'top', 'ab/', 'ab/.'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
