/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) as its top self-time functions, so a missed goal's
 * note can say where the time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/p .bench/dist/cli.mjs check image.erofs
 *   node --import tsx scripts/bench/_top.ts /tmp/p/*.cpuprofile [N]
 *
 * Self time is summed per function (name, file, line), over every node of the call tree that is that
 * function; the shares are of all samples, idle and GC included.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * `where(url, line)` may name a bundle line's source module (see moduleOfLine), so a function reads
 * `set shared/walk.ts (cli.mjs:985)` rather than an anonymous bundle position.
 */
export function topSelf(profile: Profile, n: number, where: (url: string, line: number) => string = (url, line) => `${basename(url)}:${line}`): string[] {
  const key = new Map<number, string>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const at = f.url ? ` ${where(f.url, f.lineNumber + 1)}` : '';
    key.set(node.id, `${f.functionName || '(anonymous)'}${at}`);
  }
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const k = key.get(id)!;
    self.set(k, (self.get(k) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .concat([`${(total / 1000).toFixed(0).padStart(7)} ms total`]);
}

/** For an unminified esbuild bundle: the source module of each line, from esbuild's `// path` markers. */
export function moduleOfLine(bundle: string): (line: number) => string | undefined {
  const marks: [number, string][] = [];
  bundle.split('\n').forEach((text, i) => {
    const m = /^\/\/ ((?:shared|electron|node_modules)\/\S+)$/.exec(text);
    if (m) marks.push([i + 1, m[1]!]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]![0] <= line) {
        found = marks[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10);
  for (const file of process.argv.slice(2).filter((a) => !/^\d+$/.test(a))) {
    console.log(file);
    for (const line of topSelf(JSON.parse(readFileSync(file, 'utf8')) as Profile, n)) console.log(`  ${line}`);
  }
}
