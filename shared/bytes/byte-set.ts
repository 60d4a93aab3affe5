/**
 * A set of byte strings that keeps its members in arena pages and an open-addressed table of
 * offsets: counting 200,000 distinct object names this way allocates nothing per name, where a Set
 * of strings made one string (and its garbage) per file. Membership is exact: a hash match is
 * confirmed byte by byte.
 *
 * Members are stored encoded, to hold `info` to `dump`'s memory: a composefs object name
 * ("ab/" + hex digits) is kept as its hex digits packed two to a byte, behind a one- or two-byte
 * header (length and encoding). The encoding is one-to-one, so equal encodings mean equal members.
 */
export interface ByteSet {
  /** Adds the bytes; true when they were not in the set yet. */
  add(bytes: Uint8Array): boolean;
  readonly size: number;
}

/** Arena page size; a member longer than a page gets a page of its own. */
const PAGE = 1 << 20;

/** Each byte's value as a lower-case hex digit, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEX['0123456789abcdef'.charCodeAt(c)] = c;

/**
 * Encodes `b` (at most MAX_ENCODED bytes) into `out` (room for b.length + 2) and returns the
 * encoded length. An object name ("hh/" and an even number, at least 2, of lower-case hex digits)
 * is packed two digits to a byte, anything else kept as it is. The header is tag = (payload length
 * << 1 | packed): one byte when below 0x80, else two (0x80 | tag >> 8, tag & 0xff). Headers of
 * different tags differ, so equal encodings are equal members and no encoding is a prefix of another.
 */
function encode(b: Uint8Array, out: Uint8Array): number {
  const n = b.length;
  if (n >= 5 && (n & 1) === 1 && b[2] === 0x2f) {
    // Packed optimistically after a two-byte header slot; plain on the first byte that is no hex digit.
    const payload = (n - 1) >> 1;
    const tag = (payload << 1) | 1;
    let at = tag < 0x80 ? 1 : 2;
    const hi0 = HEX[b[0]!]!;
    const lo0 = HEX[b[1]!]!;
    let ok = (hi0 | lo0) >= 0;
    if (ok) out[at++] = (hi0 << 4) | lo0;
    for (let i = 3; ok && i < n; i += 2) {
      const hi = HEX[b[i]!]!;
      const lo = HEX[b[i + 1]!]!;
      ok = (hi | lo) >= 0;
      out[at++] = (hi << 4) | lo;
    }
    if (ok) {
      writeHeader(out, tag);
      return at;
    }
  }
  const tag = n << 1;
  const at = writeHeader(out, tag);
  out.set(b, at);
  return at + n;
}

function writeHeader(out: Uint8Array, tag: number): number {
  if (tag < 0x80) {
    out[0] = tag;
    return 1;
  }
  out[0] = 0x80 | (tag >>> 8);
  out[1] = tag & 0xff;
  return 2;
}

/** Longest member kept encoded (a two-byte header holds its length); longer ones go to a plain Set of strings. */
const MAX_ENCODED = 0x3fff >> 1;

export function createByteSet(): ByteSet {
  const pages: Uint8Array[] = [new Uint8Array(PAGE)];
  let page = pages[0]!;
  let used = 0;
  // Each slot: page * PAGE + offset + 1 of the member's encoding in the arena, 0 = empty.
  let slots = new Float64Array(1 << 10);
  let hashes = new Int32Array(1 << 10);
  let size = 0;
  let scratch = new Uint8Array(256);
  const long = new Set<string>();

  const hashOf = (b: Uint8Array, n: number): number => {
    let h = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    return h ^ (h >>> 15);
  };
  const equalAt = (ref: number, b: Uint8Array, n: number): boolean => {
    const p = pages[Math.floor(ref / PAGE)]!;
    const at = ref % PAGE;
    if (at + n > p.length) return false;
    for (let i = 0; i < n; i++) if (p[at + i] !== b[i]) return false;
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
  /** Copies n encoded bytes into the arena; returns their reference (page * PAGE + offset). */
  const store = (b: Uint8Array, n: number): number => {
    if (used + n > page.length) {
      page = new Uint8Array(Math.max(PAGE, n));
      pages.push(page);
      used = 0;
    }
    page.set(b.subarray(0, n), used);
    const ref = (pages.length - 1) * PAGE + used;
    used += n;
    return ref;
  };

  return {
    add(b) {
      if (b.length > MAX_ENCODED) {
        let key = '';
        for (let i = 0; i < b.length; i += 4096) key += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
        if (long.has(key)) return false;
        long.add(key);
        size++;
        return true;
      }
      if (scratch.length < b.length + 3) scratch = new Uint8Array(b.length + 3);
      const n = encode(b, scratch);
      const h = hashOf(scratch, n);
      const mask = slots.length - 1;
      for (let i = h & mask; slots[i] !== 0; i = (i + 1) & mask) {
        // The header leads the encoding, so a prefix of a longer member never matches.
        if (hashes[i] === h && equalAt(slots[i]! - 1, scratch, n)) return false;
      }
      if ((size + 1) * 2 > slots.length) grow();
      place(h, store(scratch, n) + 1, slots, hashes);
      size++;
      return true;
    },
    get size() {
      return size;
    },
  };
}
