// What the benchmarks share: percentiles, the way figures are printed, a process's CPU time.
import { readFileSync } from 'node:fs';

/** The q-quantile of an ascending list (NaN when it is empty). */
export const quantile = (sorted: ArrayLike<number>, q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Milliseconds as the result tables print them. */
export const fmt = (ms: number) => (Number.isNaN(ms) ? '–' : ms.toFixed(0));

/** CPU time (user + system) a process has used, in ms, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** BENCH_CPU_PROF=<dir>: the environment that makes every process write a V8 CPU profile there when it stops. */
export const profilingEnv = (): Record<string, string> =>
  process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } : {};
