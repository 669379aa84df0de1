/**
 * Events from commit to consumer effect: catalog's outbox → relay → BullMQ → orders' consumer
 * (inbox + one effect row), at fixed offered rates, each for BENCH_SECONDS (default 10).
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm exec tsx bench/events.ts
 * Self-contained and bounded: a private redis-server (append-only, fsync every second) on a spare
 * port and two fixture databases on POSTGRES_URL, all removed at the end. Each rate runs twice:
 * "as deployed", the emitter and its relay in this process (catalog's) and the consumer in a child
 * process (orders'), as the units run; and the baseline "one process", all three on one event
 * loop, as this bench ran before. Latency runs from the emitting transaction's commit (its promise
 * resolved) to the consumer's commit (the metrics hook, called after it), on the machine's clock
 * (performance.timeOrigin + now(), in both processes); the columns "from occurredAt" also count the
 * emitting transaction itself (occurredAt is stamped before it). Each run first emits for 2 s at its
 * rate without counting (connections, JIT), so the figures are steady state. Writes bench/results/events.md.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { productPriceChanged } from '@commerce/events';
import {
  appendEvents,
  createLogger,
  createSqlPool,
  prismaSql,
  redisConnection,
  startConsumers,
  startRelay,
} from '@commerce/service-kit';
import { connectDb as connectCatalog } from '../subgraphs/catalog/src/db.ts';
import { connectDb as connectOrders } from '../subgraphs/orders/src/db.ts';
import { createFixtureDatabase, startPrivateRedis } from '../tests/messaging/support.ts';

/** Milliseconds on the machine's clock, comparable between processes. */
const now = () => performance.timeOrigin + performance.now();

type Applied = { eventId: string; at: number; lagMs: number };

/** orders' side: the consumer, reporting each applied event. Stops on `stop()`. */
function startConsuming(databaseUrl: string, redisUrl: string, onApplied: (applied: Applied) => void) {
  const orders = createSqlPool(databaseUrl, { max: 8 });
  const consumers = startConsumers({
    unit: 'orders',
    store: orders,
    connection: redisConnection(redisUrl),
    logger: createLogger('bench-events', 'warn'),
    concurrency: 8,
    handlers: {
      'catalog.product.price-changed': async (event, tx) => {
        await tx.execute('INSERT INTO bench_effects VALUES ($1::uuid, $2)', [event.id, event.data.priceCents]);
      },
    },
    onProcessed: ({ eventId, outcome, lagMs }) => {
      if (outcome === 'applied' && eventId) onApplied({ eventId, at: now(), lagMs });
    },
  });
  return {
    async stop() {
      await consumers.stop();
      await orders.close();
    },
  };
}

// The child process of the "as deployed" layout: orders' consumer, reporting over IPC.
if (process.argv[2] === '--consumer') {
  const [databaseUrl, redisUrl] = process.argv.slice(3) as [string, string];
  const consuming = startConsuming(databaseUrl, redisUrl, (applied) => process.send!(applied));
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await consuming.stop();
    process.send!('stopped', () => process.exit(0));
  });
  process.send!('ready');
  await new Promise(() => {}); // until told to stop
}

/** The consumer in a process of its own, as orders runs it. */
async function consumerProcess(databaseUrl: string, redisUrl: string, onApplied: (applied: Applied) => void) {
  const child = fork(new URL(import.meta.url).pathname, ['--consumer', databaseUrl, redisUrl], {
    execArgv: ['--import', 'tsx'],
  });
  child.on('message', (message) => {
    if (typeof message === 'object') onApplied(message as Applied);
  });
  await new Promise<void>((resolve) => child.on('message', (message) => message === 'ready' && resolve()));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('message', (message) => message === 'stopped' && resolve());
        child.send('stop');
      }),
  };
}

type Layout = 'as deployed' | 'one process';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rates = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
const logger = createLogger('bench-events', 'warn');

type Result = {
  layout: Layout;
  rate: number;
  emitted: number;
  applied: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  relayP50: number;
  relayP99: number;
  sinceStartP50: number;
  sinceStartP99: number;
};

async function runAt(rate: number, layout: Layout): Promise<Result> {
  const redis = await startPrivateRedis([
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ]);
  const [emitting, consuming] = await Promise.all([createFixtureDatabase('catalog'), createFixtureDatabase('orders')]);
  const catalog = connectCatalog(emitting.url);
  const orders = connectOrders(consuming.url);
  await orders.$executeRawUnsafe('CREATE TABLE bench_effects (event_id uuid NOT NULL, price_cents int NOT NULL)');
  await orders.$disconnect();
  const connection = redisConnection(redis.url);
  // Commit to effect: from the emitter's commit (its transaction resolved) to the consumer's commit,
  // on one clock. `sinceStart` runs from occurredAt, stamped before the emitting transaction began.
  const latencies: number[] = [];
  const sinceStart: number[] = [];
  const committedAt = new Map<string, number>();
  let lastApplied = 0;
  const relayLags: number[] = [];
  const relay = await startRelay({
    unit: 'catalog',
    databaseUrl: emitting.url,
    connection,
    logger,
    routing: { 'catalog.product.price-changed': ['orders'] },
    onPublished: (events) => relayLags.push(...events.map((event) => event.lagMs)),
  });
  const onApplied = ({ eventId, at, lagMs }: Applied) => {
    lastApplied = at;
    sinceStart.push(lagMs);
    const committed = committedAt.get(eventId);
    if (committed !== undefined) latencies.push(at - committed);
  };
  const consumers =
    layout === 'as deployed'
      ? await consumerProcess(consuming.url, redis.url, onApplied)
      : startConsuming(consuming.url, redis.url, onApplied);

  // Open loop (bounded): every 5 ms, as many one-event transactions as the rate asks for by then.
  // Returns how many it emitted, once every one of them was applied (or a minute passed).
  async function emitFor(ms: number): Promise<number> {
    let emitted = 0;
    const inFlight = new Set<Promise<unknown>>();
    const started = now();
    while (now() - started < ms) {
      const due = Math.floor(((now() - started) / 1000) * rate);
      // At most 8 transactions in flight (Prisma's pool is 10): beyond that the emitter falls behind
      // the offered rate, which the table shows as fewer events emitted.
      for (; emitted < due && inFlight.size < 8; emitted++) {
        const event = productPriceChanged.create({
          productId: crypto.randomUUID(),
          sku: 'BENCH',
          priceCents: emitted,
          previousPriceCents: 0,
          currency: 'EUR',
          name: 'Bench product',
          onSale: true,
          version: 2,
        });
        const write = catalog
          .$transaction((tx) => appendEvents(prismaSql(tx), [event]))
          .then(() => committedAt.set(event.id, now()));
        inFlight.add(write);
        write.finally(() => inFlight.delete(write));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    const drainDeadline = now() + 60_000;
    while (sinceStart.length < emitted && now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return emitted;
  }
  // Warm-up (2 s at the same rate, not counted): connections opened, code compiled, in both processes.
  await emitFor(2000);
  for (const list of [latencies, sinceStart, relayLags]) list.length = 0;
  committedAt.clear();
  const started = now();
  const emitted = await emitFor(seconds * 1000);

  await Promise.all([relay.stop(), consumers.stop()]);
  await catalog.$disconnect();
  await Promise.all([redis.remove(), emitting.drop(), consuming.drop()]);

  latencies.sort((a, b) => a - b);
  sinceStart.sort((a, b) => a - b);
  relayLags.sort((a, b) => a - b);
  const at = (q: number, list = latencies) => list[Math.min(list.length - 1, Math.floor(list.length * q))] ?? 0;
  return {
    layout,
    rate,
    emitted,
    applied: sinceStart.length,
    perSecond: sinceStart.length / ((lastApplied - started) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
    relayP50: at(0.5, relayLags),
    relayP99: at(0.99, relayLags),
    sinceStartP50: at(0.5, sinceStart),
    sinceStartP99: at(0.99, sinceStart),
  };
}

const results: Result[] = [];
for (const rate of rates) {
  for (const layout of ['as deployed', 'one process'] as const) {
    const result = await runAt(rate, layout);
    console.log(JSON.stringify(result));
    results.push(result);
  }
}
const baselineP99 = (rate: number) =>
  results.find((r) => r.rate === rate && r.layout === 'one process')?.p99 ?? Number.NaN;

const cpus = os.cpus();
const lines = [
  '# events: results',
  '',
  `Command: \`POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_SECONDS=${seconds} pnpm exec tsx bench/events.ts\``,
  `on ${cpus.length} × ${cpus[0]?.model.trim()}, ${os.platform()} ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)};`,
  `load average at the end ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ')} (the machine is shared with other developers' test suites: noisy figures).`,
  'Path: one-event transaction in catalog (outbox row) → relay (LISTEN/NOTIFY, batches) → BullMQ on a',
  'private append-only Redis → orders consumer (concurrency 8: inbox row + effect row in one transaction).',
  'Layouts: "as deployed", the emitter and its relay in one process (catalog) and the consumer in another',
  '(orders), as the units run; "one process" (the baseline), all three on one event loop. Latency: emitting',
  'commit → consumer commit (p50, p99, max); "from occurredAt" adds the emitting transaction (occurredAt is',
  'stamped before it begins). Each run starts with 2 s at the same rate that are not counted (warm-up).',
  '',
  '| layout | offered events/s | seconds | emitted | applied | applied events/s | p50 ms | p99 ms | max ms | p99 ÷ one process | from occurredAt p50 / p99 ms | relay lag p50 / p99 ms |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.layout} | ${r.rate} | ${seconds} | ${r.emitted} | ${r.applied} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${(r.p99 / baselineP99(r.rate)).toFixed(2)} | ${r.sinceStartP50.toFixed(1)} / ${r.sinceStartP99.toFixed(1)} | ${r.relayP50.toFixed(1)} / ${r.relayP99.toFixed(1)} |`,
  ),
  '',
];
writeFileSync(path.join(import.meta.dirname, 'results', 'events.md'), lines.join('\n'));
process.exit(0);
