/**
 * Two open images with the same file name are told apart by the shortest run of parent folders
 * that differs: v1/image.cfs and v2/image.cfs, not image.cfs twice.
 */

/** Display label per path: the file name, with as many parent folders as it takes to be unique. */
export function distinguishingNames(paths: string[]): Map<string, string> {
  const parts = new Map(paths.map((p) => [p, p.split('/').filter(Boolean)]));
  const out = new Map<string, string>();
  for (const p of paths) {
    const mine = parts.get(p)!;
    let n = 1;
    const label = () => mine.slice(-n).join('/');
    const clash = () => paths.some((q) => q !== p && parts.get(q)!.slice(-n).join('/') === label());
    while (n < mine.length && clash()) n++;
    out.set(p, n > 1 ? '…/' + label() : label());
  }
  return out;
}

/** Labels of the open images by id (components re-render when images open or close). */
export function labelsFor(images: Record<string, { summary: { path: string; name: string } }>): Record<string, string> {
  const byPath = distinguishingNames(Object.values(images).map((v) => v.summary.path));
  const out: Record<string, string> = {};
  for (const [id, v] of Object.entries(images)) out[id] = byPath.get(v.summary.path) ?? v.summary.name;
  return out;
}
