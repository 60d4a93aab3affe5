/**
 * Conformance: for every composefs image in the reference corpus, our ls/dump/objects/
 * missing-objects output is byte-identical to what composefs-info 1.0.8 printed, except for the
 * lines where composefs-info's redirect read bug prints garbage (corrected per payload-bug.diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { lstat } from 'node:fs/promises';
import { CORPUS, corpusSkip } from '../helpers/corpus.ts';
import { openImageFile } from '../../electron/services/open-file.ts';
import { collectObjects, dumpLine, lsLine, objectRelativePath, walkComposefs } from '../../shared/composefs/dump.ts';
import { latin1 } from '../../shared/composefs/escape.ts';
import type { ImageReader } from '../../shared/model.ts';

const readMaybeGz = (dir: string, name: string): string | undefined => {
  if (existsSync(join(dir, name))) return readFileSync(join(dir, name)).toString('latin1');
  if (existsSync(join(dir, name + '.gz'))) return gunzipSync(readFileSync(join(dir, name + '.gz'))).toString('latin1');
  return undefined;
};

const imagePath = (dir: string): string | undefined => {
  if (existsSync(join(dir, 'image.cfs'))) return join(dir, 'image.cfs');
  if (existsSync(join(dir, 'image.cfs.gz'))) {
    const tmp = mkdtempSync(join(tmpdir(), 'cfs-conf-'));
    const p = join(tmp, 'image.cfs');
    writeFileSync(p, gunzipSync(readFileSync(join(dir, 'image.cfs.gz'))));
    return p;
  }
  return undefined;
};

/** Decodes composefs-dump escapes to raw bytes (as a latin1 string). */
const unescape = (s: string) =>
  s.replace(/\\(x([0-9a-f]{2})|n|r|t|\\)/g, (_m, what: string, h?: string) =>
    h ? String.fromCharCode(parseInt(h, 16)) : what === 'n' ? '\n' : what === 'r' ? '\r' : what === 't' ? '\t' : '\\',
  );

/** From info-dump.payload-bug.diff: the buggy payload field -> the correct one (escaped form). */
function payloadFixes(dir: string): Map<string, string> {
  const fixes = new Map<string, string>();
  const diff = readMaybeGz(dir, 'info-dump.payload-bug.diff');
  if (!diff) return fixes;
  const minus = diff.split('\n').filter((l) => l.startsWith('-/'));
  const plus = diff.split('\n').filter((l) => l.startsWith('+/'));
  assert.equal(minus.length, plus.length, 'payload-bug.diff pairs');
  minus.forEach((m, i) => {
    const a = m.slice(1).split(' ')[8]!;
    const b = plus[i]!.slice(1).split(' ')[8]!;
    fixes.set(a, b);
  });
  return fixes;
}

/** Applies the bug corrections to an expected listing. */
function corrected(text: string, fixes: Map<string, string>, raw: boolean): string {
  let out = text;
  for (const [bad, good] of fixes) {
    const from = raw ? unescape(bad) : bad;
    const to = raw ? unescape(good) : good;
    out = out.split(from).join(to);
  }
  return out;
}

async function render(r: ImageReader, what: 'ls' | 'dump'): Promise<string> {
  const parts: string[] = [];
  await walkComposefs(
    r,
    async (e) => {
      if (what === 'ls') {
        if (e.depth > 0) parts.push(lsLine(e));
      } else parts.push(await dumpLine(r, e));
    },
    (p) => assert.fail(`walk problem at ${latin1(p.path)}: ${p.reason} ${(p.error as Error)?.message ?? ''}`),
  );
  return parts.join('');
}

const cases: string[] = [];
if (CORPUS) {
  const visit = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (!statSync(p).isDirectory()) continue;
      if (existsSync(join(p, 'info-ls.txt')) || existsSync(join(p, 'info-ls.txt.gz')) || existsSync(join(p, 'info-dump.txt.gz')))
        cases.push(p);
      else visit(p);
    }
  };
  visit(CORPUS);
}

test('the corpus holds composefs cases to check', { skip: corpusSkip }, () => {
  assert.ok(cases.length >= 20, `found ${cases.length} cases`);
});

for (const dir of cases) {
  const name = dir.slice(CORPUS!.length + 1);
  test(`${name}: ls, dump, objects and missing-objects equal composefs-info's`, async () => {
    const img = imagePath(dir);
    assert.ok(img, 'case has an image');
    const fixes = payloadFixes(dir);
    const r = await openImageFile(img!);
    try {
      // Upstream omits info-dump.txt where it is byte-identical to the input dump.
      const expDump = readMaybeGz(dir, 'info-dump.txt') ?? readMaybeGz(dir, 'input.dump');
      const expLs = readMaybeGz(dir, 'info-ls.txt');
      const expObjects = readMaybeGz(dir, 'info-objects.txt');
      let checked = 0;
      if (expLs !== undefined) {
        assert.equal(await render(r, 'ls'), corrected(expLs, fixes, false), 'ls');
        checked++;
      }
      if (expDump !== undefined) {
        assert.equal(await render(r, 'dump'), corrected(expDump, fixes, false), 'dump');
        checked++;
      }
      const objects = await collectObjects(r);
      if (expObjects !== undefined) {
        assert.equal(objects.map((o) => latin1(o) + '\n').join(''), corrected(expObjects, fixes, true), 'objects');
        checked++;
      }
      const expMissing = readMaybeGz(dir, 'info-missing-objects.txt');
      if (expMissing !== undefined) {
        const missing: string[] = [];
        // 03-diff's two versions share one store beside them.
        const store = existsSync(join(dir, 'objects')) ? join(dir, 'objects') : join(dir, '..', 'objects');
        for (const o of objects) {
          const p = join(store, Buffer.from(objectRelativePath(o)).toString('utf8'));
          if (!(await lstat(p).then(() => true, () => false))) missing.push(latin1(o) + '\n');
        }
        assert.equal(missing.join(''), corrected(expMissing, fixes, true), 'missing-objects');
        checked++;
      }
      assert.ok(checked >= 2, `compared ${checked} listings`);
    } finally {
      await r.close();
    }
  });
}
