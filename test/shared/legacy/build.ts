/**
 * A minimal legacy descriptor writer for tests, laid out the way lcfs-writer-cfs.c does it:
 * superblock, inode table in index order, then variable data (per inode: dirents 4-aligned,
 * payload, digest; then every xattr block 4-aligned). It records where each structure landed so a
 * test can corrupt exactly the bytes a rule is about.
 */
export interface BuildNode {
  mode: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  rdev?: number;
  size?: number;
  mtime?: [number, number];
  /** Children in the order to store them (a test may store them unsorted on purpose). */
  children?: { name: string | Uint8Array; ino: number; dType?: number }[];
  payload?: string | Uint8Array;
  digest?: Uint8Array;
  xattrs?: [string, string | Uint8Array][];
}

export interface Built {
  bytes: Uint8Array;
  vdataOffset: number;
  inodeAt: (i: number) => number;
  /** Absolute offsets of each inode's vdata blocks (when it has one). */
  dirents: Map<number, number>;
  payloads: Map<number, number>;
  digests: Map<number, number>;
  xattrs: Map<number, number>;
  /** Absolute offset of dirent record `k` of directory inode `i`. */
  direntAt: (i: number, k: number) => number;
}

const enc = new TextEncoder();
const bytesOf = (s: string | Uint8Array) => (typeof s === 'string' ? enc.encode(s) : s);

export function buildLegacy(nodes: BuildNode[], opts: { tablePad?: number; vdataTail?: number } = {}): Built {
  const vdata: number[] = [];
  const align = () => {
    while (vdata.length % 4) vdata.push(0);
  };
  const put = (b: Uint8Array) => {
    const off = vdata.length;
    vdata.push(...b);
    return off;
  };
  const refs = nodes.map(() => ({ vd: [0, 0], xa: [0, 0], dg: [0, 0] }));
  const rel = { dirents: new Map<number, number>(), payloads: new Map<number, number>(), digests: new Map<number, number>(), xattrs: new Map<number, number>() };

  nodes.forEach((n, i) => {
    if (n.children && n.children.length > 0) {
      const names = n.children.map((c) => bytesOf(c.name));
      const block: number[] = [];
      const u32 = (v: number) => block.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
      u32(n.children.length);
      let nameOff = 0;
      n.children.forEach((c, k) => {
        u32(c.ino);
        u32(nameOff);
        block.push(names[k]!.length, c.dType ?? dtypeOf(nodes[c.ino]?.mode ?? 0), 0, 0);
        nameOff += names[k]!.length;
      });
      names.forEach((nm) => block.push(...nm));
      align();
      const off = put(Uint8Array.from(block));
      refs[i]!.vd = [off, block.length];
      rel.dirents.set(i, off);
    } else if (n.payload !== undefined) {
      const p = bytesOf(n.payload);
      const off = put(p);
      refs[i]!.vd = [off, p.length];
      rel.payloads.set(i, off);
    }
    if (n.digest) {
      const off = put(n.digest);
      refs[i]!.dg = [off, n.digest.length];
      rel.digests.set(i, off);
    }
  });
  nodes.forEach((n, i) => {
    if (!n.xattrs || n.xattrs.length === 0) return;
    const kv = n.xattrs.map(([k, v]) => [enc.encode(k), bytesOf(v)] as const);
    const block: number[] = [n.xattrs.length & 0xff, n.xattrs.length >>> 8];
    kv.forEach(([k, v]) => block.push(k.length & 0xff, k.length >>> 8, v.length & 0xff, v.length >>> 8));
    kv.forEach(([k, v]) => block.push(...k, ...v));
    align();
    const off = put(Uint8Array.from(block));
    refs[i]!.xa = [off, block.length];
    rel.xattrs.set(i, off);
  });
  for (let t = 0; t < (opts.vdataTail ?? 0); t++) vdata.push(0);

  const vdataOffset = 128 + nodes.length * 96 + (opts.tablePad ?? 0);
  const bytes = new Uint8Array(vdataOffset + vdata.length);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 1, true);
  dv.setUint32(4, 0xc078629a, true);
  dv.setBigUint64(8, BigInt(vdataOffset), true);
  nodes.forEach((n, i) => {
    const at = 128 + i * 96;
    dv.setUint32(at, n.mode, true);
    dv.setUint32(at + 4, n.nlink ?? 1, true);
    dv.setUint32(at + 8, n.uid ?? 0, true);
    dv.setUint32(at + 12, n.gid ?? 0, true);
    dv.setUint32(at + 16, n.rdev ?? 0, true);
    dv.setBigUint64(at + 20, BigInt(n.size ?? 0), true);
    dv.setBigInt64(at + 28, BigInt(n.mtime?.[0] ?? 1700000000), true);
    dv.setUint32(at + 36, n.mtime?.[1] ?? 0, true);
    const r = refs[i]!;
    [r.vd, r.xa, r.dg].forEach(([off, len], k) => {
      dv.setBigUint64(at + 52 + k * 12, BigInt(off!), true);
      dv.setUint32(at + 60 + k * 12, len!, true);
    });
  });
  bytes.set(vdata, vdataOffset);
  const abs = (m: Map<number, number>) => new Map([...m].map(([k, v]) => [k, vdataOffset + v]));
  const dirents = abs(rel.dirents);
  return {
    bytes,
    vdataOffset,
    inodeAt: (i) => 128 + i * 96,
    dirents,
    payloads: abs(rel.payloads),
    digests: abs(rel.digests),
    xattrs: abs(rel.xattrs),
    direntAt: (i, k) => dirents.get(i)! + 4 + k * 12,
  };
}

const dtypeOf = (mode: number) => (mode >>> 12) & 0xf;

export const DIR = 0o040755;
export const REG = 0o100644;
export const LNK = 0o120777;
export const CHR = 0o020644;

/**
 * A small valid tree: / (0) with a (1, file with payload+digest+xattrs), d (2, dir holding f),
 * e (3, empty file), l (4, symlink), and d/f (5, file sharing a's xattrs).
 */
export function sampleTree(): BuildNode[] {
  const digest = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  return [
    {
      mode: DIR,
      nlink: 3,
      size: 4096,
      children: [
        { name: 'a', ino: 1 },
        { name: 'd', ino: 2 },
        { name: 'e', ino: 3 },
        { name: 'l', ino: 4 },
      ],
      xattrs: [['user.root', 'r']],
    },
    { mode: REG, size: 10, payload: '01/0203', digest, xattrs: [['trusted.overlay.x', 'v'], ['user.k', 'val']] },
    { mode: DIR, nlink: 2, size: 4096, children: [{ name: 'f', ino: 5 }] },
    { mode: REG, size: 0 },
    { mode: LNK, size: 1, payload: 'a' },
    { mode: REG, size: 3, payload: 'ff/00', xattrs: [['user.k', 'val']] },
  ];
}

/** Little-endian field writers for corrupting a built image in place. */
export const poke = {
  u8: (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint8(at, v),
  u16: (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint16(at, v, true),
  u32: (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true),
  u64: (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setBigUint64(at, BigInt(v), true),
};
