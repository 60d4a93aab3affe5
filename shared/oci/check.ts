/**
 * Check rules for an OCI layer tarball: the problems met reading the stream, the problems met
 * applying the members as a tree, and rules about members as stored. Every finding has a stable
 * code listed in OCI_CODES and the byte range (in the tar stream) of what breaks the rule. The
 * result includes `reader.findings()`, so callers use one or the other.
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
