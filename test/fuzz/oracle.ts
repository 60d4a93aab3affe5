/**
 * What one fuzz case must satisfy. The check must return (never throw, never report an internal
 * error); the readers may reject bad bytes only with a DecodeError; and when the check calls an
 * image clean, the whole tree must decode: every node, directory, symlink target, inline content
 * and the first 64 KiB of every file's data held in the image. A clean image that decodes to a tree other than the
 * original's is counted ("changed": e.g. a flipped uid bit, which no rule can tell from a real uid).
 */
import { DecodeError } from '../../shared/bytes/cursor.ts';
import { memorySource } from '../../shared/bytes/source.ts';
import { checkSource } from '../../shared/check/index.ts';
import { dumpLine, walkComposefs } from '../../shared/composefs/dump.ts';
import { S_IFMT, S_IFREG } from '../../shared/model.ts';
import { openImage } from '../../shared/open.ts';

export type Outcome = 'unreadable' | 'findings' | 'same' | 'changed' | 'miss' | 'crash';

export interface CaseResult {
  outcome: Outcome;
  /** For crash and miss: what went wrong. */
  detail?: string;
  findings: number;
}

/** How much of each regular file the oracle reads back. */
const DATA_PROBE = 64 * 1024;

const describe = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}${e instanceof DecodeError ? '' : `\n${e.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`}` : String(e);

/**
 * Data the image itself holds. composefs files keep theirs in the object store (the image's chunks
 * are never read) and legacy descriptors in backing files.
 */
const dataInImage = (format: string, kind: string): boolean =>
  kind === 'inline' || kind === 'blocks' || kind === 'compressed' || (kind === 'chunks' && format !== 'composefs');

export interface TreeDump {
  text: string;
  /** Bad bytes the readers rejected (DecodeError), as "path: message". */
  rejected: string[];
  /** Anything else thrown: a bug. */
  crash?: string;
}

/** Everything an image shows through the reader API, as one string. */
export async function dumpTree(bytes: Uint8Array): Promise<TreeDump> {
  const rejected: string[] = [];
  let crash: string | undefined;
  const fail = (where: string, e: unknown) => {
    if (e instanceof DecodeError) rejected.push(`${where}: ${e.message}`);
    else crash ??= `${where}: ${describe(e)}`;
  };
  const parts: string[] = [];
  try {
    const reader = await openImage(memorySource(bytes));
    await walkComposefs(
      reader,
      async (e) => {
        const where = Buffer.from(e.path).toString('latin1');
        try {
          parts.push(await dumpLine(reader, e));
          if ((e.node.mode & S_IFMT) === S_IFREG && e.node.size > 0 && dataInImage(reader.format, e.node.data.kind)) {
            const data = await reader.readData(e.id, 0, Math.min(e.node.size, DATA_PROBE));
            parts.push(Buffer.from(data.subarray(0, 256)).toString('hex'), '\n');
          }
        } catch (err) {
          fail(where, err);
        }
      },
      (p) => (p.reason === 'decode' ? fail(Buffer.from(p.path).toString('latin1'), p.error) : rejected.push(`${Buffer.from(p.path).toString('latin1')}: ${p.reason}`)),
    );
  } catch (e) {
    fail('open', e);
  }
  return { text: parts.join(''), rejected, ...(crash ? { crash } : {}) };
}

export async function runCase(bytes: Uint8Array, baseline: string): Promise<CaseResult> {
  let result;
  try {
    result = await checkSource(memorySource(bytes));
  } catch (e) {
    return { outcome: 'crash', detail: `check threw ${describe(e)}`, findings: 0 };
  }
  const internal = result.findings.find((f) => f.code === 'check.internal');
  if (internal) return { outcome: 'crash', detail: `check.internal at ${internal.path ?? internal.offset}: ${internal.message}`, findings: result.findings.length };
  const findings = result.findings.length;
  const tree = await dumpTree(bytes);
  if (tree.crash) return { outcome: 'crash', detail: `reader: ${tree.crash}`, findings };
  if (result.unreadable) return { outcome: 'unreadable', findings };
  // The check said it could not read everything (a feature the reader does not support): what the
  // reader then rejects is accounted for, so it is not a miss.
  if (findings === 0 && result.unsupported?.length) return { outcome: 'unreadable', findings };
  if (findings > 0) return { outcome: 'findings', findings };
  if (tree.rejected.length) return { outcome: 'miss', detail: `check found nothing, but ${tree.rejected[0]}`, findings };
  return { outcome: tree.text === baseline ? 'same' : 'changed', findings };
}
