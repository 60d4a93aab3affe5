/**
 * EROFS as erofs-utils 1.9.3 writes it (corpus 15-erofs-utils-1.9): for every case, what `ls` and
 * `dump` print and every regular file's content read through our reader agree with
 * extract-manifest.json (what fsck.erofs --extract wrote), and `check` is clean (exit 0).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, corpusPath, corpusSkip } from '../helpers/corpus.ts';
import { openImageFile } from '../../electron/services/open-file.ts';
import { walk } from '../../shared/walk.ts';

const ROOT = corpusPath('15-erofs-utils-1.9');
const cases = corpusSkip || !existsSync(ROOT) ? [] : readdirSync(ROOT).filter((n) => existsSync(join(ROOT, n, 'extract-manifest.json')));

interface ManifestEntry {
  path: string;
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  sha256?: string;
  nlink?: number;
  mtime_ns?: number;
  target?: string;
  rdev?: [number, number];
  xattrs_hex?: Record<string, string>;
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/cli/main.ts'), ...args], { encoding: 'buffer', cwd: REPO_ROOT, maxBuffer: 256 << 20 });

/** composefs-dump(5) escaping back to bytes: \xNN, \n, \t, \\. */
function unescape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\') {
      out.push(...Buffer.from(ch, 'latin1'));
      continue;
    }
    const n = s[++i];
    if (n === 'x') {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(n === 'n' ? 10 : n === 't' ? 9 : n === 'r' ? 13 : n!.charCodeAt(0));
  }
  return Buffer.from(out);
}

/** The manifest's view of one dump line (only the fields the manifest records for that kind). */
function fromDump(line: string, want: ManifestEntry): ManifestEntry {
  const f = line.split(' ');
  const [path, size, mode, nlink, uid, gid, rdev, mtime, payload] = f;
  const xattrs = f.slice(11);
  // A hard link's second name is marked with '@' before the mode (its payload names the first).
  const m = Number.parseInt(mode!.replace(/^@/, ''), 8);
  const out: ManifestEntry = { path: unescape(path!).toString('latin1'), mode: '0o' + m.toString(8), uid: Number(uid), gid: Number(gid) };
  const kind = m & 0o170000;
  if (kind === 0o100000) {
    out.size = Number(size);
    out.nlink = Number(nlink);
    const [sec, ns] = mtime!.split('.');
    out.mtime_ns = Number(BigInt(sec!) * 1_000_000_000n + BigInt((ns ?? '0').padEnd(9, '0')));
  }
  if (kind === 0o120000 && !mode!.startsWith('@')) out.target = unescape(payload!).toString('latin1');
  if (kind === 0o020000 || kind === 0o060000) {
    const d = Number(rdev);
    out.rdev = [(d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00)];
  }
  if (xattrs.length && xattrs[0] !== '-' && (want.xattrs_hex || xattrs.length)) {
    out.xattrs_hex = {};
    for (const x of xattrs) {
      const eq = x.indexOf('=');
      out.xattrs_hex[unescape(x.slice(0, eq)).toString('latin1')] = unescape(x.slice(eq + 1)).toString('hex');
    }
  }
  if (want.sha256 !== undefined) out.sha256 = want.sha256; // compared separately, through readData
  return out;
}

describe('erofs-utils 1.9.3 images (corpus 15-erofs-utils-1.9)', { skip: corpusSkip }, () => {
  test('the corpus holds the eight cases', () => {
    assert.deepEqual(cases.sort(), ['deflate', 'lz4-48bit', 'lz4-all-fragments-ztail', 'lz4hc-dedupe-fragments', 'lzma', 'plain', 'tar-index', 'zstd']);
  });

  for (const name of cases) {
    describe(name, () => {
      const image = join(ROOT, name, 'image.erofs');
      const manifest = JSON.parse(readFileSync(join(ROOT, name, 'extract-manifest.json'), 'utf8')) as ManifestEntry[];
      const byPath = new Map(manifest.map((e) => [e.path, e]));

      test('ls lists exactly the manifest paths (all but the root)', () => {
        const r = cli('ls', image);
        assert.equal(r.status, 0, r.stderr.toString());
        const paths = r.stdout.toString('latin1').split('\n').filter(Boolean).map((l) => unescape(l.split('\t')[0]!.replace(/\/$/, '') || '/').toString('latin1'));
        assert.deepEqual([...paths].sort(), manifest.map((e) => e.path).filter((p) => p !== '/').sort());
      });

      test('dump gives every path, kind, mode, owner, size, nlink, mtime, target, device and xattr of the manifest', () => {
        const r = cli('dump', image);
        assert.equal(r.status, 0, r.stderr.toString());
        const lines = r.stdout.toString('latin1').split('\n').filter(Boolean);
        assert.equal(lines.length, manifest.length);
        for (const line of lines) {
          const path = unescape(line.slice(0, line.indexOf(' '))).toString('latin1');
          const want = byPath.get(path);
          assert.ok(want, `dump has ${path}, the manifest does not`);
          assert.deepEqual(fromDump(line, want), want, path);
        }
      });

      test('every regular file reads back with the sha256 of its extracted content', async () => {
        const r = await openImageFile(image);
        try {
          let files = 0;
          await walk(r, async (e) => {
            const path = e.path.length ? Buffer.from(e.path).toString('latin1') : '/';
            const want = byPath.get(path);
            if (!want?.sha256) return;
            const node = await r.node(e.id);
            const data = await r.readData(e.id, 0, node.size);
            assert.equal(createHash('sha256').update(data).digest('hex'), want.sha256, path);
            files++;
          });
          assert.equal(files, manifest.filter((e) => e.sha256).length);
        } finally {
          await r.close();
        }
      });

      test('check is clean and exits 0', () => {
        const r = cli('check', image);
        assert.equal(r.stdout.toString(), `${image}: clean (${manifest.length - 1} inodes checked)\n`);
        assert.equal(r.status, 0);
      });
    });
  }
});

describe('info explains how erofs-utils 1.9.3 laid the image out', { skip: corpusSkip }, () => {
  const info = (name: string) => {
    const r = cli('info', '--no-digest', join(ROOT, name, 'image.erofs'));
    assert.equal(r.status, 0, r.stderr.toString());
    return r.stdout.toString();
  };

  test('the algorithm with its window or dictionary from compr_cfgs, the pcluster sizes and no dedupe', () => {
    const out = info('zstd');
    assert.match(out, /^compression: +zstd \(window 512 KiB\); the level is not recorded in the image$/m);
    assert.match(out, /^compressed files: +78$/m);
    assert.match(out, /^pcluster sizes: +4096\.\.65536 bytes$/m);
    assert.match(out, /^deduplicated: +0 extents share an earlier pcluster \(0 decoded bytes\)$/m);
    assert.match(info('lzma'), /^compression: +lzma \(dictionary 256 KiB\);/m);
    assert.match(info('deflate'), /^compression: +deflate \(window 32 KiB\);/m);
  });

  test('dedupe and fragments: shared pclusters, the packed inode and its size', () => {
    const out = info('lz4hc-dedupe-fragments');
    assert.match(out, /^packed inode \(fragments\): +nid 58670, 4209895 bytes$/m);
    assert.match(out, /^deduplicated: +412 extents share an earlier pcluster \(1687552 decoded bytes\)$/m);
    assert.match(out, /^data in the packed inode \(fragments\): +4864336 bytes$/m);
  });

  test('an index-only image says its data lives in the tarball', () => {
    assert.match(info('tar-index'), /^layout: +file data lives on 1 extra device \(an index-only image such as mkfs\.erofs --tar=i writes keeps it in the original tarball\); 1 opened with the image$/m);
  });
});

describe('an index-only image away from its tarball', { skip: corpusSkip }, () => {
  test('reading data names the missing device; --device (or the open option) supplies the tarball', async () => {
    const { copyFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cfs-tar-index-'));
    const image = join(dir, 'image.erofs');
    const tar = join(ROOT, 'tar-index', 'layer.tar');
    copyFileSync(join(ROOT, 'tar-index', 'image.erofs'), image);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'tar-index', 'extract-manifest.json'), 'utf8')) as ManifestEntry[];
    const cp = manifest.find((e) => e.path === '/bin/cp')!;
    const read = async (devices?: string[]) => {
      const r = await openImageFile(image, devices ? { devices } : {});
      try {
        const bin = (await r.children(r.rootId)).find((c) => Buffer.from(c.name).toString() === 'bin')!;
        const file = (await r.children(bin.id)).find((c) => Buffer.from(c.name).toString() === 'cp')!;
        return createHash('sha256').update(await r.readData(file.id, 0, cp.size!)).digest('hex');
      } finally {
        await r.close();
      }
    };
    await assert.rejects(read(), /data lives on blob 1, which was not opened with the image/);
    assert.equal(await read([tar]), cp.sha256);
    const out = cli('info', '--no-digest', image, '--device', tar).stdout.toString();
    assert.match(out, /; 1 opened with the image$/m);
    assert.match(cli('info', '--no-digest', image).stdout.toString(), /; 0 opened with the image$/m);
  });
});
