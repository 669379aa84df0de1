/**
 * Fan-out of live updates: one product's stock changes delivered over graphql-ws to N staff
 * subscribers of `stockChanged(productId:)` on one router, for each N of BENCH_SUBSCRIBERS
 * (default 1,1000,5000). Restocks of one unit each (staff `restock` through the router) are offered
 * open-loop at BENCH_RATE per second (default 10) for BENCH_SECONDS (default 20).
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm exec tsx bench/fanout.ts
 * Self-contained and bounded: a whole system of its own (tests/saga/world.ts: private Redis,
 * <TEST_DATABASE_PREFIX or commerce_test_>saga_fanout_* databases, dropped at the end; every unit,
 * the router and the sandboxes as processes on spare ports), stopped at the end, also on failure.
 * Latency runs from the update's `at` (the event's occurredAt, stamped in inventory's transaction)
 * to the client's `next` callback, on this machine's one clock: relay, Redis stream, the router's
 * XREAD, its follow-up query, the sending, and this process reading N sockets. Every subscriber
 * must get every update exactly once, in stream order: missing, duplicate and out-of-order
 * deliveries are counted. Baseline in the same run: one subscriber. Memory per connection: the
 * router's VmRSS with N sockets subscribed minus before them, over N. A variant
 * (BENCH_VARIANT_SUBSCRIBERS, default 1000, spread over BENCH_VARIANT_SELECTIONS, default 10,
 * selections; 0 subscribers skips it) shows the cost when follow-ups cannot all be shared.
 * BENCH_CPU_PROF=<dir> makes every process write a CPU profile.
 * Writes bench/results/fanout.md; the router's log stays in .run/test-logs/saga-fanout/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { compareIds } from '../router/src/subscriptions/live-streams.ts';
import { ROOT } from '../scripts/lib/system.ts';
import { waitFor } from '../tests/messaging/support.ts';
import { startSagaWorld } from '../tests/saga/world.ts';
import { cpuMs, fmt, profilingEnv, quantile } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 10);
const counts = (process.env.BENCH_SUBSCRIBERS ?? '1,1000,5000').split(',').map(Number);
const variantSubscribers = Number(process.env.BENCH_VARIANT_SUBSCRIBERS ?? 1000);
const variantSelections = Number(process.env.BENCH_VARIANT_SELECTIONS ?? 10);
// Sockets opened at once: thousands of handshakes in one go would measure the accept queue, not fan-out.
const batchSize = Number(process.env.BENCH_BATCH ?? 200);
const DRAIN_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

// Distinct product fields under the same stock: each is a follow-up query of its own per update.
const PRODUCT_SELECTIONS = [
  'name',
  'name sku',
  'name priceCents',
  'name currency',
  'name active',
  'name description',
  'name sku priceCents',
  'name priceCents currency',
  'id name',
  'name sku active',
];
if (variantSelections > PRODUCT_SELECTIONS.length) {
  throw new Error(`BENCH_VARIANT_SELECTIONS is at most ${PRODUCT_SELECTIONS.length}`);
}
const subscriptionOf = (productFields: string) =>
  `subscription($productId: ID!) { stockChanged(productId: $productId) { cursor at stock { available } product { ${productFields} } } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process, in kB (VmRSS from /proc). */
function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN);
}

/** The soft limit on open files of a process: each socket holds one, on both sides. */
function openFilesLimit(pid: number | 'self'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** The machine's CPU time, busy and in all, from /proc/stat (every core). */
function machineCpu() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = ticks.map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal; guest time is inside user
  const idle = values[3]! + values[4]!; // idle, iowait
  return {
    total,
    idle,
    busyPercentSince(before: { total: number; idle: number }) {
      const spent = total - before.total;
      return spent > 0 ? ((spent - (idle - before.idle)) / spent) * 100 : Number.NaN;
    },
  };
}

async function post<Data>(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`${response.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

type StockUpdate = { cursor: string; at: string; stock: { available: number } };

/** One socket with one subscription, as the bench sees it. */
type Subscriber = {
  client: Client;
  /** Settles when the router acknowledged connection_init (the subscribe message follows at once). */
  ready: Promise<void>;
  /** `available` of each update received while measuring, in arrival order (one unit per restock: one value per event). */
  received: number[];
  latest: number;
  lastCursor?: string;
  outOfOrder: number;
  /** Updates that came with errors (or without data) while measuring: each of these events is also missing for it. */
  errorUpdates: number;
  /** Close code and reason when the socket closed before the bench closed it. */
  lost?: string;
  closing: boolean;
};

/** What every subscriber of the round feeds while the round is measured. */
type Tally = {
  measuring: boolean;
  samples: number[];
  slowestPerEvent: Map<number, number>;
  /** What went wrong, each distinct message with how often. */
  notes: Map<string, number>;
};

// Thousands of subscribers fail alike: each distinct message once, with its count.
function note(tally: Tally, text: string) {
  if (tally.notes.has(text) || tally.notes.size < 20) tally.notes.set(text, (tally.notes.get(text) ?? 0) + 1);
}

function openSubscriber(wsUrl: string, token: string, query: string, productId: string, tally: Tally): Subscriber {
  let connected!: () => void;
  let refused!: (reason: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    refused = reject;
  });
  ready.catch(() => {}); // awaited by the batch; never an unhandled rejection meanwhile
  const subscriber: Subscriber = {
    ready,
    received: [],
    latest: -1,
    outOfOrder: 0,
    errorUpdates: 0,
    closing: false,
    client: createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      // A lost socket must show as lost: a silent reconnect (without `after`) would hide what it missed.
      retryAttempts: 0,
      on: {
        connected: () => connected(),
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          refused(new Error(`closed ${code} ${reason}`));
          if (subscriber.closing) return;
          subscriber.lost = `${code} ${String(reason)}`;
          note(tally, `socket closed by the router: ${subscriber.lost}`);
        },
      },
    }),
  };
  subscriber.client.subscribe<{ stockChanged: StockUpdate }>(
    { query, variables: { productId } },
    {
      next: (result) => {
        const received = Date.now();
        const update = result.data?.stockChanged;
        if (!update || result.errors) {
          if (tally.measuring) subscriber.errorUpdates += 1;
          note(tally, `update with errors: ${JSON.stringify(result.errors ?? result)}`);
          return;
        }
        if (subscriber.lastCursor !== undefined && compareIds(update.cursor, subscriber.lastCursor) <= 0) {
          subscriber.outOfOrder += 1;
        }
        subscriber.lastCursor = update.cursor;
        const available = update.stock.available;
        subscriber.latest = Math.max(subscriber.latest, available);
        if (!tally.measuring) return;
        subscriber.received.push(available);
        const ms = received - Date.parse(update.at);
        tally.samples.push(ms);
        tally.slowestPerEvent.set(available, Math.max(tally.slowestPerEvent.get(available) ?? 0, ms));
      },
      error: (error) => {
        if (subscriber.closing) return;
        subscriber.lost ??= `subscription error ${JSON.stringify(error)}`;
        note(tally, `subscription error: ${JSON.stringify(error)}`);
      },
      complete: () => {
        if (!subscriber.closing) note(tally, 'subscription completed by the router');
      },
    },
  );
  return subscriber;
}

type Result = {
  subscribers: number;
  selections: number;
  opened: number;
  openSeconds: number;
  /** Restocks that committed (the stock row's steps), acknowledged to the bench, refused by the router. */
  committed: number;
  acknowledged: number;
  refused: number;
  deliveries: number;
  expectedDeliveries: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  errorUpdates: number;
  lost: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Per event, until its last subscriber had it: the median and the worst over events. */
  lastP50: number;
  lastMax: number;
  rssBeforeKb: number;
  rssSubscribedKb: number;
  rssEndKb: number;
  /** While restocks were offered. */
  routerCpuPercent: number;
  machineCpuPercent: number;
  /** The world's processes and this one, of all cores: the rest is Postgres, Redis and anything else. */
  worldCpuPercent: number;
  /** Over the whole measured part, drain included. */
  routerCpuMsPerDelivery: number;
  clientCpuMsPerDelivery: number;
  followUpsPerEvent: number;
  notes: string[];
};

const profiling = profilingEnv();
const loadAtStart = os.loadavg();
const world = await startSagaWorld('fanout', {
  LOG_LEVEL: 'warn',
  ...profiling,
  // Every subscriber is the one staff user, and each subscribe counts as a request of theirs.
  LIVE_MAX_CONNECTIONS_PER_CLIENT: '100000',
  RATE_LIMIT_STAFF: '1000000',
});
try {
  const routerPid = world.pids().get('router')!;
  /** CPU ms of every process of the world and of this one. */
  const worldCpu = () => [...world.pids().values()].reduce((sum, pid) => sum + cpuMs(pid), cpuMs(process.pid));
  const most = Math.max(...counts, variantSubscribers);
  for (const pid of ['self', routerPid] as const) {
    const limit = openFilesLimit(pid);
    if (most + 1000 > limit)
      throw new Error(`${most} sockets need more than the ${limit} open files allowed (ulimit -n)`);
  }
  const metricsUrl = world.routerUrl.replace(/\/graphql$/, '/metrics');
  const figure = async (name: string) => {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  };
  const wsUrl = world.routerUrl.replace(/^http/, 'ws');
  const { login } = await post<{ login: { token: string } }>(
    world.routerUrl,
    'mutation { login(email: "staff@example.com", password: "staff-password") { token } }',
    {},
  );
  const token = login.token;
  const productId = await world.product(1000);
  const restock = async () =>
    (
      await post<{ restock: { available: number } }>(
        world.routerUrl,
        'mutation($id: ID!) { restock(productId: $id, quantity: 1) { available } }',
        { id: productId },
        token,
      )
    ).restock.available;
  const availableNow = async () => {
    const { onHand, reserved } = await world.stock(productId);
    return onHand - reserved;
  };
  /** The stock once it stopped moving (2 s without change, at most 30 s). */
  async function settledAvailable(): Promise<number> {
    let last = await availableNow();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      await sleep(2000);
      const now = await availableNow();
      if (now === last) return now;
      last = now;
    }
    return last;
  }

  async function round(subscribers: number, selections: number): Promise<Result> {
    const tally: Tally = { measuring: false, samples: [], slowestPerEvent: new Map(), notes: new Map() };
    const rssBeforeKb = rssKb(routerPid);
    const all: Subscriber[] = [];
    const openedAt = performance.now();
    try {
      for (let start = 0; start < subscribers; start += batchSize) {
        const batch = Array.from({ length: Math.min(batchSize, subscribers - start) }, (_, i) =>
          openSubscriber(wsUrl, token, subscriptionOf(PRODUCT_SELECTIONS[(start + i) % selections]!), productId, tally),
        );
        all.push(...batch);
        const settled = await Promise.race([
          Promise.allSettled(batch.map((s) => s.ready)),
          sleep(30_000).then(() => undefined),
        ]);
        if (!settled) note(tally, `a batch of ${batch.length} sockets was not acknowledged within 30 s`);
        for (const outcome of settled ?? []) {
          if (outcome.status === 'rejected') note(tally, `socket not opened: ${outcome.reason}`);
        }
      }
      // The gauge says the router has them all; the warm-up says each of them hears the stream.
      await waitFor(
        'every subscription',
        async () => (await figure('router_live_subscriptions')) >= subscribers,
        60_000,
      ).catch(() => note(tally, 'router_live_subscriptions did not reach the number of subscribers within 60 s'));
      const live = () => all.filter((s) => s.lost === undefined);
      let warmedUp = false;
      for (let attempt = 0; attempt < 10 && !warmedUp; attempt++) {
        const available = await restock().catch((error) => {
          note(tally, `warm-up restock failed: ${(error as Error).message}`);
          return Number.POSITIVE_INFINITY;
        });
        warmedUp = await waitFor(
          'the warm-up update',
          async () => live().every((s) => s.latest >= available),
          10_000,
        ).then(
          () => true,
          () => false,
        );
      }
      if (!warmedUp) note(tally, 'not every subscriber received a warm-up update within 10 attempts');
      const openSeconds = (performance.now() - openedAt) / 1000;
      const listening = live();
      const rssSubscribedKb = rssKb(routerPid);

      const offered = Math.round(rate * seconds);
      const availableBefore = await availableNow();
      let acknowledged = 0;
      let refused = 0;
      const followUpsBefore = await figure('router_live_follow_ups_total');
      const routerCpuBefore = cpuMs(routerPid);
      const clientCpuBefore = process.cpuUsage();
      const machineBefore = machineCpu();
      const worldCpuBefore = worldCpu();
      tally.measuring = true;
      const started = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < offered; i++) {
        const wait = started + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        inFlight.push(
          restock().then(
            () => {
              acknowledged += 1;
            },
            (error) => {
              refused += 1;
              note(tally, `restock failed: ${(error as Error).message}`);
            },
          ),
        );
      }
      // How busy the router and the machine were while updates were offered (the drain below is mostly idle).
      const offeredMs = performance.now() - started;
      const routerBusy = cpuMs(routerPid) - routerCpuBefore;
      const machineBusy = machineCpu();
      const worldBusy = worldCpu() - worldCpuBefore;
      await Promise.all(inFlight);
      // A restock the router gave up on (timeout) may still have committed in inventory, and its
      // update must be delivered like any other: the events are the stock row's steps, one unit each.
      const availableAfter = await settledAvailable();
      const expected = Array.from({ length: availableAfter - availableBefore }, (_, i) => availableBefore + 1 + i);
      await waitFor(
        'every update delivered',
        async () => listening.every((s) => s.lost || s.received.length + s.errorUpdates >= expected.length),
        DRAIN_MS,
      ).catch(() =>
        note(tally, `not every subscriber received every update within ${DRAIN_MS / 1000} s of the last restock`),
      );
      // A moment more, so a late duplicate is counted too.
      await sleep(500);
      tally.measuring = false;
      const routerCpu = cpuMs(routerPid) - routerCpuBefore;
      const clientCpu = process.cpuUsage(clientCpuBefore);
      const followUps = (await figure('router_live_follow_ups_total')) - followUpsBefore;
      const rssEndKb = rssKb(routerPid);

      let deliveries = 0;
      let missing = 0;
      let duplicates = 0;
      let unexpected = 0;
      for (const subscriber of listening) {
        const unique = new Set(subscriber.received);
        deliveries += subscriber.received.length;
        duplicates += subscriber.received.length - unique.size;
        for (const available of unique) if (available <= availableBefore || available > availableAfter) unexpected += 1;
        for (const available of expected) if (!unique.has(available)) missing += 1;
      }
      if (unexpected > 0) note(tally, `${unexpected} deliveries of updates outside the measured restocks`);
      const samples = Float64Array.from(tally.samples).sort();
      const lasts = Float64Array.from(tally.slowestPerEvent.values()).sort();
      return {
        subscribers,
        selections,
        opened: listening.length,
        openSeconds,
        committed: expected.length,
        acknowledged,
        refused,
        deliveries,
        expectedDeliveries: listening.length * expected.length,
        missing,
        duplicates,
        outOfOrder: all.reduce((sum, s) => sum + s.outOfOrder, 0),
        errorUpdates: all.reduce((sum, s) => sum + s.errorUpdates, 0),
        lost: all.filter((s) => s.lost !== undefined).length,
        p50: quantile(samples, 0.5),
        p95: quantile(samples, 0.95),
        p99: quantile(samples, 0.99),
        max: samples.at(-1) ?? Number.NaN,
        lastP50: quantile(lasts, 0.5),
        lastMax: lasts.at(-1) ?? Number.NaN,
        rssBeforeKb,
        rssSubscribedKb,
        rssEndKb,
        routerCpuPercent: (routerBusy / offeredMs) * 100,
        machineCpuPercent: machineBusy.busyPercentSince(machineBefore),
        worldCpuPercent: (worldBusy / offeredMs / os.availableParallelism()) * 100,
        routerCpuMsPerDelivery: routerCpu / Math.max(1, deliveries),
        clientCpuMsPerDelivery: (clientCpu.user + clientCpu.system) / 1000 / Math.max(1, deliveries),
        followUpsPerEvent: followUps / Math.max(1, expected.length),
        notes: [...tally.notes].map(([text, times]) => (times > 1 ? `${times} × ${text}` : text)),
      };
    } finally {
      // Closed between rounds, and the router given time to let them go, so each round starts bare.
      tally.measuring = false;
      for (const subscriber of all) subscriber.closing = true;
      await Promise.all(all.map((s) => s.client.dispose()));
      await waitFor('connections released', async () => (await figure('router_live_connections')) === 0, 30_000).catch(
        () => console.warn('the router still counted live connections 30 s after the bench closed them'),
      );
      await sleep(3000);
    }
  }

  // Smallest first, the variant beside its own N: a round that overloads the system (its backlog,
  // its heap) would spoil the figures of every round after it.
  const plan: Array<[number, number]> = [
    ...(counts.includes(1) ? [] : [[1, 1] as [number, number]]),
    ...counts.map((n): [number, number] => [n, 1]),
    ...(variantSubscribers > 0 ? [[variantSubscribers, variantSelections] as [number, number]] : []),
  ].sort(([aN, aS], [bN, bS]) => aN - bN || aS - bS);
  const results: Result[] = [];
  for (const [subscribers, selections] of plan) {
    const r = await round(subscribers, selections);
    results.push(r);
    console.log(
      `${subscribers} subscribers, ${selections} selection(s): ${r.deliveries}/${r.expectedDeliveries} delivered ` +
        `(missing ${r.missing}, duplicate ${r.duplicates}, out of order ${r.outOfOrder}, with errors ${r.errorUpdates}, lost sockets ${r.lost}); ` +
        `commit→client p50 ${fmt(r.p50)} p95 ${fmt(r.p95)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ms; ` +
        `router +${((r.rssSubscribedKb - r.rssBeforeKb) / 1024).toFixed(1)} MB subscribed, ` +
        `CPU ${r.routerCpuPercent.toFixed(0)} %, ${r.routerCpuMsPerDelivery.toFixed(3)} ms per delivery`,
    );
    for (const line of r.notes) console.log(`  ${line}`);
  }

  const baseline = results.find((r) => r.subscribers === 1 && r.selections === 1)!;
  const ratio = (r: Result) => (r.p99 / baseline.p99).toFixed(1);
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  // Below a hundred sockets the heap's own growth outweighs them.
  const perConnectionKb = (r: Result) =>
    r.opened < 100 ? '–' : ((r.rssSubscribedKb - r.rssBeforeKb) / r.opened).toFixed(1);
  const latencyTable = [
    '| subscribers | selections | restocks committed (acknowledged / refused) | delivered / expected | missing | duplicate | out of order | with errors | lost sockets | p50 ms | p95 ms | p99 ms | max ms | until the last subscriber: p50 / max ms | p99 ÷ p99 at 1 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.subscribers} | ${r.selections} | ${r.committed} (${r.acknowledged} / ${r.refused}) | ${r.deliveries} / ${r.expectedDeliveries} | ${r.missing} | ${r.duplicates} | ${r.outOfOrder} | ${r.errorUpdates} | ${r.lost} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.lastP50)} / ${fmt(r.lastMax)} | ${ratio(r)} |`,
    ),
  ];
  const costTable = [
    '| subscribers | selections | open + warm-up s | router RSS before / subscribed / end MB | RSS per connection kB | follow-ups per update | router CPU % | machine CPU % (of it: world and bench) | router CPU ms per delivery | bench client CPU ms per delivery |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.subscribers} | ${r.selections} | ${r.openSeconds.toFixed(1)} | ${mb(r.rssBeforeKb)} / ${mb(r.rssSubscribedKb)} / ${mb(r.rssEndKb)} | ${perConnectionKb(r)} | ${r.followUpsPerEvent.toFixed(1)} | ${r.routerCpuPercent.toFixed(0)} | ${r.machineCpuPercent.toFixed(0)} (${r.worldCpuPercent.toFixed(0)}) | ${r.routerCpuMsPerDelivery.toFixed(3)} | ${r.clientCpuMsPerDelivery.toFixed(3)} |`,
    ),
  ];
  const notes = results.flatMap((r) => r.notes.map((line) => `- ${r.subscribers} × ${r.selections}: ${line}`));
  const cpu = os.cpus();
  const report = `# fanout: results

Command: \`POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_SECONDS=${seconds} BENCH_RATE=${rate} BENCH_SUBSCRIBERS=${counts.join(',')} BENCH_VARIANT_SUBSCRIBERS=${variantSubscribers} BENCH_VARIANT_SELECTIONS=${variantSelections} pnpm exec tsx bench/fanout.ts\`
on ${cpu.length} × ${cpu[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type().toLowerCase()} ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC;
load average at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}. Target: p99 < 250 ms at 1,000 subscribers.
Path: staff \`restock\` (router → inventory: stock row and outbox in one transaction) → inventory's
relay → its Redis live stream → the router's one XREAD → one follow-up query per update and distinct
selection (catalog and inventory, through the gateway) → N graphql-ws sockets → this process.
Each round: N sockets on one router, opened ${batchSize} at a time, all subscribed to
\`stockChanged(productId:)\` of one product, then ${rate} restocks/s of one unit for ${seconds} s. Latency: the update's \`at\`
(occurredAt, stamped in inventory's transaction) to the client's \`next\`, one sample per delivery with data.
Expected: every committed restock (the stock row's steps, also those the router gave up on) once to
every subscriber, in cursor order; an update that came with errors counts as missing too.
Baseline: one subscriber, same run. Memory: the router's VmRSS once every socket is subscribed and
warmed up, minus before the round's first socket, over N.

${latencyTable.join('\n')}

Cost, by round. CPU % (of one core for the router, of all cores for the machine; the rest of the
machine's is Postgres, Redis and anything else running) while restocks were offered; CPU ms per
delivery over the whole measured part (restocks, then until every update was delivered or ${DRAIN_MS / 1000} s
passed). The bench client is the one process holding all N sockets, on the same machine:

${costTable.join('\n')}
${notes.length > 0 ? `\nWhat the bench noted (each distinct message, how often):\n\n${notes.join('\n')}\n` : ''}`;
  writeFileSync(path.join(import.meta.dirname, 'results/fanout.md'), report);
  console.log(report);
  console.log(`router log: ${path.join(ROOT, '.run/test-logs/saga-fanout/router.log')}`);
} finally {
  await world.stop();
}
