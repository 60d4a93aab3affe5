/**
 * `cfs-inspect layout` and the root-cause shape of `cfs-inspect check`, end to end: layout exits 0
 * on a clean image and 1 with the unaccounted bytes dumped; check --json carries id, cause and both
 * ranges, and the text output lists consequences indented under their root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { buildImage } from '../../helpers/image-builder.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const ENTRIES = [
  { path: '/etc/hostname', content: 'box\n' },
  { path: '/bin/sh', size: 10, digest: 'ab'.repeat(32) },
  { path: '/bin/ls', size: 20, digest: 'cd'.repeat(32) },
  { path: '/bin/zz', size: 30, digest: 'ef'.repeat(32) },
];

function withImage(edit: (b: Uint8Array) => void, run: (path: string) => void): void {
  const bytes = buildImage({ entries: ENTRIES });
  edit(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'cfs-layout-'));
  try {
    const path = join(dir, 'image.cfs');
    writeFileSync(path, bytes);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('layout exits 0 when every byte is accounted for, 1 with the hidden bytes dumped', () => {
  withImage(() => undefined, (path) => {
    const r = cli('layout', path);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^layout of a composefs image, 16384 bytes\n0x00000000 \+32 composefs.header "composefs header"\n/);
    const json = JSON.parse(cli('layout', path, '--json').stdout);
    assert.equal(json.totals.unaccounted, 0);
    assert.equal(json.structures[1].kind, 'erofs.superblock');
    assert.deepEqual(json.structures[1].fields.find((f: { name: string }) => f.name === 'blocks'), { name: 'blocks', offset: 36, size: 4, value: '4' });
  });
  withImage((b) => b.set([0xde, 0xad], 0x200), (path) => {
    const r = cli('layout', path);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.includes('0x00000200 UNACCOUNTED 2 bytes (non-zero, no structure points here)\n  0x00000200  de ad'));
  });
});

test('check --json gives each knock-on finding a cause and each root its field with the spoiled region apart; text groups them', () => {
  // A wild i_xattr_icount on /bin/ls: its xattr area runs over the inodes after it.
  let icountAt = 0;
  withImage(
    (b) => {
      const view = new DataView(b.buffer, b.byteOffset);
      // Find /bin/ls's inode: the one whose i_ino field follows /bin/sh's; search the inode slots for mode 0100644 with size 20.
      for (let at = 0x480; at < 0x3000; at += 32) {
        if (view.getUint16(at + 4, true) === 0o100644 && view.getUint32(at + 8, true) === 20) icountAt = at + 2;
      }
      view.setUint16(icountAt, 0x3fff, true);
    },
    (path) => {
      assert.ok(icountAt > 0);
      const json = JSON.parse(cli('check', path, '--json').stdout);
      const root = json.findings.find((f: { offset: number; cause?: string }) => f.offset === icountAt && !f.cause);
      assert.ok(root, JSON.stringify(json.findings.slice(0, 5)));
      assert.equal(root.length, 2);
      assert.equal(root.region.offset, icountAt - 2);
      assert.ok(root.region.length > 0x3fff * 4);
      const after = json.findings.filter((f: { cause?: string }) => f.cause === root.id);
      assert.ok(after.length >= 1);
      const text = cli('check', path);
      assert.equal(text.status, 1);
      const lines = text.stdout.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`0x${icountAt.toString(16)}+2 error ${root.code}`));
      assert.ok(at >= 0, text.stdout.slice(0, 2000));
      assert.match(lines[at]!, new RegExp(`\\[root cause of ${after.length} more\\]$`));
      assert.equal(lines[at + 1], `    affects 0x${root.region.offset.toString(16)}+${root.region.length}`);
      assert.ok(lines[at + 2]!.startsWith('    -> '));
    },
  );
});
