/**
 * checkImage: walks a whole image and reports every rule it breaks as a Finding (stable code,
 * severity, byte range, inode and path, expected vs actual, one-line message). EROFS/composefs
 * images get the rule modules of this folder; legacy CFS descriptors and OCI layer tars their own
 * format's checker. Never throws for bad bytes: anything a decoder rejects becomes a finding and
 * the rest of the tree is still checked.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { ByteSource } from '../bytes/source.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import type { Finding, ImageReader } from '../model.ts';
import { openImage, type OpenOptions } from '../open.ts';
import { walk } from '../walk.ts';
import { finding, isUnsupportedCode } from './codes.ts';
import { EROFS_SUPER_OFFSET } from '../erofs/erofs_fs.ts';
import { createContext, DEFAULT_MAX_FINDINGS, type CheckOptions, type CheckResult } from './context.ts';
import { checkAclFlag, checkSuperblock } from './superblock.ts';
import { checkOverlaps, checkTree } from './tree.ts';
import { checkLayout } from './layout.ts';
import { linkCauses } from './cause.ts';

export type { CheckOptions, CheckResult } from './context.ts';
export { CHECK_CODES, explainCode } from './codes.ts';

/** Findings in image order: by offset, then length, then code. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.offset - b.offset || a.length - b.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export async function checkImage(reader: ImageReader, options: CheckOptions = {}): Promise<CheckResult> {
  let result: CheckResult;
  switch (reader.format) {
    case 'composefs':
    case 'erofs':
      result = await checkErofs(reader as ErofsReader, options);
      break;
    case 'legacy-cfs': {
      const { checkLegacy } = await import('../legacy/check.ts');
      result = await withNodeCount(reader, await checkLegacy(reader as Parameters<typeof checkLegacy>[0]), options);
      break;
    }
    case 'oci-tar': {
      const { checkOciTar } = await import('../oci/check.ts');
      result = await withNodeCount(reader, checkOciTar(reader as Parameters<typeof checkOciTar>[0]), options);
      break;
    }
    case 'nydus-v6': {
      // The EROFS rules apply to the bootstrap; the Nydus rules adjust and extend them.
      const { checkRafsV6 } = await import('../nydus/check-v6.ts');
      result = await checkRafsV6(reader as Parameters<typeof checkRafsV6>[0], await checkErofs(reader as ErofsReader, options), options);
      break;
    }
    case 'nydus-v5': {
      const { checkRafsV5 } = await import('../nydus/check-v5.ts');
      result = await withNodeCount(reader, await checkRafsV5(reader as Parameters<typeof checkRafsV5>[0], options.signal), options);
      break;
    }
    case 'casync': {
      const { checkCasync } = await import('../casync/check.ts');
      result = await withNodeCount(reader, await checkCasync(reader as Parameters<typeof checkCasync>[0], options.signal), options);
      break;
    }
    case 'puzzlefs': {
      const { checkPuzzlefs } = await import('../puzzlefs/check.ts');
      result = await withNodeCount(reader, await checkPuzzlefs(reader as Parameters<typeof checkPuzzlefs>[0], options.signal), options);
      break;
    }
  }
  if (!result.truncated) await checkLayout(reader, result.findings, options.signal);
  sortFindings(result.findings);
  await linkCauses(reader, result.findings);
  return result;
}

async function checkErofs(reader: ErofsReader, options: CheckOptions): Promise<CheckResult> {
  const ctx = createContext(reader, options);
  await reader.prefetchAll();
  await checkSuperblock(ctx);
  const { inodes, hasAcl } = await checkTree(ctx);
  checkOverlaps(ctx, inodes);
  checkAclFlag(ctx, hasAcl);
  let nodesChecked = 0;
  for (const info of inodes.values()) if (info) nodesChecked++;
  return { findings: ctx.findings, nodesChecked, truncated: ctx.full, ...(ctx.unsupported.length ? { unsupported: ctx.unsupported } : {}) };
}

/** Another format's checker gave its findings; count the nodes a walk reaches and apply the limit. */
async function withNodeCount(reader: ImageReader, all: Finding[], options: CheckOptions): Promise<CheckResult> {
  const nodes = new Set<number>();
  await walk(reader, (e) => void nodes.add(e.id), { onProblem: () => undefined, ...(options.signal ? { signal: options.signal } : {}) });
  const max = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  return { findings: all.slice(0, max), nodesChecked: nodes.size, truncated: all.length > max };
}

export interface SourceCheckResult extends CheckResult {
  /** The image could not be opened at all; `findings` holds the reason. */
  unreadable: boolean;
}

/** Opens and checks; an image too broken to open yields the finding that stopped it. */
export async function checkSource(source: ByteSource, options: CheckOptions & { open?: OpenOptions } = {}): Promise<SourceCheckResult> {
  let reader: ImageReader;
  try {
    reader = await openImage(source, options.open);
  } catch (e) {
    if (e instanceof DecodeError && isUnsupportedCode(e.code)) {
      // Not broken, just beyond this reader: nothing was judged, and the report says why.
      const u = { code: e.code, severity: 'info' as const, offset: e.offset, length: e.length, message: e.message };
      return { findings: [], unsupported: [u], nodesChecked: 0, truncated: false, unreadable: false };
    }
    const f =
      e instanceof DecodeError
        ? { code: e.code, severity: 'error' as const, offset: e.offset, length: e.length, message: e.message }
        : finding('check.internal', 0, 0, `internal error while opening: ${(e as Error)?.message ?? String(e)}`);
    return { findings: rootNidFirst(f, source.size), nodesChecked: 0, truncated: false, unreadable: true };
  }
  return { ...(await checkImage(reader, options)), unreadable: false };
}

/** root_nid (2 bytes at 1038 in struct erofs_super_block). */
const ROOT_NID_FIELD = { offset: EROFS_SUPER_OFFSET + 14, length: 2 };

/**
 * Opening an EROFS image decodes only the root inode: a nid error then is root_nid pointing
 * nowhere, and the bytes it pointed at are the region, not the root.
 */
function rootNidFirst(f: Finding, size: number): Finding[] {
  if (!f.code.startsWith('erofs.nid.') || size < ROOT_NID_FIELD.offset + 2) return [f];
  const root = finding('erofs.superblock.root-nid', ROOT_NID_FIELD.offset, ROOT_NID_FIELD.length, `root_nid does not point at a decodable inode: ${f.message}`, { path: '/' });
  root.region = { offset: f.offset, length: f.length };
  root.id = `${root.code}@${root.offset}+${root.length}`;
  f.id = `${f.code}@${f.offset}+${f.length}`;
  f.cause = root.id;
  return [root, f];
}
