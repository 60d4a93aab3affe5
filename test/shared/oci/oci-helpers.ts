/** Shared by the OCI tests: open bytes as a layer and walk it into a path → node map. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { memorySource } from '../../../shared/bytes/source.ts';
import type { ImageNode } from '../../../shared/model.ts';
import { openOciTar, type OciTarReader } from '../../../shared/oci/reader.ts';

export const openBytes = (bytes: Uint8Array): Promise<OciTarReader> => openOciTar(memorySource(bytes));
export const openFile = (path: string): Promise<OciTarReader> => openBytes(new Uint8Array(readFileSync(path)));

const latin1 = new TextDecoder('latin1');
export const latin1Of = (b: Uint8Array): string => latin1.decode(b);

export interface Walked {
  id: number;
  node: ImageNode;
}

/** Every name reachable from the root, keyed "a/b" (bytes as Latin-1); the root is "". */
export async function walkLayer(r: OciTarReader): Promise<Map<string, Walked>> {
  const out = new Map<string, Walked>([['', { id: r.rootId, node: await r.node(r.rootId) }]]);
  const visit = async (id: number, prefix: string) => {
    for (const e of await r.children(id)) {
      const path = prefix + latin1Of(e.name);
      const node = await r.node(e.id);
      out.set(path, { id: e.id, node });
      if (node.kind === 'dir') await visit(e.id, path + '/');
    }
  };
  await visit(r.rootId, '');
  return out;
}

export async function sha256Of(r: OciTarReader, id: number, size: number): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < size; off += 1 << 20) h.update(await r.readData(id, off, Math.min(1 << 20, size - off)));
  return h.digest('hex');
}

/** "rwsr-xr-x" as ls and tar print permission bits. */
export function permString(mode: number): string {
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const special = (x: number, s: number, lower: string, upper: string) => (mode & s ? (mode & x ? lower : upper) : bit(x, 'x'));
  return (
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T')
  );
}

/** Linux new_decode_dev. */
export const decodeDev = (rdev: number): { major: number; minor: number } => ({
  major: Math.floor(rdev / 0x100) & 0xfff,
  minor: (rdev & 0xff) + (Math.floor(rdev / 0x100000) & 0xfff) * 0x100,
});
