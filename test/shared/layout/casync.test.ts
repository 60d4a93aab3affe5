/** The layout map of casync archives made at test time by Debian's casync: records end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImageFile } from '../../../electron/services/open-file.ts';
import { checkImage } from '../../../shared/check/index.ts';
import { buildLayout } from '../../../shared/layout/index.ts';
import { structureHeading } from '../../../shared/layout/text.ts';
import { casyncSkip, make } from '../casync/casync-tool.ts';
import { tempDir } from '../oci/gnu-tar.ts';

function tree(): string {
  const dir = tempDir('casync-layout-tree');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'motd'), 'hello\n');
  symlinkSync('etc/motd', join(dir, 'motd'));
  return dir;
}

test('a .catar: each node\'s ENTRY, FILENAME, PAYLOAD header and content, SYMLINK and GOODBYE, and nothing else', { skip: casyncSkip }, async () => {
  const src = tree();
  const catar = make(src, 'a.catar', ['--with=best', '--without=user-names', '--without=xattrs', '--without=acl', '--without=fcaps', '--without=selinux', '--without=quota-projid']);
  const r = await openImageFile(catar.path);
  try {
    const map = await buildLayout(r);
    assert.deepEqual(
      map.structures.map((s) => structureHeading(s).replace(/^0x[0-9a-f]+ \+\d+ /, '')),
      [
        'catar.entry "ENTRY of /" "/"',
        'catar.filename "FILENAME of /etc" "/etc"',
        'catar.entry "ENTRY of /etc" "/etc"',
        'catar.filename "FILENAME of /etc/motd" "/etc/motd"',
        'catar.entry "ENTRY of /etc/motd" "/etc/motd"',
        'catar.payload-header "PAYLOAD header of /etc/motd" "/etc/motd"',
        'catar.payload "content of /etc/motd" "/etc/motd"',
        'catar.goodbye "GOODBYE of /etc" "/etc"',
        'catar.filename "FILENAME of /motd" "/motd"',
        'catar.entry "ENTRY of /motd" "/motd"',
        'catar.symlink "SYMLINK of /motd" "/motd"',
        'catar.goodbye "GOODBYE of /" "/"',
      ],
    );
    assert.equal(map.structures.find((s) => s.kind === 'catar.payload')!.length, 6);
    assert.deepEqual([map.totals.padding, map.totals.unaccounted, map.overlaps.length], [0, 0, 0]);
    assert.equal(map.structures.at(-1)!.offset + map.structures.at(-1)!.length, map.size);
    assert.deepEqual((await checkImage(r)).findings, []);
  } finally {
    await r.close();
  }
});

test('a .caidx maps the archive stream its chunks reassemble, exactly like the .catar of the same tree', { skip: casyncSkip }, async () => {
  const src = tree();
  const [catar, caidx] = [make(src, 'a.catar'), make(src, 'a.caidx')];
  const [a, b] = [await openImageFile(catar.path), await openImageFile(caidx.path)];
  try {
    const [ma, mb] = [await buildLayout(a), await buildLayout(b)];
    assert.equal(mb.space, 'the archive stream the index\'s chunks reassemble');
    assert.deepEqual(mb.structures.map(structureHeading), ma.structures.map(structureHeading));
    assert.equal(mb.totals.unaccounted, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('bytes appended after the root\'s GOODBYE are unaccounted content', { skip: casyncSkip }, async () => {
  const catar = make(tree(), 'a.catar');
  const { appendFileSync } = await import('node:fs');
  const r0 = await openImageFile(catar.path);
  const size = r0.size;
  await r0.close();
  appendFileSync(catar.path, 'hidden');
  const r = await openImageFile(catar.path);
  try {
    const map = await buildLayout(r);
    assert.deepEqual(map.gaps, [{ kind: 'unaccounted', offset: size, length: 6 }]);
  } finally {
    await r.close();
  }
});
