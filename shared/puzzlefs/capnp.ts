/**
 * A reader for Cap'n Proto's standard (unpacked) message serialization, as much of it as
 * PuzzleFS's metadata uses: the segment table, struct and list pointers (composite lists for
 * structs, byte lists for Data), far pointers with one or two landing words, and data fields.
 * Every word is read through the bounds-checked Cursor; a traversal budget (as the reference
 * implementation's traversalLimitInWords) and a nesting bound keep hostile messages finite.
 *
 * Our own code because capnp-es, the maintained npm reader, declares an optional peer of
 * TypeScript ^5.7 || ^6, which `npm ci` refuses beside this project's TypeScript 7.
 */
import { Cursor, DecodeError, hex } from '../bytes/cursor.ts';

export interface Segment {
  /** Byte offset of the segment in the message buffer. */
  start: number;
  /** Length in bytes (whole words). */
  length: number;
}

export interface CapnpMessage {
  bytes: Uint8Array;
  /** Absolute offset of bytes[0] in the blob, for error ranges. */
  base: number;
  segments: Segment[];
  /** Words still allowed to be read (shared by every traversal of this message). */
  budget: { words: number };
  what: string;
}

export interface StructRef {
  msg: CapnpMessage;
  /** Byte offset (in msg.bytes) of the data section and of the pointer section. */
  data: number;
  dataWords: number;
  ptrs: number;
  ptrCount: number;
  depth: number;
}

const MAX_SEGMENTS = 512;
const MAX_DEPTH = 64;

const fail = (msg: CapnpMessage, at: number, length: number, why: string): DecodeError =>
  new DecodeError(`${msg.what}: ${why}`, msg.base + at, length, 'puzzlefs.capnp.malformed');

/** Parses the segment table of a message that fills `bytes`. */
export function readMessage(bytes: Uint8Array, base: number, what: string): CapnpMessage {
  const c = new Cursor(bytes, base);
  const count = c.u32('capnp segment count - 1') + 1;
  if (count > MAX_SEGMENTS) throw new DecodeError(`${what}: ${count} segments, more than ${MAX_SEGMENTS}`, base, 4, 'puzzlefs.capnp.malformed');
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) sizes.push(c.u32('capnp segment size'));
  let pos = 4 + 4 * count;
  pos += pos % 8; // the table is padded to a whole word
  const segments: Segment[] = [];
  for (const words of sizes) {
    const length = words * 8;
    if (pos + length > bytes.length) throw new DecodeError(`${what}: a segment of ${words} words runs past the end of the message at ${hex(base + pos)}`, base + pos, length, 'puzzlefs.capnp.malformed');
    segments.push({ start: pos, length });
    pos += length;
  }
  const totalWords = (bytes.length >> 3) + 1;
  return { bytes, base, segments, budget: { words: totalWords * 8 }, what };
}

function u64At(msg: CapnpMessage, at: number): bigint {
  return new Cursor(msg.bytes, msg.base, at).u64big('capnp word');
}

function charge(msg: CapnpMessage, words: number, at: number): void {
  msg.budget.words -= Math.max(1, words);
  if (msg.budget.words < 0) throw fail(msg, at, 8, 'the message points at more data than it holds (traversal limit reached: amplification or a loop)');
}

const signed30 = (v: bigint): number => {
  const n = Number((v >> 2n) & 0x3fffffffn);
  return n >= 0x20000000 ? n - 0x40000000 : n;
};

interface Resolved {
  /** The pointer word describing the target (kind, sizes). */
  word: bigint;
  /** Byte offset of the target content. */
  target: number;
  /** Where the pointer sits, for messages. */
  at: number;
}

/** Follows far pointers to the word describing the content and the content's position. */
function resolve(msg: CapnpMessage, at: number): Resolved | undefined {
  const word = u64At(msg, at);
  if (word === 0n) return undefined;
  if ((word & 3n) !== 2n) return { word, target: at + 8 + signed30(word) * 8, at };
  const double = (word & 4n) !== 0n;
  const padOffset = Number((word >> 3n) & 0x1fffffffn) * 8;
  const segId = Number(word >> 32n);
  const seg = msg.segments[segId];
  if (!seg) throw fail(msg, at, 8, `far pointer to segment ${segId}, but there are ${msg.segments.length}`);
  const pad = seg.start + padOffset;
  if (padOffset + (double ? 16 : 8) > seg.length) throw fail(msg, at, 8, 'far pointer landing pad lies outside its segment');
  charge(msg, 1, at);
  if (!double) {
    const inner = u64At(msg, pad);
    if ((inner & 3n) === 2n) throw fail(msg, pad, 8, 'a single landing pad holds another far pointer');
    return { word: inner, target: pad + 8 + signed30(inner) * 8, at: pad };
  }
  const far = u64At(msg, pad);
  const tag = u64At(msg, pad + 8);
  if ((far & 7n) !== 2n) throw fail(msg, pad, 8, 'a double landing pad must begin with a single far pointer');
  const seg2 = msg.segments[Number(far >> 32n)];
  if (!seg2) throw fail(msg, pad, 8, 'double landing pad points at a missing segment');
  return { word: tag, target: seg2.start + Number((far >> 3n) & 0x1fffffffn) * 8, at: pad + 8 };
}

function checkRange(msg: CapnpMessage, from: number, bytes: number, at: number, what: string): void {
  if (!msg.segments.some((g) => from >= g.start && from + bytes <= g.start + g.length)) {
    throw fail(msg, at, 8, `${what} at ${hex(msg.base + from)}+${bytes} runs outside its segment`);
  }
}

/** The message's root struct. */
export function root(msg: CapnpMessage): StructRef {
  const seg = msg.segments[0];
  if (!seg || seg.length < 8) throw fail(msg, 0, 8, 'the message has no root pointer');
  const s = structAt(msg, seg.start, 0);
  if (!s) throw fail(msg, seg.start, 8, 'the root pointer is null');
  return s;
}

function structAt(msg: CapnpMessage, at: number, depth: number): StructRef | undefined {
  if (depth > MAX_DEPTH) throw fail(msg, at, 8, `structs nest deeper than ${MAX_DEPTH}`);
  const r = resolve(msg, at);
  if (!r) return undefined;
  if ((r.word & 3n) !== 0n) throw fail(msg, r.at, 8, 'expected a struct pointer');
  const dataWords = Number((r.word >> 32n) & 0xffffn);
  const ptrCount = Number((r.word >> 48n) & 0xffffn);
  const size = (dataWords + ptrCount) * 8;
  checkRange(msg, r.target, size, r.at, 'struct');
  charge(msg, dataWords + ptrCount, r.at);
  return { msg, data: r.target, dataWords, ptrs: r.target + dataWords * 8, ptrCount, depth };
}

/** Data fields: bits beyond the stored data section read as zero (older, smaller structs). */
export function u64(s: StructRef, bitOffset: number): bigint {
  const byte = bitOffset >> 3;
  return byte + 8 <= s.dataWords * 8 ? u64At(s.msg, s.data + byte) : 0n;
}
export function u32(s: StructRef, bitOffset: number): number {
  const byte = bitOffset >> 3;
  return byte + 4 <= s.dataWords * 8 ? new Cursor(s.msg.bytes, s.msg.base, s.data + byte).u32('capnp u32') : 0;
}
export function u16(s: StructRef, bitOffset: number): number {
  const byte = bitOffset >> 3;
  return byte + 2 <= s.dataWords * 8 ? new Cursor(s.msg.bytes, s.msg.base, s.data + byte).u16('capnp u16') : 0;
}
export function bool(s: StructRef, bitOffset: number): boolean {
  const byte = bitOffset >> 3;
  return byte < s.dataWords * 8 ? ((new Cursor(s.msg.bytes, s.msg.base, s.data + byte).u8('capnp bool') >> (bitOffset & 7)) & 1) === 1 : false;
}

const ptrAt = (s: StructRef, index: number): number | undefined => (index < s.ptrCount ? s.ptrs + index * 8 : undefined);

export function struct(s: StructRef, index: number): StructRef | undefined {
  const at = ptrAt(s, index);
  return at === undefined ? undefined : structAt(s.msg, at, s.depth + 1);
}

/** A Data (List(UInt8)) field, as a view; empty when null. */
export function data(s: StructRef, index: number): Uint8Array {
  const at = ptrAt(s, index);
  if (at === undefined) return new Uint8Array(0);
  const r = resolve(s.msg, at);
  if (!r) return new Uint8Array(0);
  if ((r.word & 3n) !== 1n || Number((r.word >> 32n) & 7n) !== 2) throw fail(s.msg, r.at, 8, 'expected a Data (byte list) pointer');
  const n = Number(r.word >> 35n);
  checkRange(s.msg, r.target, n, r.at, 'Data');
  charge(s.msg, Math.ceil(n / 8), r.at);
  return s.msg.bytes.subarray(r.target, r.target + n);
}

/** A List(Struct) field (composite encoding), as its element structs; empty when null. */
export function structList(s: StructRef, index: number): StructRef[] {
  const at = ptrAt(s, index);
  if (at === undefined) return [];
  const r = resolve(s.msg, at);
  if (!r) return [];
  if ((r.word & 3n) !== 1n || Number((r.word >> 32n) & 7n) !== 7) throw fail(s.msg, r.at, 8, 'expected a composite list of structs');
  const words = Number(r.word >> 35n);
  checkRange(s.msg, r.target, (words + 1) * 8, r.at, 'struct list');
  const tag = u64At(s.msg, r.target);
  if ((tag & 3n) !== 0n) throw fail(s.msg, r.target, 8, 'a composite list tag must be struct-shaped');
  const count = signed30(tag);
  const dataWords = Number((tag >> 32n) & 0xffffn);
  const ptrCount = Number((tag >> 48n) & 0xffffn);
  const per = dataWords + ptrCount;
  if (count < 0 || count * per > words) throw fail(s.msg, r.target, 8, `a list of ${count} elements of ${per} words does not fit its ${words} words`);
  charge(s.msg, count === 0 ? 1 : count * Math.max(per, 1), r.at);
  const out: StructRef[] = [];
  for (let i = 0; i < count; i++) {
    const d = r.target + 8 + i * per * 8;
    out.push({ msg: s.msg, data: d, dataWords, ptrs: d + dataWords * 8, ptrCount, depth: s.depth + 1 });
  }
  return out;
}
