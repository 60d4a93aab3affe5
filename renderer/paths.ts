/**
 * Display paths in the tree ("/etc/hosts"): joining, splitting, parents. A leaf module, so the tree
 * and the comparison overlay (tree.ts, diff-tree.ts) can both use it without importing each other.
 */

export const childPath = (parent: string, name: string): string => (parent === '/' ? '/' + name : parent + '/' + name);

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last component ("" for "/"). */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Path components of an absolute display path ("/" has none). */
export const pathComponents = (path: string): string[] => path.split('/').filter((c) => c.length > 0);
