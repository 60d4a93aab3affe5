/**
 * Whole-image search: every path of an image, indexed once in the background when the image opens,
 * then searched by name substring, glob, or full path without touching the image again. The
 * tree's own filter only sees expanded folders; this sees everything.
 *
 * Query forms (smart case: a query with no capital letters ignores case):
 *   `conf`          names containing "conf"
 *   `*.so.?`        glob on names (`*`, `?`, `[...]`); with a `/` the glob is on the full path
 *   `/usr/lib/x`    full paths starting with it
 */
import type { SearchHit, SearchResult } from '../../shared/api.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { S_IFCHR, S_IFMT, type ImageNode, type ImageReader, type NodeKind } from '../../shared/model.ts';
import { walk } from '../../shared/walk.ts';

/** Results one search returns at most; the count is always the full one. */
export const SEARCH_RESULT_LIMIT = 1000;
/** Longest stretch the index build runs before letting other requests in, in milliseconds. */
const SLICE_MS = 8;

export interface SearchIndex {
  readonly entries: number;
  /** Subtrees the walk could not read (their entries are not searchable). */
  readonly problems: number;
  search(query: string, limit?: number): SearchResult;
}

interface Columns {
  paths: string[];
  names: string[];
  /** Lower-cased names, made once: folding 200,000 names per keystroke would be most of a query's time. */
  folded: string[];
  /** Lower-cased paths, made on the first case-ignoring path query. */
  foldedPaths?: string[];
  ids: number[];
  kinds: NodeKind[];
}

const ROOT_WHITEOUT = /^[0-9a-f]{2}$/;

/** The 256 "00".."ff" whiteouts every composefs image hides in its root: no one searches for those. */
const hiddenRootWhiteout = (reader: ImageReader, node: ImageNode, name: Uint8Array, depth: number): boolean =>
  reader.format === 'composefs' && depth === 1 && (node.mode & S_IFMT) === S_IFCHR && node.rdev === 0 && ROOT_WHITEOUT.test(displayBytes(name));

export async function buildSearchIndex(reader: ImageReader, signal?: AbortSignal): Promise<SearchIndex> {
  const cols: Columns = { paths: [], names: [], folded: [], ids: [], kinds: [] };
  let problems = 0;
  const pathOf = new Map<number, string>();
  let sliceStart = performance.now();
  let count = 0;
  await walk(
    reader,
    (e) => {
      if (e.depth === 0) {
        pathOf.set(0, '/');
        return;
      }
      const name = displayBytes(e.entry!.name);
      // The walk is depth-first: the parent's path is the last one kept at depth - 1.
      const parent = pathOf.get(e.depth - 1)!;
      const path = parent === '/' ? '/' + name : parent + '/' + name;
      if (e.node.kind === 'dir') pathOf.set(e.depth, path);
      cols.paths.push(path);
      cols.names.push(name);
      cols.folded.push(name.toLowerCase());
      cols.ids.push(e.id);
      cols.kinds.push(e.node.kind);
      // Checking the clock every 128 entries keeps its cost out of the walk.
      if ((++count & 127) === 0 && performance.now() - sliceStart > SLICE_MS) {
        return new Promise<void>((r) => setImmediate(r)).then(() => void (sliceStart = performance.now()));
      }
      return undefined;
    },
    {
      skip: (node, entry, depth) => hiddenRootWhiteout(reader, node, entry.name, depth),
      onProblem: () => void problems++,
      ...(signal ? { signal } : {}),
    },
  );
  return {
    entries: cols.paths.length,
    problems,
    search: (query, limit = SEARCH_RESULT_LIMIT) => runSearch(cols, query, Math.max(0, Math.min(limit, SEARCH_RESULT_LIMIT))),
  };
}

export type QueryMode = 'name' | 'glob' | 'path';

/** How a query is read: glob when it has glob characters, path when it starts with '/', name otherwise. */
export function queryMode(query: string): QueryMode {
  if (/[*?[]/.test(query)) return 'glob';
  if (query.startsWith('/')) return 'path';
  return 'name';
}

/** A glob as an anchored regular expression: `*` and `?` stay within one component when matching paths. */
export function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += glob[i + 1] === '*' ? (i++, '.*') : '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += '[' + (body.startsWith('!') ? '^' + body.slice(1) : body) + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', ignoreCase ? 'i' : '');
}

function runSearch(cols: Columns, raw: string, limit: number): SearchResult {
  const query = raw.trim();
  const mode = queryMode(query);
  const hits: SearchHit[] = [];
  let total = 0;
  if (query === '') return { query: raw, mode, total, hits };
  const ignoreCase = query === query.toLowerCase();
  const q = ignoreCase ? query.toLowerCase() : query;
  let test: (i: number) => boolean;
  if (mode === 'glob') {
    const re = globToRegExp(query, ignoreCase);
    const on = query.includes('/') ? cols.paths : cols.names;
    test = (i) => re.test(on[i]!);
  } else if (mode === 'path') {
    const on = ignoreCase ? (cols.foldedPaths ??= cols.paths.map((p) => p.toLowerCase())) : cols.paths;
    test = (i) => on[i]!.startsWith(q);
  } else {
    const on = ignoreCase ? cols.folded : cols.names;
    test = (i) => on[i]!.includes(q);
  }
  for (let i = 0; i < cols.paths.length; i++) {
    if (!test(i)) continue;
    total++;
    if (hits.length < limit) {
      const path = cols.paths[i]!;
      hits.push({ path, name: cols.names[i]!, id: cols.ids[i]!, kind: cols.kinds[i]! });
    }
  }
  return { query: raw, mode, total, hits };
}

/**
 * One index per open image, built in the background from the moment it is prepared: when the
 * search box first gets focus (an empty query), not when the image opens, so opening and the
 * first tree pages never share the thread with a whole-image walk nobody asked for.
 */
export function createSearchService() {
  const indexes = new Map<string, { ready: Promise<SearchIndex>; abort: AbortController }>();
  return {
    /** Starts indexing an image; the first search waits for it, later ones do not. */
    prepare(imageId: string, reader: ImageReader): void {
      if (indexes.has(imageId)) return;
      const abort = new AbortController();
      const ready = new Promise<void>((r) => setImmediate(r)).then(() => buildSearchIndex(reader, abort.signal));
      ready.catch(() => {}); // reported to the search that awaits it
      indexes.set(imageId, { ready, abort });
    },
    /** An empty query only starts the index (the search box got focus) and answers at once. */
    async search(imageId: string, reader: ImageReader, query: string, limit?: number): Promise<SearchResult> {
      if (!indexes.has(imageId)) this.prepare(imageId, reader);
      if (query.trim() === '') return { query, mode: 'name', total: 0, hits: [] };
      const index = await indexes.get(imageId)!.ready;
      return index.search(query, limit);
    },
    drop(imageId: string): void {
      indexes.get(imageId)?.abort.abort();
      indexes.delete(imageId);
    },
  };
}
export type SearchService = ReturnType<typeof createSearchService>;
