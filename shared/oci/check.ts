/**
 * Check rules for an OCI layer tarball. Every finding has a stable `oci.*` code and the byte range
 * (in the tar stream) of what breaks the rule:
 *
 *   decoding   oci.header.checksum, oci.header.bad-number, oci.header.oversized-extended,
 *              oci.member.truncated, oci.pax.malformed, oci.pax.invalid-value, oci.sparse.bad-map,
 *              oci.tar.no-end-marker, oci.tar.lone-zero-block, oci.tar.dangling-extended-header,
 *              oci.compression.corrupt
 *   tree       oci.path.escape, oci.path.absolute, oci.path.dotdot, oci.path.duplicate,
 *              oci.path.conflict, oci.path.parent-not-dir, oci.path.root-not-dir,
 *              oci.hardlink.missing-target, oci.hardlink.to-directory,
 *              oci.whiteout.shadows-entry, oci.whiteout.invalid, oci.whiteout.aufs-meta,
 *              oci.whiteout.has-data, oci.member.unknown-type, oci.member.unsupported-type,
 *              oci.member.volume-label
 *   members    oci.member.sparse, oci.member.data-on-non-file
 *
 * The result includes `reader.findings()` (the decoding problems), so callers use one or the other.
 */
import { hex } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import type { OciTarReader } from './reader.ts';
import type { TarMember } from './scan.ts';
import { CHRTYPE, BLKTYPE, FIFOTYPE, LNKTYPE, SYMTYPE } from './tar.ts';

const NO_DATA_TYPES = new Set([LNKTYPE, SYMTYPE, CHRTYPE, BLKTYPE, FIFOTYPE]);
const lossy = new TextDecoder();

function memberRules(m: TarMember): Finding[] {
  const out: Finding[] = [];
  const path = lossy.decode(m.path);
  if (m.sparse) {
    out.push({
      code: 'oci.member.sparse', severity: 'info', offset: m.headerOffset, length: m.dataOffset - m.headerOffset, path,
      message: `${path} is a sparse file (${m.sparse.format}): ${m.sparse.segments.length} data segments, real size ${m.size}, ${m.storedSize} bytes stored`,
    });
  }
  if (NO_DATA_TYPES.has(m.typeflag) && m.storedSize > 0) {
    out.push({
      code: 'oci.member.data-on-non-file', severity: 'warning', offset: m.headerOffset + 124, length: 12, path,
      message: `member #${m.index} at ${hex(m.headerOffset)} (${path}) is not a regular file but stores ${m.storedSize} bytes of data`,
      expected: '0', actual: `${m.storedSize}`,
    });
  }
  return out;
}

export function checkOciTar(reader: OciTarReader): Finding[] {
  const all = [...reader.findings(), ...reader.tree.findings, ...reader.scan.members.flatMap(memberRules)];
  return all.sort((a, b) => a.offset - b.offset);
}
