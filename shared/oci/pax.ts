/**
 * pax extended header records (POSIX.1-2001 `pax` format): "<length> <keyword>=<value>\n", where
 * the length counts the whole record in decimal. Values are bytes: xattr values may be binary.
 */
import type { Timestamp } from '../model.ts';
import type { FieldProblem } from './tar.ts';

export interface PaxRecord {
  /** Keyword bytes decoded as Latin-1, so every byte survives (xattr names need not be UTF-8). */
  keyword: string;
  value: Uint8Array;
  /** Absolute range of the whole record. */
  offset: number;
  length: number;
}

const latin1 = new TextDecoder('latin1');
const SP = 0x20;
const NL = 0x0a;
const EQ = 0x3d;

/**
 * Parses the records of one extended header whose data starts at absolute offset `base`. A
 * malformed record stops the parse: its length can no longer be trusted to find the next one.
 */
export function parsePaxRecords(data: Uint8Array, base: number): { records: PaxRecord[]; problems: FieldProblem[] } {
  const records: PaxRecord[] = [];
  const problems: FieldProblem[] = [];
  let p = 0;
  const fail = (message: string, length: number) => {
    problems.push({ field: 'pax record', offset: base + p, length: Math.max(1, length), message });
  };
  while (p < data.length) {
    // Some writers pad the data with NULs; a NUL where a record should start ends the records.
    if (data[p] === 0) {
      if (data.subarray(p).some((b) => b !== 0)) fail('NUL byte before the end of the extended header data', data.length - p);
      break;
    }
    let q = p;
    let len = 0;
    while (q < data.length && q - p < 20 && data[q]! >= 0x30 && data[q]! <= 0x39) len = len * 10 + (data[q++]! - 0x30);
    const digits = q - p;
    if (digits === 0 || data[q] !== SP) {
      fail('record does not start with "<decimal length> "', Math.min(data.length - p, 32));
      break;
    }
    if (len < digits + 4 || p + len > data.length) {
      fail(`record length ${len} ${p + len > data.length ? `runs past the header data (${data.length - p} bytes left)` : 'is too short for "k=v\\n"'}`, Math.min(data.length - p, Math.max(len, digits + 1)));
      break;
    }
    if (data[p + len - 1] !== NL) {
      fail(`record of length ${len} does not end with a newline`, len);
      break;
    }
    const eq = data.indexOf(EQ, q + 1);
    if (eq < 0 || eq >= p + len - 1 || eq === q + 1) {
      fail(eq === q + 1 ? 'record has an empty keyword' : 'record has no "=" between keyword and value', len);
      break;
    }
    records.push({
      keyword: latin1.decode(data.subarray(q + 1, eq)),
      value: data.subarray(eq + 1, p + len - 1),
      offset: base + p,
      length: len,
    });
    p += len;
  }
  return { records, problems };
}

const DECIMAL = /^-?[0-9]+$/;
const TIME = /^(-?)([0-9]+)(?:\.([0-9]*))?$/;

/** A decimal integer value (size, uid, gid, GNU.sparse.*), exact or undefined. */
export function paxInteger(value: Uint8Array, allowNegative = false): number | undefined {
  const s = latin1.decode(value);
  if (!DECIMAL.test(s) || (!allowNegative && s.startsWith('-'))) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A pax time: seconds with an optional fraction of up to nanosecond precision (further digits are
 * truncated, as GNU tar does). Negative times count down from the epoch, so "-1.5" is 1.5 s before
 * it: { sec: -2, nsec: 500000000 }.
 */
export function paxTime(value: Uint8Array): Timestamp | undefined {
  const m = TIME.exec(latin1.decode(value));
  if (!m) return undefined;
  const whole = Number(m[2]);
  if (!Number.isSafeInteger(whole)) return undefined;
  const frac = Number(((m[3] ?? '') + '000000000').slice(0, 9));
  if (m[1] !== '-') return { sec: whole, nsec: frac };
  return frac === 0 ? { sec: 0 - whole, nsec: 0 } : { sec: -whole - 1, nsec: 1_000_000_000 - frac };
}

export const paxText = (value: Uint8Array): string => latin1.decode(value);
