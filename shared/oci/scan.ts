/**
 * One pass over a tar stream: headers, extended headers (pax local/global, GNU long names) and
 * sparse maps combine into a list of members. Damage becomes a Finding with the byte range of the
 * damaged bytes; the scan resynchronises on the next valid header like GNU tar does, and never
 * reads a member's data except for the sparse map at its start.
 */
import { hex } from '../bytes/cursor.ts';
import { BUDGETS } from '../budgets.ts';
import type { ByteRange, Finding, Severity, Timestamp, Xattr } from '../model.ts';
import { paxInteger, parsePaxRecords, paxText, paxTime, type PaxRecord } from './pax.ts';
import { nameKey } from './path.ts';
import type { TarStream } from './stream.ts';
import {
  BLOCKSIZE, GNUTYPE_LONGLINK, GNUTYPE_LONGNAME, GNUTYPE_SPARSE, XGLTYPE, XHDTYPE,
  computeChecksums, cstring, decodeHeader, decodeSparseExtension, isZeroBlock, storedChecksum,
  type HeaderDialect, type RawHeader, type SparseSegment,
} from './tar.ts';

/** Extended headers bigger than this are refused: no real path or xattr set comes near it. */
export const MAX_EXTENDED_HEADER = 16 * 1024 * 1024;
/** Sparse maps longer than this many segments are refused. */
export const MAX_SPARSE_SEGMENTS = 1 << 20;

export interface SparseInfo {
  /** "old GNU", "pax 0.0", "pax 0.1", "pax 1.0". */
  format: string;
  segments: SparseSegment[];
  realSize: number;
  /** Absolute offset of the first segment's data (after any map stored in the data). */
  dataStart: number;
}

export interface TarMember {
  index: number;
  /** First byte of the member's headers, extended headers included. */
  start: number;
  /** The member's own ustar/GNU/v7 header block. */
  headerOffset: number;
  dialect: HeaderDialect;
  /** Extended headers that shaped it: "pax", "pax-global", "gnu-longname", "gnu-longlink". */
  extensions: string[];
  typeflag: number;
  /** Raw path as stored (after pax path / GNU long name), not normalised. */
  path: Uint8Array;
  pathRange: ByteRange;
  /** Link target (hardlink path or symlink target), raw. */
  linkname: Uint8Array;
  linkRange: ByteRange;
  /** Permission bits from the header (the type comes from the typeflag). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: Timestamp;
  devmajor: number;
  devminor: number;
  /** The file's size: the real size for sparse files. */
  size: number;
  /** Absolute offset of the data area and the bytes stored there. */
  dataOffset: number;
  storedSize: number;
  /** First byte after the padded data. */
  end: number;
  xattrs: Xattr[];
  sparse?: SparseInfo;
  /** The stream ends inside this member's data. */
  truncated: boolean;
  /** Extended headers and sparse bookkeeping; memberRanges adds the header and the data. */
  extraRanges: ByteRange[];
}

/** The member's structures in the stream, in order, for the hex view. */
export function memberRanges(m: TarMember): ByteRange[] {
  const out = [...m.extraRanges, { label: `${m.dialect} header`, offset: m.headerOffset, length: BLOCKSIZE }];
  if (m.storedSize > 0) out.push({ label: 'data', offset: m.dataOffset, length: m.storedSize });
  return out.sort((a, b) => a.offset - b.offset);
}

export interface TarScan {
  members: TarMember[];
  findings: Finding[];
  /** Offset of the two zero blocks that end the archive, when present. */
  endMarker?: number;
  /** Bytes of archive proper: through the end marker, or through the last member read. */
  end: number;
  globalHeaders: number;
}

const NO_BYTES = new Uint8Array(0);
const NO_RANGES: ByteRange[] = [];
const NO_XATTRS: Xattr[] = [];
const NO_EXTENSIONS: string[] = [];
const padded = (n: number): number => Math.ceil(n / BLOCKSIZE) * BLOCKSIZE;
const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const utf8 = new TextDecoder();

function finding(code: string, severity: Severity, offset: number, length: number, message: string, extra: Partial<Finding> = {}): Finding {
  return { code, severity, offset, length, message, ...extra };
}

/** Extended-header state waiting for the member it describes. */
interface Pending {
  start?: number;
  records: PaxRecord[];
  longName?: { value: Uint8Array; range: ByteRange };
  longLink?: { value: Uint8Array; range: ByteRange };
  ranges: ByteRange[];
  extensions: string[];
}
const fresh = (): Pending => ({ records: [], ranges: [], extensions: [] });

/** The next 512-aligned block at or after `from` whose checksum holds, if any. */
async function resync(stream: TarStream, from: number): Promise<number | undefined> {
  const step = 128 * BLOCKSIZE;
  for (let pos = from; ; pos += step) {
    const chunk = await stream.readUpTo(pos, step);
    for (let p = 0; p + BLOCKSIZE <= chunk.length; p += BLOCKSIZE) {
      const block = chunk.subarray(p, p + BLOCKSIZE);
      if (isZeroBlock(block)) continue;
      if (checksumHolds(block)) return pos + p;
    }
    if (chunk.length < step) return undefined;
  }
}

function checksumHolds(block: Uint8Array): boolean {
  const stored = storedChecksum(block);
  if ('error' in stored) return false;
  const { unsigned, signed } = computeChecksums(block);
  return stored.value === unsigned || stored.value === signed;
}

export async function scanTar(stream: TarStream): Promise<TarScan> {
  const members: TarMember[] = [];
  const findings: Finding[] = [];
  let globals: PaxRecord[] = [];
  let globalHeaders = 0;
  let pending = fresh();
  let pos = 0;
  let endMarker: number | undefined;
  let end = 0;

  const dangling = (at: number) => {
    if (pending.start !== undefined) {
      findings.push(finding('oci.tar.dangling-extended-header', 'warning', pending.start, at - pending.start,
        `extended header(s) at ${hex(pending.start)} are not followed by a member`));
    }
  };
  const skipDamaged = async (from: number): Promise<number | undefined> => {
    pending = fresh();
    return resync(stream, from);
  };

  for (;;) {
    const block = await stream.readUpTo(pos, BLOCKSIZE);
    if (block.length === 0) {
      // The last member's padding may be missing too, so the stream can end before `pos`.
      const at = await stream.reach(pos);
      dangling(at);
      findings.push(finding('oci.tar.no-end-marker', 'warning', at, 0, `the stream ends at ${hex(at)} without the two zero blocks that end a tar archive`));
      end = at;
      break;
    }
    if (block.length < BLOCKSIZE) {
      findings.push(finding('oci.member.truncated', 'error', pos, block.length, `the stream ends inside a header block: ${block.length} of ${BLOCKSIZE} bytes at ${hex(pos)}`));
      end = pos + block.length;
      break;
    }
    if (isZeroBlock(block)) {
      dangling(pos);
      const next = await stream.readUpTo(pos + BLOCKSIZE, BLOCKSIZE);
      if (next.length === BLOCKSIZE && isZeroBlock(next)) {
        endMarker = pos;
        end = pos + 2 * BLOCKSIZE;
      } else {
        // GNU tar stops here too; what follows is not read as members.
        findings.push(finding('oci.tar.lone-zero-block', 'warning', pos, BLOCKSIZE, `a single zero block at ${hex(pos)} ends the archive; the end marker is two`));
        end = pos + BLOCKSIZE;
      }
      break;
    }

    const stored = storedChecksum(block);
    const sums = computeChecksums(block);
    if ('error' in stored || (stored.value !== sums.unsigned && stored.value !== sums.signed)) {
      const next = await skipDamaged(pos + BLOCKSIZE);
      findings.push(finding('oci.header.checksum', 'error', pos + 148, 8,
        `header at ${hex(pos)}: checksum ${'error' in stored ? `field unreadable (${stored.error})` : `${stored.value.toString(8)} does not match the header`}; ` +
          (next === undefined ? 'no valid header follows' : `skipped ${next - pos} bytes to the next valid header at ${hex(next)}`),
        { expected: sums.unsigned.toString(8), actual: 'error' in stored ? 'unreadable' : stored.value.toString(8) }));
      if (next === undefined) {
        end = pos;
        break;
      }
      pos = next;
      continue;
    }

    const h = decodeHeader(block, pos);
    for (const p of h.problems) {
      findings.push(finding('oci.header.bad-number', 'error', p.offset, p.length, `header at ${hex(pos)}: ${p.message}`));
    }
    if (h.problems.some((p) => p.field === 'size') || h.size < 0) {
      // Without a size the next header cannot be found; look for it.
      const next = await skipDamaged(pos + BLOCKSIZE);
      if (next === undefined) {
        end = pos;
        break;
      }
      pos = next;
      continue;
    }
    pending.start ??= pos;
    const dataOffset = pos + BLOCKSIZE;

    if (h.typeflag === XHDTYPE || h.typeflag === XGLTYPE || h.typeflag === GNUTYPE_LONGNAME || h.typeflag === GNUTYPE_LONGLINK) {
      const label = { [XHDTYPE]: 'pax extended header', [XGLTYPE]: 'pax global header', [GNUTYPE_LONGNAME]: 'GNU long name', [GNUTYPE_LONGLINK]: 'GNU long link' }[h.typeflag]!;
      if (h.size > MAX_EXTENDED_HEADER) {
        findings.push(finding('oci.header.oversized-extended', 'error', pos + 124, 12, `${label} at ${hex(pos)} claims ${h.size} bytes; more than ${MAX_EXTENDED_HEADER} is refused`));
        pending = fresh();
        const reached = await stream.reach(dataOffset + h.size);
        if (reached < dataOffset + h.size) {
          findings.push(finding('oci.member.truncated', 'error', pos, reached - pos, `${label} at ${hex(pos)}: the stream ends inside its ${h.size} bytes`));
          end = reached;
          break;
        }
        pos = dataOffset + padded(h.size);
        continue;
      }
      const data = await stream.readUpTo(dataOffset, h.size);
      pending.ranges.push({ label, offset: pos, length: BLOCKSIZE + padded(h.size) });
      if (data.length < h.size) {
        findings.push(finding('oci.member.truncated', 'error', pos, BLOCKSIZE + data.length, `${label} at ${hex(pos)}: the stream ends after ${data.length} of its ${h.size} bytes`));
        end = dataOffset + data.length;
        break;
      }
      if (h.typeflag === XHDTYPE || h.typeflag === XGLTYPE) {
        const { records, problems } = parsePaxRecords(data, dataOffset);
        for (const p of problems) findings.push(finding('oci.pax.malformed', 'error', p.offset, p.length, `${label} at ${hex(pos)}: ${p.message}`));
        if (h.typeflag === XGLTYPE) {
          globalHeaders++;
          globals = [...mergeRecords(globals, records).values()];
          pending = fresh();
        } else {
          pending.records.push(...records);
          pending.extensions.push('pax');
        }
      } else {
        const value = cstring(data).slice();
        const range = { label, offset: dataOffset, length: value.length };
        if (h.typeflag === GNUTYPE_LONGNAME) pending.longName = { value, range };
        else pending.longLink = { value, range };
        pending.extensions.push(h.typeflag === GNUTYPE_LONGNAME ? 'gnu-longname' : 'gnu-longlink');
      }
      pos = dataOffset + padded(h.size);
      continue;
    }

    const member = await composeMember(stream, h, pending, globals, members.length, findings);
    members.push(member);
    pending = fresh();
    if (member.truncated) {
      findings.push(finding('oci.member.truncated', 'error', member.headerOffset, (await stream.reach(member.end)) - member.headerOffset,
        `member at ${hex(member.headerOffset)}: the stream ends inside its ${member.storedSize} bytes of data`, { path: utf8.decode(member.path) }));
      end = await stream.reach(member.end);
      break;
    }
    pos = member.end;
  }
  return { members, findings, endMarker, end, globalHeaders };
}

const XATTR_KEYWORD = /^(SCHILY|LIBARCHIVE)\.xattr\./;

/**
 * Records in order, later ones overriding earlier ones. An empty value removes a keyword (POSIX),
 * except for xattrs, where it is an xattr with an empty value.
 */
function mergeRecords(base: Iterable<PaxRecord>, records: PaxRecord[]): Map<string, PaxRecord> {
  const m = new Map<string, PaxRecord>();
  for (const r of base) m.set(r.keyword, r);
  for (const r of records) {
    if (r.value.length === 0 && !XATTR_KEYWORD.test(r.keyword)) m.delete(r.keyword);
    else m.set(r.keyword, r);
  }
  return m;
}

async function composeMember(
  stream: TarStream,
  h: RawHeader,
  pending: Pending,
  globals: PaxRecord[],
  index: number,
  findings: Finding[],
): Promise<TarMember> {
  const pax = mergeRecords(globals, pending.records);
  const extensions = globals.length > 0 ? [...pending.extensions, 'pax-global'] : pending.extensions.length ? pending.extensions : NO_EXTENSIONS;
  const bad = (r: PaxRecord, what: string) =>
    findings.push(finding('oci.pax.invalid-value', 'error', r.offset, r.length, `pax ${r.keyword} at ${hex(r.offset)}: ${what}; the header's value is used`, { actual: paxText(r.value).slice(0, 64) }));
  const int = (key: string, fallback: number, allowNegative = false): number => {
    const r = pax.get(key);
    if (!r) return fallback;
    const v = paxInteger(r.value, allowNegative);
    if (v === undefined) {
      bad(r, 'not a decimal integer');
      return fallback;
    }
    return v;
  };

  let path: Uint8Array = h.name.slice();
  let pathRange: ByteRange = { label: 'name', offset: h.offset, length: h.name.length };
  if (pending.longName) ({ value: path, range: pathRange } = pending.longName);
  const paxPath = pax.get('path');
  if (paxPath) {
    path = paxPath.value.slice();
    pathRange = { label: 'pax path', offset: paxPath.offset, length: paxPath.length };
  }
  let linkname: Uint8Array = h.linkname.length ? h.linkname.slice() : NO_BYTES;
  let linkRange: ByteRange = { label: 'linkname', offset: h.linknameOffset, length: h.linkname.length };
  if (pending.longLink) ({ value: linkname, range: linkRange } = pending.longLink);
  const paxLink = pax.get('linkpath');
  if (paxLink) {
    linkname = paxLink.value.slice();
    linkRange = { label: 'pax linkpath', offset: paxLink.offset + paxLink.length - 1 - paxLink.value.length, length: paxLink.value.length };
  }

  let mtime: Timestamp = { sec: h.mtime, nsec: 0 };
  const paxMtime = pax.get('mtime');
  if (paxMtime) {
    const t = paxTime(paxMtime.value);
    if (t) mtime = t;
    else bad(paxMtime, 'not a time in seconds');
  }
  const storedSize = int('size', h.size);
  const dataOffset = h.offset + BLOCKSIZE;
  const member: TarMember = {
    index,
    start: pending.start ?? h.offset,
    headerOffset: h.offset,
    dialect: h.dialect,
    extensions,
    typeflag: h.typeflag,
    path,
    pathRange,
    linkname,
    linkRange,
    mode: h.mode & 0o7777,
    uid: int('uid', h.uid),
    gid: int('gid', h.gid),
    uname: pax.has('uname') ? utf8.decode(pax.get('uname')!.value) : h.uname,
    gname: pax.has('gname') ? utf8.decode(pax.get('gname')!.value) : h.gname,
    mtime,
    devmajor: int('SCHILY.devmajor', h.devmajor),
    devminor: int('SCHILY.devminor', h.devminor),
    size: storedSize,
    dataOffset,
    storedSize,
    end: dataOffset + padded(storedSize),
    xattrs: paxXattrs(pax, findings),
    truncated: false,
    extraRanges: pending.ranges.length ? pending.ranges : NO_RANGES,
  };

  if (h.typeflag === GNUTYPE_SPARSE && h.gnuSparse) await oldGnuSparse(stream, h, member, findings);
  else if (pax.has('GNU.sparse.major') || pax.has('GNU.sparse.map') || pax.has('GNU.sparse.numblocks')) {
    await paxSparse(stream, pax, pending.records, member, findings);
  }
  member.truncated = (await stream.reach(member.dataOffset + member.storedSize)) < member.dataOffset + member.storedSize;
  return member;
}

/**
 * xattrs from SCHILY.xattr.<name>=<raw value> (GNU tar, star) and LIBARCHIVE.xattr.<url-encoded
 * name>=<base64 value> (bsdtar). bsdtar may write both for one name; the last one wins.
 */
function paxXattrs(pax: Map<string, PaxRecord>, findings: Finding[]): Xattr[] {
  const out = new Map<string, Xattr>();
  for (const [keyword, r] of pax) {
    if (out.size >= BUDGETS.xattrsPerInode && (keyword.startsWith('SCHILY.xattr.') || keyword.startsWith('LIBARCHIVE.xattr.'))) {
      findings.push(finding('budget.xattrs-per-inode', 'error', r.offset, r.length, `pax ${keyword}: the member already has ${BUDGETS.xattrsPerInode} xattrs, the inspector's budget of xattrs per inode (BUDGETS.xattrsPerInode); this and later xattr records are ignored`));
      break;
    }
    if (keyword.startsWith('SCHILY.xattr.')) {
      const name = keyword.slice('SCHILY.xattr.'.length);
      out.set(name, { name: latin1Bytes(name), value: r.value.slice(), range: { label: `pax ${keyword}`, offset: r.offset, length: r.length } });
    } else if (keyword.startsWith('LIBARCHIVE.xattr.')) {
      const name = percentDecode(keyword.slice('LIBARCHIVE.xattr.'.length));
      const value = base64Decode(paxText(r.value));
      if (name === undefined || value === undefined) {
        findings.push(finding('oci.pax.invalid-value', 'error', r.offset, r.length, `pax ${keyword}: ${name === undefined ? 'bad %-escape in the name' : 'value is not base64'}`));
        continue;
      }
      const key = nameKey(name);
      out.set(key, { name, value, range: { label: `pax ${keyword}`, offset: r.offset, length: r.length } });
    }
  }
  return out.size ? [...out.values()] : NO_XATTRS;
}

function percentDecode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out.push(s.charCodeAt(i) & 0xff);
      continue;
    }
    const h = s.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
    out.push(parseInt(h, 16));
    i += 2;
  }
  return Uint8Array.from(out);
}

function base64Decode(s: string): Uint8Array | undefined {
  try {
    // libarchive omits the padding; atob wants it.
    const t = s.replace(/[\r\n]/g, '');
    const bin = atob(t + '='.repeat((4 - (t.length % 4)) % 4));
    return latin1Bytes(bin);
  } catch {
    return undefined;
  }
}

/** Checks a sparse map against the real size and the stored data; a message when it does not fit. */
function sparseMapProblem(segments: SparseSegment[], realSize: number, stored: number): string | undefined {
  let prevEnd = 0;
  let total = 0;
  for (const [i, s] of segments.entries()) {
    if (s.offset < prevEnd) return `segment ${i} at ${s.offset} overlaps or precedes the previous one (ends at ${prevEnd})`;
    if (s.offset + s.length > realSize) return `segment ${i} (${s.offset}+${s.length}) runs past the real size ${realSize}`;
    prevEnd = s.offset + s.length;
    total += s.length;
  }
  if (total > stored) return `segments hold ${total} bytes but only ${stored} are stored`;
  return undefined;
}

function applySparse(member: TarMember, info: SparseInfo, findings: Finding[], mapRange: ByteRange): void {
  const problem = sparseMapProblem(info.segments, info.realSize, member.dataOffset + member.storedSize - info.dataStart);
  if (problem) {
    findings.push(finding('oci.sparse.bad-map', 'error', mapRange.offset, mapRange.length,
      `sparse member at ${hex(member.headerOffset)} (${info.format}): ${problem}; its stored bytes are shown as they are`));
    return;
  }
  member.sparse = info;
  member.size = info.realSize;
}

/** Old GNU 'S' members: 4 segments in the header, 21 more per extension block. */
async function oldGnuSparse(stream: TarStream, h: RawHeader, member: TarMember, findings: Finding[]): Promise<void> {
  const sp = h.gnuSparse!;
  const segments = [...sp.segments];
  let at = h.offset + BLOCKSIZE;
  let more = sp.isextended;
  while (more) {
    const block = await stream.readUpTo(at, BLOCKSIZE);
    if (block.length < BLOCKSIZE || segments.length > MAX_SPARSE_SEGMENTS) {
      findings.push(finding(block.length < BLOCKSIZE ? 'oci.member.truncated' : 'oci.sparse.bad-map', 'error', at, block.length,
        `sparse extension block at ${hex(at)}: ${block.length < BLOCKSIZE ? 'the stream ends inside it' : 'too many segments'}`));
      break;
    }
    const ext = decodeSparseExtension(block, at);
    for (const p of ext.problems) findings.push(finding('oci.header.bad-number', 'error', p.offset, p.length, p.message));
    segments.push(...ext.segments);
    member.extraRanges = [...member.extraRanges, { label: 'GNU sparse extension', offset: at, length: BLOCKSIZE }];
    more = ext.isextended;
    at += BLOCKSIZE;
  }
  // The data follows the extension blocks; the size field counts only the data.
  member.dataOffset = at;
  member.end = at + padded(member.storedSize);
  applySparse(member, { format: 'old GNU', segments, realSize: sp.realsize, dataStart: at }, findings, { label: 'sparse map', offset: h.offset + 386, length: 96 });
}

/** pax sparse formats 0.0 and 0.1 (map in the header records) and 1.0 (map at the start of the data). */
async function paxSparse(stream: TarStream, pax: Map<string, PaxRecord>, local: PaxRecord[], member: TarMember, findings: Finding[]): Promise<void> {
  const major = pax.get('GNU.sparse.major');
  const realRec = pax.get('GNU.sparse.realsize') ?? pax.get('GNU.sparse.size');
  const nameRec = pax.get('GNU.sparse.name');
  if (nameRec) {
    member.path = nameRec.value.slice();
    member.pathRange = { label: 'pax GNU.sparse.name', offset: nameRec.offset, length: nameRec.length };
  }
  const realSize = realRec ? paxInteger(realRec.value) : undefined;
  const where = realRec ?? major ?? pax.get('GNU.sparse.map') ?? local[0]!;
  const fail = (msg: string, range: { offset: number; length: number } = where) =>
    findings.push(finding('oci.sparse.bad-map', 'error', range.offset, range.length, `sparse member at ${hex(member.headerOffset)}: ${msg}`));
  if (realSize === undefined) return void fail('no readable GNU.sparse.realsize / GNU.sparse.size');

  const nums: number[] = [];
  let format: string;
  let dataStart = member.dataOffset;
  if (major && paxText(major.value) === '1') {
    format = 'pax 1.0';
    // Decimal numbers, one per line: the count, then offset/size pairs; padded to a block.
    let count: number | undefined;
    let cur = '';
    let p = member.dataOffset;
    let mapEnd = p;
    const limit = member.dataOffset + member.storedSize;
    const done = () => count !== undefined && nums.length >= count * 2;
    while (!done()) {
      if (p >= limit) return void fail('the sparse map runs past the member data', { offset: member.dataOffset, length: member.storedSize });
      const chunk = await stream.readUpTo(p, Math.min(BLOCKSIZE, limit - p));
      if (chunk.length === 0) return void fail('the stream ends inside the sparse map', { offset: member.dataOffset, length: p - member.dataOffset });
      for (let i = 0; i < chunk.length && !done(); i++) {
        const c = chunk[i]!;
        const lineAt = p + i - cur.length;
        if (c === 0x0a) {
          const v = /^[0-9]{1,16}$/.test(cur) ? Number(cur) : NaN;
          if (!Number.isSafeInteger(v)) return void fail(`sparse map line "${cur}" is not a number`, { offset: lineAt, length: cur.length + 1 });
          if (count !== undefined) nums.push(v);
          else if (v > MAX_SPARSE_SEGMENTS) return void fail(`sparse map claims ${v} segments`, { offset: lineAt, length: cur.length + 1 });
          else count = v;
          cur = '';
          mapEnd = p + i + 1;
        } else if (cur.length >= 20) {
          return void fail('sparse map line is longer than any number', { offset: lineAt, length: cur.length });
        } else cur += String.fromCharCode(c);
      }
      p += chunk.length;
    }
    dataStart = member.dataOffset + padded(mapEnd - member.dataOffset);
  } else if (pax.has('GNU.sparse.map')) {
    format = 'pax 0.1';
    const text = paxText(pax.get('GNU.sparse.map')!.value);
    for (const part of text.split(',')) {
      const v = /^[0-9]{1,16}$/.test(part) ? Number(part) : NaN;
      if (!Number.isSafeInteger(v)) return void fail(`GNU.sparse.map element "${part.slice(0, 20)}" is not a number`, pax.get('GNU.sparse.map'));
      nums.push(v);
    }
    if (nums.length % 2) return void fail('GNU.sparse.map has an odd number of elements', pax.get('GNU.sparse.map'));
  } else {
    format = 'pax 0.0';
    // Repeated keywords: only the local records keep their order and repeats.
    for (const r of local) {
      if (r.keyword !== 'GNU.sparse.offset' && r.keyword !== 'GNU.sparse.numbytes') continue;
      const v = paxInteger(r.value);
      if (v === undefined) return void fail(`${r.keyword} is not a number`, r);
      nums.push(v);
    }
    if (nums.length % 2) return void fail('GNU.sparse.offset/numbytes do not pair up');
  }
  const segments: SparseSegment[] = [];
  for (let i = 0; i < nums.length; i += 2) segments.push({ offset: nums[i]!, length: nums[i + 1]! });
  const mapRange: ByteRange = format === 'pax 1.0'
    ? { label: 'sparse map', offset: member.dataOffset, length: dataStart - member.dataOffset }
    : { label: `pax ${where.keyword}`, offset: where.offset, length: where.length };
  if (dataStart > member.dataOffset) member.extraRanges = [...member.extraRanges, { label: 'sparse map', offset: member.dataOffset, length: dataStart - member.dataOffset }];
  applySparse(member, { format, segments, realSize, dataStart }, findings, mapRange);
}
