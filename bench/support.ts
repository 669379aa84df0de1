// What the benchmarks share: percentiles, the way figures are printed, a process's CPU time.
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

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

/** CPU time of every process whose command name is `comm` (e.g. postgres, redis-server), in ms. */
export function cpuMsOfCommand(comm: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) found.set(Number(entry), cpuMs(Number(entry)));
    } catch {} // gone meanwhile
  }
  return found;
}

/** CPU used between two readings of cpuMsOfCommand, by processes in both (a backend that came and went is missed). */
export const cpuMsBetween = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, ms]) => sum + (before.has(pid) ? ms - before.get(pid)! : 0), 0);

/** The whole machine's busy and total CPU time so far, in ms (every core, from /proc/stat). */
export function machineCpuMs(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy * 10, total: (busy + idle! + iowait!) * 10 };
}

/** A response body as JSON, or undefined when it is not JSON (a benchmark counts that as an error). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * How fast the machine is just now, by two fixed pieces of work timed on an otherwise idle system:
 * a JavaScript loop (pure CPU; best of five, in ms) and a 2,000 round trips over loopback TCP
 * between two sockets of this process (the kernel's share of every hop; µs per round trip). This
 * machine's speed moves by a third from one spell to another (same kernel, same code): printed with
 * every run, so runs of different spells can be told apart.
 */
export async function machineCheck(): Promise<{ loopMs: number; roundTripUs: number }> {
  let loopMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < 30_000_000; i++) sum += i % 7;
    if (sum < 0) throw new Error('unreachable');
    loopMs = Math.min(loopMs, performance.now() - start);
  }
  const trips = 2000;
  const server = net.createServer((socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const roundTripUs = await new Promise<number>((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1', () => {
      let done = 0;
      const start = performance.now();
      client.on('data', () => {
        done += 1;
        if (done < trips) client.write('x');
        else {
          resolve(((performance.now() - start) * 1000) / trips);
          client.destroy();
        }
      });
      client.write('x');
    });
    client.on('error', reject);
  });
  server.close();
  return { loopMs, roundTripUs };
}
