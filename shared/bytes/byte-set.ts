/**
 * A set of byte strings that keeps its members in one growing arena and an open-addressed table
 * of offsets: counting 200,000 distinct object names this way allocates nothing per name, where a
 * Set of strings made one string (and its garbage) per file. Membership is exact: a hash match is
 * confirmed byte by byte.
 */
export interface ByteSet {
  /** Adds the bytes; true when they were not in the set yet. */
  add(bytes: Uint8Array): boolean;
  readonly size: number;
}

export function createByteSet(): ByteSet {
  let arena = new Uint8Array(1 << 16);
  let used = 0;
  // Each slot: arena offset + 1 (0 = empty). Lengths are stored in the arena before the bytes.
  let slots = new Float64Array(1 << 10);
  let hashes = new Int32Array(1 << 10);
  let size = 0;

  const hashOf = (b: Uint8Array): number => {
    let h = 0x811c9dc5 ^ b.length;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    return h ^ (h >>> 15);
  };
  const lengthAt = (at: number) => arena[at]! | (arena[at + 1]! << 8) | (arena[at + 2]! << 16) | (arena[at + 3]! << 24);
  const equalAt = (at: number, b: Uint8Array): boolean => {
    if (lengthAt(at) !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (arena[at + 4 + i] !== b[i]) return false;
    return true;
  };
  const place = (h: number, value: number, s: Float64Array, hs: Int32Array) => {
    const mask = s.length - 1;
    let i = h & mask;
    while (s[i] !== 0) i = (i + 1) & mask;
    s[i] = value;
    hs[i] = h;
  };
  const grow = () => {
    const s = new Float64Array(slots.length * 2);
    const hs = new Int32Array(slots.length * 2);
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) place(hashes[i]!, slots[i]!, s, hs);
    slots = s;
    hashes = hs;
  };
  const store = (b: Uint8Array): number => {
    const need = used + 4 + b.length;
    if (need > arena.length) {
      const bigger = new Uint8Array(Math.max(arena.length * 2, need));
      bigger.set(arena.subarray(0, used));
      arena = bigger;
    }
    const at = used;
    const n = b.length;
    arena[at] = n & 0xff;
    arena[at + 1] = (n >>> 8) & 0xff;
    arena[at + 2] = (n >>> 16) & 0xff;
    arena[at + 3] = n >>> 24;
    arena.set(b, at + 4);
    used = need;
    return at;
  };

  return {
    add(b) {
      const h = hashOf(b);
      const mask = slots.length - 1;
      for (let i = h & mask; slots[i] !== 0; i = (i + 1) & mask) {
        if (hashes[i] === h && equalAt(slots[i]! - 1, b)) return false;
      }
      if ((size + 1) * 2 > slots.length) grow();
      place(h, store(b) + 1, slots, hashes);
      size++;
      return true;
    },
    get size() {
      return size;
    },
  };
}
