/**
 * Member paths as an extractor resolves them: "./a//b/" is a/b, a leading "/" is dropped (GNU tar
 * does, with a warning), and ".." climbs; a path that climbs above the layer root escapes it.
 */
const SLASH = 0x2f;
const DOT = 0x2e;

export interface MemberPath {
  /** Components below the layer root; empty for the root itself. */
  parts: Uint8Array[];
  absolute: boolean;
  /** Has a ".." component (even one that stays inside the root). */
  dotdot: boolean;
  /** Resolves above the root. */
  escapes: boolean;
}

export function resolveMemberPath(raw: Uint8Array): MemberPath {
  const parts: Uint8Array[] = [];
  let dotdot = false;
  let escapes = false;
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i < raw.length && raw[i] !== SLASH) continue;
    const comp = raw.subarray(start, i);
    start = i + 1;
    if (comp.length === 0 || (comp.length === 1 && comp[0] === DOT)) continue;
    if (comp.length === 2 && comp[0] === DOT && comp[1] === DOT) {
      dotdot = true;
      if (parts.length === 0) escapes = true;
      else parts.pop();
      continue;
    }
    parts.push(comp);
  }
  return { parts, absolute: raw[0] === SLASH, dotdot, escapes };
}

/** A Map key for a name: one char per byte, so names that are not UTF-8 stay distinct. */
export const nameKey = (name: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(name[i]!);
  return s;
};

const lossy = new TextDecoder();
/** "/a/b" for findings and messages. */
export const displayPath = (parts: Uint8Array[]): string => '/' + parts.map((p) => lossy.decode(p)).join('/');
