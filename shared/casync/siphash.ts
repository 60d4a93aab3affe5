/**
 * SipHash-2-4, the hash of the goodbye table's names, keyed with CA_FORMAT_GOODBYE_HASH_KEY.
 * Written over 32-bit halves: BigInt arithmetic would cost a few microseconds per name, and an
 * archive has one name per entry.
 */

/** CA_FORMAT_GOODBYE_HASH_KEY from caformat.h, as 16 bytes. */
export const CA_FORMAT_GOODBYE_HASH_KEY = Uint8Array.of(0xb3, 0x84, 0x1d, 0x0f, 0x2b, 0x44, 0x74, 0x85, 0xc1, 0x2e, 0xc2, 0xd1, 0x30, 0xed, 0x36, 0x27);

// The state: four 64-bit words, each as [hi, lo] in one Uint32Array (v0h v0l v1h v1l v2h v2l v3h v3l).
type State = Uint32Array;

function add(s: State, a: number, b: number): void {
  const lo = s[a + 1]! + s[b + 1]!;
  s[a] = s[a]! + s[b]! + (lo > 0xffffffff ? 1 : 0);
  s[a + 1] = lo;
}

function rotl(s: State, a: number, n: number): void {
  let hi = s[a]!;
  let lo = s[a + 1]!;
  if (n >= 32) {
    [hi, lo] = [lo, hi];
    n -= 32;
  }
  if (n === 0) {
    s[a] = hi;
    s[a + 1] = lo;
    return;
  }
  s[a] = (hi << n) | (lo >>> (32 - n));
  s[a + 1] = (lo << n) | (hi >>> (32 - n));
}

function xor(s: State, a: number, b: number): void {
  s[a] = s[a]! ^ s[b]!;
  s[a + 1] = s[a + 1]! ^ s[b + 1]!;
}

const V0 = 0, V1 = 2, V2 = 4, V3 = 6;

function round(s: State): void {
  add(s, V0, V1); rotl(s, V1, 13); xor(s, V1, V0); rotl(s, V0, 32);
  add(s, V2, V3); rotl(s, V3, 16); xor(s, V3, V2);
  add(s, V0, V3); rotl(s, V3, 21); xor(s, V3, V0);
  add(s, V2, V1); rotl(s, V1, 17); xor(s, V1, V2); rotl(s, V2, 32);
}

const le32 = (b: Uint8Array, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/** SipHash-2-4 of `data` under a 16-byte key, as an unsigned 64-bit bigint (little-endian words). */
export function siphash24(data: Uint8Array, key: Uint8Array = CA_FORMAT_GOODBYE_HASH_KEY): bigint {
  const k0l = le32(key, 0), k0h = le32(key, 4), k1l = le32(key, 8), k1h = le32(key, 12);
  const s: State = Uint32Array.of(
    k0h ^ 0x736f6d65, k0l ^ 0x70736575,
    k1h ^ 0x646f7261, k1l ^ 0x6e646f6d,
    k0h ^ 0x6c796765, k0l ^ 0x6e657261,
    k1h ^ 0x74656462, k1l ^ 0x79746573,
  );
  const m = new Uint32Array(2); // [hi, lo] of the message word, xored in through slot 8
  const block = (hi: number, lo: number) => {
    s[6] = s[6]! ^ hi; s[7] = s[7]! ^ lo;
    round(s); round(s);
    s[0] = s[0]! ^ hi; s[1] = s[1]! ^ lo;
  };
  const full = data.length - (data.length % 8);
  for (let p = 0; p < full; p += 8) block(le32(data, p + 4), le32(data, p));
  const last = new Uint8Array(8);
  last.set(data.subarray(full));
  last[7] = data.length & 0xff;
  m[0] = le32(last, 4);
  m[1] = le32(last, 0);
  block(m[0]!, m[1]!);
  s[5] = s[5]! ^ 0xff;
  round(s); round(s); round(s); round(s);
  const hi = (s[0]! ^ s[2]! ^ s[4]! ^ s[6]!) >>> 0;
  const lo = (s[1]! ^ s[3]! ^ s[5]! ^ s[7]!) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
