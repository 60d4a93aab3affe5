/**
 * A file shorter than its superblock claims is named truncated, with both sizes, in every error
 * about bytes past its end (not "nid 128 ... beyond the image end"), in the reader, the CLI and check.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DecodeError } from '../../../shared/bytes/cursor.ts';
import { walk } from '../../../shared/walk.ts';
import { REPO_ROOT } from '../../helpers/corpus.ts';
import { buildImage, openBytes } from '../../helpers/image-builder.ts';
import { checkBytes } from '../check/corrupt.ts';

const entries = Array.from({ length: 300 }, (_, i) => ({ path: `/d${i % 3}/file-with-a-long-name-${i}`, content: 'x'.repeat(i % 90) }));
const full = buildImage({ entries });
const cut = full.subarray(0, 8192);
const TRUNCATED = new RegExp(`^the file is truncated: it is 8192 bytes, shorter than the ${full.length} bytes its superblock claims \\(${full.length / 4096} blocks of 4096\\); `);

const dir = mkdtempSync(join(tmpdir(), 'cfs-trunc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the reader: errors past the end of a cut image say it is truncated, with both sizes', async () => {
  assert.ok(full.length > 3 * 8192, `the full image (${full.length} bytes) reaches well past the cut`);
  const messages: string[] = [];
  try {
    const r = await openBytes(cut);
    await walk(r, () => undefined, { onProblem: (p) => void messages.push((p.error as Error).message) });
  } catch (e) {
    assert.ok(e instanceof DecodeError);
    messages.push(e.message);
  }
  assert.ok(messages.length > 0);
  for (const m of messages) assert.match(m, TRUNCATED);
});

test('the CLI: ls names the truncation in its one error line', () => {
  const p = join(dir, 'cut.cfs');
  writeFileSync(p, cut);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), 'ls', p], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cut\.cfs: .*the file is truncated: it is 8192 bytes, shorter than the \d+ bytes its superblock claims/);
});

test('check: the superblock finding says truncated, with both sizes', async () => {
  const r = await checkBytes(cut);
  const f = r.findings.find((x) => x.code === 'erofs.superblock.blocks');
  assert.ok(f);
  assert.equal(f.message, `the file is truncated: it is 8192 bytes, shorter than the ${full.length} bytes its superblock claims (${full.length / 4096} blocks of 4096)`);
});
