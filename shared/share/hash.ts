/** The unit hasher of the format core (pure JS); the Node side passes native SHA-256 instead. */
import { sha256 } from '@noble/hashes/sha2.js';
import type { UnitHasher } from './units.ts';

export const nobleUnitHasher: UnitHasher = {
  digest: (bytes) => sha256(bytes),
  create: () => sha256.create(),
};
