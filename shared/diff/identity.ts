/**
 * Identity of an added or removed entry for rename detection: "the same content and metadata at
 * another path". Keys are exact strings (never hashes), interned to small integers so that a
 * directory's key can name its children's keys without growing with the depth of the tree.
 */
import { dataInImage, sha256OfData, visibleXattrs, type DataRef, type Side } from './compare.ts';
import type { Ignore } from './options.ts';

/** In-image data up to this size is its own key; longer data is keyed by its sha256. */
const DATA_KEY_VERBATIM = 4096;

/** Bytes as a latin1 string: one character per byte, so equal strings mean equal bytes. */
export function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

const field = (b: Uint8Array | undefined): string => (b === undefined ? '-' : `${b.length}:${bytesKey(b)}`);

/**
 * Everything a rename keeps, except the bytes of in-image data (compared separately and only
 * when another entry has the same key, since reading them can be costly). A directory's size and
 * link count are left out: both follow from its entries, which the directory key lists itself.
 */
export function metadataKey(side: Side, ignore: Ignore): string {
  const n = side.node;
  const v = side.view;
  const dir = v.kind === 'dir';
  let k = `${v.kind}|${v.mode}|${v.rdev}|${v.whiteout ? 1 : 0}${v.opaque ? 1 : 0}`;
  if (!ignore.ownership) k += `|${n.uid}|${n.gid}`;
  if (!ignore.mtime) k += `|${n.mtime.sec}.${n.mtime.nsec}`;
  if (!dir) k += `|${v.size}|${n.nlink}`;
  k += `|${field(n.target)}|${field(v.digest)}|${field(v.payload)}|`;
  for (const x of visibleXattrs(v.xattrs, ignore)) k += `${field(x.name)}${field(x.value)}`;
  return k;
}

/** Does this non-directory carry content that identifies it (rather than only metadata)? */
export function hasContent(side: Side): boolean {
  return Boolean(side.view.digest || side.view.payload || side.node.target?.length || dataInImage(side.node));
}

/** Exact key of a file's in-image bytes: the bytes themselves when short, else their sha256. */
export async function dataKey(ref: DataRef): Promise<string> {
  if (ref.size <= DATA_KEY_VERBATIM) return 'bytes:' + bytesKey(await ref.reader.readData(ref.id, 0, ref.size));
  return sha256OfData(ref);
}

/** Interns key strings as integers; one table serves both images so equal ids mean equal keys. */
export function keyTable() {
  const ids = new Map<string, number>();
  return (key: string): number => {
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  };
}
