/**
 * Structure-aware fuzz cases for the attack classes of issue 11: each is a crafted image of one
 * class (test/adversarial/craft.ts) with randomised sizes and a few random map entries, so the
 * budgets are met from both sides of their edges. Like makeCase, a pure function of (seed, index).
 */
import { gzipSync } from 'node:zlib';
import { BUDGETS } from '../../shared/budgets.ts';
import { craftErofs, DIRENTS, paxFlood, sparseChunkedFile, xattrFlood } from '../adversarial/craft.ts';
import { caseRng, type FuzzCase } from './cases.ts';

export const STRUCTURED_CLASSES = ['repeated-blocks', 'xattr-count', 'pax-flood', 'sparse-chunks'] as const;

export function makeStructuredCase(seed: number, index: number): FuzzCase {
  const r = caseRng(seed ^ 0x5eed, index);
  const int = (n: number) => Math.floor(r() * n);
  const cls = STRUCTURED_CLASSES[index % STRUCTURED_CLASSES.length]!;
  const ops: string[] = [cls];
  let bytes: Uint8Array;
  switch (cls) {
    case 'repeated-blocks': {
      // A directory map mixing its dirent block, repeats of it, blocks past the end, holes and zeros.
      const n = 1 + int(3000);
      const map = Array.from({ length: n }, () => {
        const k = int(10);
        return k < 7 ? DIRENTS : k === 7 ? int(64) : k === 8 ? 0xffffffff : 0;
      });
      if (r() < 0.3) map.fill(DIRENTS);
      bytes = craftErofs({ dirMap: map, names: int(220) });
      ops.push(`map=${n}`);
      break;
    }
    case 'xattr-count': {
      // Around the budget: under, at and over it, on a few hard links.
      const count = BUDGETS.xattrsPerInode - 50 + int(100);
      const links = 1 + int(4);
      bytes = xattrFlood(count, links);
      ops.push(`xattrs=${count}`, `links=${links}`);
      break;
    }
    case 'pax-flood': {
      const count = BUDGETS.xattrsPerInode - 50 + int(100) + (r() < 0.2 ? 20_000 : 0);
      const tar = paxFlood(count);
      bytes = r() < 0.5 ? new Uint8Array(gzipSync(tar)) : tar;
      ops.push(`records=${count}`, bytes === tar ? 'tar' : 'tar.gz');
      break;
    }
    case 'sparse-chunks': {
      const chunks = 1 + int(4096);
      const bits = 12 + int(32);
      const real = Array.from({ length: int(4) }, () => int(chunks));
      bytes = sparseChunkedFile(chunks, bits, real);
      ops.push(`chunks=${chunks}`, `bits=${bits}`, `real=${real.join(',')}`);
      break;
    }
  }
  return { index, image: `structured/${cls}`, ops, bytes };
}
