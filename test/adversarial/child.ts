/**
 * Runs one cfs-inspect command in this process and, at exit, writes this process's resource usage
 * (CPU time, peak RSS) as JSON to $ADV_RUSAGE_OUT: the adversarial tests bound what a command may
 * cost by what the kernel measured, not by the wall clock.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.ADV_RUSAGE_OUT;
process.on('exit', () => {
  if (!out) return;
  const u = process.resourceUsage();
  writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMb: u.maxRSS / 1024 }));
});
// main.ts reads its arguments from process.argv[2] on, as it does when started itself.
await import('../../electron/cli/main.ts');
