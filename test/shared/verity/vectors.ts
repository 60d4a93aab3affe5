/**
 * The fs-verity test vectors of corpus/10-fsverity: small files are stored, large ones are
 * regenerated here exactly as its README describes (pattern(n, seed) = sha256(seed ‖ le64(i))
 * for i = 0, 1, ... truncated to n bytes, or all zeros), in chunks so no vector is held whole.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../helpers/corpus.ts';

export interface Vector {
  name: string;
  size: number;
  kind: string;
  seed: string;
  /** Stored file, relative to the vectors directory, or undefined when regenerated. */
  file?: string;
  /** `fsverity digest` output (hex). */
  fsverity: string;
  /** `composefs-info measure-file` output (hex); differs from fsverity only for the empty file. */
  composefs: string;
  /** Plain sha256 of the content: proves a regenerated vector is the one the corpus measured. */
  sha256: string;
}

export const VECTOR_DIR = corpusPath('10-fsverity');

export function loadVectors(): Vector[] {
  const lines = readFileSync(join(VECTOR_DIR, 'vectors.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [name, size, kind, seed, file, fsverity, composefs, sha256] = line.split('\t') as string[];
    return {
      name: name!,
      size: Number(size),
      kind: kind!,
      seed: seed!,
      file: file === '-' ? undefined : file,
      fsverity: fsverity!,
      composefs: composefs!,
      sha256: sha256!,
    };
  });
}

/** The vector's bytes in chunks of at most `chunk` bytes. */
export function* vectorChunks(v: Vector, chunk = 1 << 20): Generator<Uint8Array> {
  if (v.file) {
    yield new Uint8Array(readFileSync(join(VECTOR_DIR, v.file)));
    return;
  }
  if (v.kind === 'zeros') {
    const zeros = new Uint8Array(chunk);
    for (let left = v.size; left > 0; left -= chunk) yield zeros.subarray(0, Math.min(chunk, left));
    return;
  }
  if (v.kind !== 'pattern') throw new Error(`vector ${v.name}: cannot regenerate kind ${v.kind}`);
  const seed = Buffer.from(v.seed, 'utf8');
  const counter = Buffer.alloc(8);
  const buf = new Uint8Array(chunk); // chunk is a multiple of 32, so hashes never straddle chunks
  let i = 0;
  for (let left = v.size; left > 0; ) {
    const n = Math.min(chunk, left);
    for (let off = 0; off < n; off += 32, i++) {
      counter.writeBigUInt64LE(BigInt(i));
      const h = createHash('sha256').update(seed).update(counter).digest();
      buf.set(h.subarray(0, Math.min(32, n - off)), off);
    }
    yield buf.subarray(0, n);
    left -= n;
  }
}
