/**
 * State shared by the rule modules during one check of an EROFS image: where findings go (with
 * the limit and de-duplication), bounds-checked reads, and what the walk learned about inodes.
 */
import { DecodeError } from '../bytes/cursor.ts';
import { displayBytes } from '../diff/text.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import type { Finding } from '../model.ts';
import { finding, isUnsupportedCode, type FindingExtra } from './codes.ts';
import { pacer } from '../layout/model.ts';

export interface CheckOptions {
  /** Stop once this many findings are collected (the report is then marked truncated). */
  maxFindings?: number;
  signal?: AbortSignal;
  /** Told the number of inodes checked so far, every few hundred inodes (a CLI progress line). */
  onProgress?: (inodesChecked: number) => void;
}

export interface CheckResult {
  findings: Finding[];
  /**
   * What could not be checked because this reader does not support it (metadata compression,
   * ...): each with its range and why. Never errors or warnings about the image.
   */
  unsupported?: Finding[];
  nodesChecked: number;
  truncated: boolean;
}

export const DEFAULT_MAX_FINDINGS = 10_000;

/**
 * Where a finding belongs: an inode and the name it was reached by, chained to its parent's
 * subject. The path string is built only when a finding needs it, and a deep tree shares its
 * prefixes instead of copying ever longer byte strings.
 */
export interface Subject {
  nid: number;
  parent?: Subject;
  /** Undefined for the root. */
  name?: Uint8Array;
}

export function pathBytes(s: Subject | undefined): Uint8Array {
  const names: Uint8Array[] = [];
  for (let n = s; n?.name; n = n.parent) names.push(n.name);
  if (names.length === 0) return new Uint8Array([0x2f]);
  const out = new Uint8Array(names.reduce((sum, n) => sum + n.length + 1, 0));
  let at = 0;
  for (let k = names.length - 1; k >= 0; k--) {
    out[at++] = 0x2f;
    out.set(names[k]!, at);
    at += names[k]!.length;
  }
  return out;
}

export interface CheckContext {
  readonly reader: ErofsReader;
  readonly size: number;
  readonly blockSize: number;
  readonly composefs: boolean;
  /** Adds a finding unless the limit is reached or the same code was reported for the same bytes. */
  add(f: Finding): void;
  /** True once maxFindings is reached: callers stop early. */
  readonly full: boolean;
  /** Bytes of the image, or undefined when the range is not wholly inside it. */
  read(offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Turns an error thrown by a decoder into a finding about `subject`. */
  addError(error: unknown, subject?: Subject, fallback?: { offset: number; length: number }): void;
  throwIfAborted(): void;
  /** Counts one inode checked, for options.onProgress. */
  inodeChecked(): void;
  /**
   * Counts one unit of work and, once a time slice is used up, yields to the event loop (a
   * macrotask, so requests queued meanwhile, such as a click on a node, are answered) and reports progress.
   */
  pace(): Promise<void> | undefined;
  findings: Finding[];
  /** Parts skipped as unsupported (see CheckResult.unsupported). */
  unsupported: Finding[];
}



export const pathOf = (path: Uint8Array): string => displayBytes(path);

export const subjectPath = (s: Subject): string => pathOf(pathBytes(s));

export const subjectExtra = (s: Subject | undefined): FindingExtra => (s ? { nodeId: s.nid, path: subjectPath(s) } : {});

export function createContext(reader: ErofsReader, options: CheckOptions): CheckContext {
  const max = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const size = reader.size;
  const src = reader.source;
  let checked = 0;
  const slices = pacer();
  const ctx: CheckContext = {
    reader,
    size,
    blockSize: reader.blockSize,
    composefs: reader.header !== undefined,
    findings,
    unsupported: [],
    get full() {
      return findings.length >= max;
    },
    add(f) {
      if (findings.length >= max) return;
      const key = `${f.code}@${f.offset}+${f.length}#${f.nodeId ?? ''}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push(f);
    },
    async read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        return undefined;
      }
      return src.peek(offset, length) ?? (await src.read(offset, length));
    },
    addError(error, subject, fallback = { offset: 0, length: 0 }) {
      if (error instanceof DecodeError && isUnsupportedCode(error.code)) {
        if (!ctx.unsupported.some((u) => u.code === error.code && u.offset === error.offset && u.length === error.length)) {
          ctx.unsupported.push({ code: error.code, severity: 'info', offset: error.offset, length: error.length, message: error.message, ...subjectExtra(subject) });
        }
        return;
      }
      if (error instanceof DecodeError) {
        ctx.add({
          code: error.code,
          severity: 'error',
          offset: error.offset,
          length: error.length,
          message: error.message,
          ...subjectExtra(subject),
        });
        return;
      }
      const message = `internal error while checking: ${(error as Error)?.message ?? String(error)}`;
      ctx.add(finding('check.internal', fallback.offset, fallback.length, message, subjectExtra(subject)));
    },
    throwIfAborted() {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('check aborted');
    },
    inodeChecked() {
      if ((++checked & 255) === 0) options.onProgress?.(checked);
    },
    pace() {
      return slices.tick();
    },
  };
  return ctx;
}
