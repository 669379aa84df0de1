/**
 * The order saga end to end: placeOrder through the router → orders → inventory reserves →
 * payments charges the provider sandbox (at 20 ms latency) → CONFIRMED, at fixed offered rates,
 * each for BENCH_SECONDS (default 30). Orders are offered open-loop (one every 1/rate s, whether
 * or not earlier ones answered), by the seeded customers, round robin over BENCH_PRODUCTS
 * (default 1) products with ample stock, after BENCH_WARMUP_SECONDS (default 5) at the first rate that
 * are not counted. BENCH_CPU_PROF=<dir> makes every process write a CPU profile.
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm exec tsx bench/saga.ts
 * Self-contained and bounded: a whole system of its own (tests/saga/world.ts: private Redis,
 * <TEST_DATABASE_PREFIX or commerce_test_>saga_bench_* databases, dropped at the end; every unit, the router and the sandboxes as processes on spare
 * ports), stopped at the end. Latency placeOrder → CONFIRMED runs from the order's PLACED
 * timeline entry to its PAYMENT_CAPTURED entry (both written by orders, one clock). Baseline in the
 * same run: the placeOrder round trip itself (the synchronous part, as the client sees it).
 * Writes bench/results/saga.md.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSagaWorld } from '../tests/saga/world.ts';
import {
  cpuMs,
  cpuMsBetween,
  cpuMsOfCommand,
  fmt,
  machineCheck,
  machineCpuMs,
  profilingEnv,
  quantile,
} from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const rates = (process.env.BENCH_RATES ?? '20,50,100').split(',').map(Number);
/** Orders at the first rate before any is measured, not counted: connections, pools and JIT warm up. */
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const providerLatencyMs = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 20);

type Result = {
  rate: number;
  offered: number;
  placed: number;
  failed: number;
  confirmed: number;
  otherFinal: number;
  completedPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  placeP50: number;
  placeP99: number;
  reserveP50: number;
  payP50: number;
  /** CPU ms per confirmed order, by process of the system. */
  cpuPerOrder: Record<string, number>;
  /** The same for Postgres, Redis and the benchmark's own client. */
  otherCpuPerOrder: Record<string, number>;
  /** The whole machine: busy CPU ms per confirmed order, and the share of its cores that was busy. */
  machine: { busyPerOrder: number; busyShare: number };
};

const checkBefore = await machineCheck();
const world = await startSagaWorld('bench', { LOG_LEVEL: 'warn', ...profilingEnv() });
try {
  // The world's Redis fsyncs every write (the saga tests want that); deployed Redis is append-only
  // and fsyncs every second (scripts/lib/services.sh): measured as deployed.
  execFileSync('redis-cli', ['-u', world.redis.url, 'CONFIG', 'SET', 'appendfsync', 'everysec'], { stdio: 'pipe' });
  await world.provider({ mode: 'ok', latencyMs: providerLatencyMs, errorRate: 0 });
  // BENCH_PRODUCTS (default 1): orders spread over that many products, round robin. One product is
  // the hardest case for reservations (every one of them writes the same stock row).
  const productIds = await Promise.all(
    Array.from({ length: Number(process.env.BENCH_PRODUCTS ?? 1) }, () => world.product(1_000_000, 990)),
  );
  const customers = [world.headers.ada, world.headers.grace];
  const results: Result[] = [];
  const runs = [
    ...(warmupSeconds > 0 ? [{ rate: rates[0]!, warmup: true }] : []),
    ...rates.map((rate) => ({ rate, warmup: false })),
  ];
  for (const { rate, warmup } of runs) {
    const placedIds: string[] = [];
    const roundTrips: number[] = [];
    let failed = 0;
    const offered = Math.round(rate * (warmup ? warmupSeconds : seconds));
    const pids = world.pids();
    const cpuBefore = new Map([...pids].map(([name, pid]) => [name, cpuMs(pid)] as const));
    // Besides the system's own processes: Postgres (the shared server, every backend), Redis, this
    // client, and the whole machine (which also holds whatever else runs on it).
    const postgresBefore = cpuMsOfCommand('postgres');
    const redisBefore = cpuMsOfCommand('redis-server');
    const clientBefore = process.cpuUsage();
    const machineBefore = machineCpuMs();
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < offered; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(
        (async () => {
          const sent = performance.now();
          const response = await world
            .placeOrder([{ productId: productIds[i % productIds.length]!, quantity: 1 }], {
              as: customers[i % customers.length],
            })
            .catch(() => undefined);
          roundTrips.push(performance.now() - sent);
          const id = response?.body.data?.placeOrder.id;
          if (id) placedIds.push(id);
          else failed += 1;
        })(),
      );
    }
    await Promise.all(inFlight);
    const statuses = await world.settled(placedIds, 300_000);
    const elapsedS = (performance.now() - started) / 1000;
    const cpuAfter = new Map([...pids].map(([name, pid]) => [name, cpuMs(pid)] as const));
    const client = process.cpuUsage(clientBefore);
    const machineAfter = machineCpuMs();
    const others = {
      postgres: cpuMsBetween(postgresBefore, cpuMsOfCommand('postgres')),
      redis: cpuMsBetween(redisBefore, cpuMsOfCommand('redis-server')),
      'bench client': (client.user + client.system) / 1000,
    };
    const hops = await world.sql('orders').query<{ reserve: number; pay: number }>(
      `SELECT EXTRACT(EPOCH FROM (r.at - p.at)) * 1000 AS reserve, EXTRACT(EPOCH FROM (c.at - r.at)) * 1000 AS pay
         FROM order_timeline p
         JOIN order_timeline r ON r.order_id = p.order_id AND r.step = 'STOCK_RESERVED'
         JOIN order_timeline c ON c.order_id = p.order_id AND c.step = 'PAYMENT_CAPTURED'
        WHERE p.step = 'PLACED' AND p.order_id = ANY($1::uuid[])`,
      [placedIds],
    );
    const reserve = hops.rows.map((row) => Number(row.reserve)).sort((a, b) => a - b);
    const pay = hops.rows.map((row) => Number(row.pay)).sort((a, b) => a - b);
    const { rows } = await world.sql('orders').query<{ ms: number }>(
      `SELECT EXTRACT(EPOCH FROM (c.at - p.at)) * 1000 AS ms
         FROM order_timeline p JOIN order_timeline c ON c.order_id = p.order_id
        WHERE p.step = 'PLACED' AND c.step = 'PAYMENT_CAPTURED' AND p.order_id = ANY($1::uuid[])`,
      [placedIds],
    );
    const latencies = rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
    const trips = roundTrips.sort((a, b) => a - b);
    const confirmed = [...statuses.values()].filter((s) => s === 'CONFIRMED').length;
    if (warmup) {
      console.log(`warm-up: ${placedIds.length} orders at ${rate}/s, not counted`);
      continue;
    }
    results.push({
      rate,
      offered,
      placed: placedIds.length,
      failed,
      confirmed,
      otherFinal: placedIds.length - confirmed,
      completedPerSecond: confirmed / elapsedS,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      placeP50: quantile(trips, 0.5),
      placeP99: quantile(trips, 0.99),
      reserveP50: quantile(reserve, 0.5),
      payP50: quantile(pay, 0.5),
      cpuPerOrder: Object.fromEntries(
        [...pids.keys()].map((name) => [name, (cpuAfter.get(name)! - cpuBefore.get(name)!) / Math.max(1, confirmed)]),
      ),
      otherCpuPerOrder: Object.fromEntries(
        Object.entries(others).map(([name, ms]) => [name, ms / Math.max(1, confirmed)]),
      ),
      machine: {
        busyPerOrder: (machineAfter.busy - machineBefore.busy) / Math.max(1, confirmed),
        busyShare: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      },
    });
    const last = results.at(-1)!;
    console.log(
      `${rate}/s offered: ${last.placed} placed, ${last.confirmed} confirmed (${last.completedPerSecond.toFixed(1)}/s), ` +
        `placeOrder→CONFIRMED p50 ${fmt(last.p50)} p95 ${fmt(last.p95)} p99 ${fmt(last.p99)} ms; ` +
        `placeOrder round trip p50 ${fmt(last.placeP50)} p99 ${fmt(last.placeP99)} ms; ` +
        `hops p50: placed→reserved ${fmt(last.reserveP50)}, reserved→captured ${fmt(last.payP50)} ms`,
    );
    console.log(
      `  CPU ms per confirmed order: ${Object.entries(last.cpuPerOrder)
        .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
        .join(', ')}`,
    );
  }

  const cpu = os.cpus();
  const table = [
    '| offered orders/s | seconds | placed | failed | confirmed | other final | completed/s | p50 ms | p95 ms | p99 ms | max ms | placeOrder round trip p50 / p99 ms | p99 ÷ round-trip p99 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.rate} | ${seconds} | ${r.placed} | ${r.failed} | ${r.confirmed} | ${r.otherFinal} | ${r.completedPerSecond.toFixed(1)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.placeP50)} / ${fmt(r.placeP99)} | ${(r.p99 / r.placeP99).toFixed(1)} |`,
    ),
  ];
  const names = Object.keys(results[0]?.cpuPerOrder ?? {});
  const otherNames = Object.keys(results[0]?.otherCpuPerOrder ?? {});
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  const cpuTable = [
    `| offered orders/s | placed→reserved p50 ms | reserved→captured p50 ms | ${names.join(' | ')} | system total | ${otherNames.join(' | ')} | machine busy (share of cores) |`,
    `|---:|---:|---:|${names.map(() => '---:').join('|')}|---:|${otherNames.map(() => '---:').join('|')}|---:|`,
    ...results.map(
      (r) =>
        `| ${r.rate} | ${fmt(r.reserveP50)} | ${fmt(r.payP50)} | ${names.map((n) => r.cpuPerOrder[n]!.toFixed(1)).join(' | ')} | ${sum(r.cpuPerOrder).toFixed(1)} | ${otherNames.map((n) => r.otherCpuPerOrder[n]!.toFixed(1)).join(' | ')} | ${r.machine.busyPerOrder.toFixed(1)} (${(100 * r.machine.busyShare).toFixed(0)}%) |`,
    ),
  ];
  const report = `# saga: results

Command: \`POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_SECONDS=${seconds} BENCH_WARMUP_SECONDS=${warmupSeconds} BENCH_RATES=${rates.join(',')} BENCH_PRODUCTS=${productIds.length} pnpm exec tsx bench/saga.ts\`
on ${cpu.length} × ${cpu[0]?.model.trim()}, ${os.type().toLowerCase()} ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)};
load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}. Provider sandbox latency ${providerLatencyMs} ms. Target: p99 < 300 ms at 50 orders/s.
Machine check before the system started (machineCheck in bench/support.ts; this machine's speed moves
from one spell to another): a fixed JavaScript loop ${checkBefore.loopMs.toFixed(0)} ms, a loopback TCP round trip ${checkBefore.roundTripUs.toFixed(1)} µs.
Path: placeOrder (router → orders: order, items, outbox) → orders' relay → inventory (reservation) →
orders (AWAITING_PAYMENT) → payments (provider call, breaker, retries) → orders (CONFIRMED), every hop
through an outbox, BullMQ on a private append-only Redis (fsync every second, as deployed) and an inbox. Latency: the order's PLACED
timeline entry to its PAYMENT_CAPTURED entry. Baseline: the placeOrder round trip at the client.

${table.join('\n')}

Where the time and the CPU go: the two hops' p50, and CPU ms per confirmed order in each process
(user + system, from /proc, over the whole rate's run), then Postgres (every backend of the shared
server), Redis, the benchmark's client, and the whole machine's busy CPU with the share of its cores:

${cpuTable.join('\n')}
`;
  writeFileSync(path.join(import.meta.dirname, 'results/saga.md'), report);
  console.log(report);
} finally {
  await world.stop();
}
