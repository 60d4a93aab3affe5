/**
 * Hostile images (issue 11): each attack class is built by our own code (test/adversarial/craft.ts)
 * at the size the audit used, run through the real CLI in a child process, and must end with a
 * clear finding or error, within a CPU-time bound and under a peak-memory bound that the kernel
 * measured for the child. Before the budgets these cost minutes to hours or a V8 OOM abort; the
 * bounds below are an order of magnitude above what the fixed code needs on an idle machine.
 *
 * Each budget is also probed at its edge in-process: the limit itself passes, one more is refused.
 * (Diffs over sparse chunk maps are test/adversarial/diff-holes.test.ts; FIFOs as IMAGE and
 * missing-objects containment are test/electron/cli/not-files.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../shared/bytes/cursor.ts';
import { memorySource } from '../../shared/bytes/source.ts';
import { BUDGETS } from '../../shared/budgets.ts';
import { dirGuard } from '../../shared/erofs/dir-guard.ts';
import { openErofs } from '../../shared/erofs/reader.ts';
import { openOciTar } from '../../shared/oci/reader.ts';
import { walk, type WalkProblem } from '../../shared/walk.ts';
import { budgetedOutput } from '../../electron/cli/image.ts';
import { createOutput } from '../../electron/cli/io.ts';
import { deepNesting, paxFlood, repeatedBlockDirectory, xattrFlood, zstdBomb } from './craft.ts';
import { runCli, writeScratch, type Run } from './run.ts';

/** Bounds for one CLI run of a crafted image (the fixed code needs about 1-2 s and 100-250 MB). */
const CPU_MS = 20_000;
const RSS_MB = 450;

function withinBounds(r: Run, what: string) {
  assert.ok(r.cpuMs < CPU_MS, `${what}: ${Math.round(r.cpuMs)} ms CPU, bound ${CPU_MS}`);
  assert.ok(r.maxRssMb < RSS_MB, `${what}: peak RSS ${Math.round(r.maxRssMb)} MB, bound ${RSS_MB}`);
}

const checkCodes = (r: Run): string[] => (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);

describe('a directory whose block map repeats one block (276 KB, 14.7 M names if followed)', () => {
  const image = writeScratch('repeated-block.img', repeatedBlockDirectory());

  test('ls and dump stop at the first repeat with one line naming erofs.dir.block-repeated', () => {
    for (const cmd of ['ls', 'dump']) {
      const r = runCli([cmd, image]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /directory 0 maps block 66 \(0x42000\) more than once.*\[erofs\.dir\.block-repeated at 0x42000\]/);
      withinBounds(r, cmd);
    }
  });

  test('check reports the repeat once, as an error finding at the repeated block', () => {
    const r = runCli(['check', image, '--json']);
    assert.equal(r.status, 1, r.stderr);
    const found = (JSON.parse(r.stdout) as { findings: { code: string; offset: number; length: number; severity: string }[] }).findings.filter((f) => f.code === 'erofs.dir.block-repeated');
    assert.deepEqual(found.map((f) => [f.offset, f.length, f.severity]), [[66 * 4096, 4096, 'error']]);
    withinBounds(r, 'check');
  });

  test('the same directory with a map of one entry is read whole (the crafted layout is otherwise valid)', async () => {
    const r = await openErofs(memorySource(repeatedBlockDirectory(1)));
    assert.equal((await r.children(r.rootId)).length, 222);
  });

  test('entries per directory: the budget itself is allowed, one more entry is refused naming the limit', () => {
    const g = dirGuard(7, 4096, 100);
    g.entries(60, 0, 4096);
    g.entries(40, 4096, 4096);
    assert.throws(() => g.entries(1, 8192, 4096), (e: unknown) => e instanceof DecodeError && e.code === 'budget.dir-entries' && /more than 100 entries/.test(e.message) && e.offset === 8192);
  });

  test('a block overlapping one already read (a tail inside a full block) counts as a repeat', () => {
    const g = dirGuard(7, 4096);
    g.block(8192, 4096);
    assert.throws(() => g.block(8192 + 100, 50), (e: unknown) => e instanceof DecodeError && e.code === 'erofs.dir.block-repeated');
  });
});

describe('one inode with thousands of inline xattrs, and hard links to it', () => {
  test('32,767 xattrs (the most an xattr area holds) and 20 links: a budget error per name, not a minute of CPU', () => {
    const r = runCli(['ls', writeScratch('xattrs-32767.img', xattrFlood(32_767, 20))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\/f: the xattr area holds more than 10000 entries, the inspector's budget of xattrs per inode .*\[budget\.xattrs-per-inode at /);
    withinBounds(r, 'ls');
  });

  test('exactly the budget (10,000 xattrs) on 100 names dumps every xattr in linear time', () => {
    const r = runCli(['dump', writeScratch('xattrs-10000.img', xattrFlood(BUDGETS.xattrsPerInode, 100))]);
    assert.equal(r.status, 0, r.stderr);
    const fileLine = r.stdout.split('\n').find((l) => l.startsWith('/f '))!;
    assert.equal(fileLine.split(' ').filter((f) => f.startsWith('user.')).length, BUDGETS.xattrsPerInode);
    // Quadratic interpretation was 100 x 10,000^2 / 2 name comparisons: minutes of CPU.
    withinBounds(r, 'dump');
  });
});

describe('pax xattr floods in a tar layer', () => {
  test('100,000 SCHILY.xattr records (3 MB): check reports the budget finding at the first record over it', async () => {
    const r = runCli(['check', writeScratch('pax-flood.tar', paxFlood(100_000)), '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(checkCodes(r).filter((c) => c.startsWith('budget.')), ['budget.xattrs-per-inode']);
    withinBounds(r, 'check');
  });

  test('the budget itself is kept whole; one record more is reported and ignored', async () => {
    const at = await openOciTar(memorySource(paxFlood(BUDGETS.xattrsPerInode)));
    const f = (await at.node((await at.children(at.rootId))[0]!.id));
    assert.equal(f.xattrs.length, BUDGETS.xattrsPerInode);
    assert.deepEqual(at.findings().filter((x) => x.code.startsWith('budget.')), []);
    const over = await openOciTar(memorySource(paxFlood(BUDGETS.xattrsPerInode + 1)));
    const g = await over.node((await over.children(over.rootId))[0]!.id);
    assert.equal(g.xattrs.length, BUDGETS.xattrsPerInode);
    assert.deepEqual(over.findings().filter((x) => x.code.startsWith('budget.')).map((x) => x.code), ['budget.xattrs-per-inode']);
  });
});

describe('a zstd bomb: 215 KB of RLE blocks that expand to 6.7 GB', () => {
  const image = writeScratch('bomb.tar.zst', zstdBomb(55_000));

  test('check stops at the decompressed-bytes budget with a finding naming it, in bounded memory', () => {
    const r = runCli(['check', image, '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(checkCodes(r).includes('budget.decompressed-bytes'), r.stdout);
    withinBounds(r, 'check');
  });

  test('ls lists the layer within the same bounds (a 4 GB heap limit used to abort with a V8 trace)', () => {
    const r = runCli(['ls', image], { heapMb: 1024 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '/zeros\n');
    withinBounds(r, 'ls');
  });
});

describe('4,000 nested directories with 255-byte names (1.5 MB)', () => {
  const image = writeScratch('deep.img', deepNesting(4000));

  test('ls stops descending at the walk-path budget, naming it, instead of holding gigabytes of paths', () => {
    const r = runCli(['ls', image]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the walk already holds \d+ bytes of directory paths; .*budget of 16777216 \(BUDGETS\.walkPathBytes\).*\[budget\.walk-path-bytes/);
    // What was listed is bounded by the budget: the open paths' sum never passed 16 MiB.
    assert.ok(r.stdout.length < 2 * BUDGETS.walkPathBytes, `${r.stdout.length} bytes of output`);
    withinBounds(r, 'ls');
  });

  test('the walk-path budget itself is allowed; one byte less leaves the deepest directory unopened', async () => {
    const r = await openErofs(memorySource(deepNesting(4, 10)));
    // Open frames: "/" (1) + 11 + 22 + 33 + 44 = 111 bytes once the deepest directory is entered
    // (it is still listed itself; only its contents are not read).
    const run = async (maxPathBytes: number) => {
      const problems: WalkProblem[] = [];
      let deepest = 0;
      await walk(r, (e) => void (deepest = Math.max(deepest, e.depth)), { maxPathBytes, onProblem: (p) => void problems.push(p) });
      return { deepest, codes: problems.map((p) => (p.error as DecodeError).code) };
    };
    assert.deepEqual(await run(111), { deepest: 4, codes: [] });
    assert.deepEqual(await run(110), { deepest: 4, codes: ['budget.walk-path-bytes'] });
  });
});

describe('total output size', () => {
  test('the output budget itself is written; one byte more is refused naming the limit', () => {
    const written: string[] = [];
    const out = { ...createOutput(), raw: (s: string) => void written.push(s) } as ReturnType<typeof createOutput>;
    const emit = budgetedOutput(out, 0, 10);
    emit('12345');
    emit('67890');
    assert.throws(() => emit('x'), (e: unknown) => e instanceof DecodeError && e.code === 'budget.output-bytes' && /passed 10 bytes/.test(e.message));
    assert.deepEqual(written, ['12345', '67890']);
  });
});
