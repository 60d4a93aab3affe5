/** The block map's colour families: every format's structure kinds land in the family they belong to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindFamily } from '../../../renderer/components/BlockMap.tsx';

test('structure kinds of every format map to their colour family, whatever layout version they name', () => {
  const cases: [string, string][] = [
    ['erofs.inode.compact', 'inode'], ['erofs.slot-slack', 'inode'], ['erofs.xattr.entry', 'xattr'], ['erofs.dirent-block', 'dirent'],
    ['erofs.superblock', 'super'], ['erofs.chunk-indexes', 'map'], ['erofs.pcluster', 'data'],
    ['nydus.v5.superblock', 'super'], ['nydus.v5.inode-table', 'super'], ['nydus.v5.inode', 'inode'], ['nydus.pre-v5.inode', 'inode'],
    ['nydus.v5.name', 'dirent'], ['nydus.chunk-infos', 'map'], ['nydus.v6.superblock-ext', 'super'], ['nydus.v6.blob', 'super'], ['nydus.prefetch-table', 'super'],
    ['catar.entry', 'inode'], ['catar.filename', 'dirent'], ['catar.goodbye', 'dirent'], ['catar.payload', 'data'], ['catar.xattr', 'xattr'],
    ['tar.header', 'super'], ['tar.data', 'data'], ['padding', 'padding'], ['unaccounted', 'unaccounted'],
  ];
  assert.deepEqual(cases.map(([k]) => [k, kindFamily(k)]), cases);
});
