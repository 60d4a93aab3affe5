/** The block map's colour families: every format's structure kinds land in the family they belong to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindFamily, nextSlice } from '../../../renderer/components/BlockMap.tsx';

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

test('the strip is one Tab stop whose arrows, Home/End and PageUp/PageDown move between slices, stopping at its ends', () => {
  const moves = ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', 'Home', 'End', 'PageDown', 'PageUp', 'Tab', 'a'].map((k) => [k, nextSlice(k, 10, 256)]);
  assert.deepEqual(moves, [['ArrowRight', 11], ['ArrowDown', 11], ['ArrowLeft', 9], ['ArrowUp', 9], ['Home', 0], ['End', 255], ['PageDown', 26], ['PageUp', 0], ['Tab', undefined], ['a', undefined]]);
  assert.deepEqual([nextSlice('ArrowLeft', 0, 256), nextSlice('ArrowRight', 255, 256), nextSlice('PageDown', 250, 256)], [0, 255, 255]);
});
