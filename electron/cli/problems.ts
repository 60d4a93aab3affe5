/** Walk problems (undecodable subtrees) in listings: reported on stderr, exit code 2. */
import { DecodeError, hex } from '../../shared/bytes/cursor.ts';
import { escapeBytes, NOESCAPE_SPACE } from '../../shared/composefs/escape.ts';
import type { WalkProblem } from '../../shared/walk.ts';

export function problemCollector() {
  const list: string[] = [];
  return {
    list,
    add: (image: string) => (p: WalkProblem) => {
      const where = Buffer.from(escapeBytes(p.path, NOESCAPE_SPACE), 'latin1').toString('latin1');
      const why =
        p.reason === 'decode'
          ? p.error instanceof DecodeError
            ? `${p.error.message} [${p.error.code} at ${hex(p.error.offset)}]`
            : String((p.error as Error)?.message ?? p.error)
          : p.reason === 'cycle'
            ? `directory nid ${p.id} contains itself (cycle); not followed`
            : p.reason === 'dir-reached-twice'
              ? `directory nid ${p.id} is reachable twice; not followed again`
              : 'tree too deep; not followed';
      list.push(`${image}: ${where}: ${why}`);
    },
  };
}

export function failOnProblems(p: ReturnType<typeof problemCollector>, err: (l: string) => void): number {
  for (const l of p.list.slice(0, 20)) err(l);
  if (p.list.length > 20) err(`... and ${p.list.length - 20} more problems (run 'cfs-inspect check' for all)`);
  return p.list.length ? 2 : 0;
}
