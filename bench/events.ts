/**
 * Events from commit to consumer effect: catalog's outbox → relay → BullMQ → orders' consumer
 * (inbox + one effect row), at fixed offered rates, each for BENCH_SECONDS (default 10).
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm exec tsx bench/events.ts
 * Self-contained and bounded: a private redis-server (append-only, fsync every second) on a spare
 * port and two fixture databases on POSTGRES_URL, all removed at the end. Emitter, relay and
 * consumer share this one process. Latency runs from the emitting transaction's commit (its promise
 * resolved) to the consumer's commit (the metrics hook, called after it), on one clock; the columns
 * "from occurredAt" also count the emitting transaction itself (occurredAt is stamped before it).
 * Writes bench/results/events.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { productPriceChanged } from '@commerce/events';
import { appendEvents, createLogger, redisConnection, startConsumers, startRelay } from '@commerce/service-kit';
import { connectDb as connectCatalog } from '../subgraphs/catalog/src/db.ts';
import { connectDb as connectOrders } from '../subgraphs/orders/src/db.ts';
import { createFixtureDatabase, startPrivateRedis } from '../tests/messaging/support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rates = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
const logger = createLogger('bench-events', 'warn');

type Result = {
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

async function runAt(rate: number): Promise<Result> {
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
  const consumers = startConsumers({
    unit: 'orders',
    db: orders,
    connection,
    logger,
    concurrency: 8,
    handlers: {
      'catalog.product.price-changed': async (event, tx) => {
        await tx.$executeRawUnsafe('INSERT INTO bench_effects VALUES ($1::uuid, $2)', event.id, event.data.priceCents);
      },
    },
    onProcessed: ({ eventId, outcome, lagMs }) => {
      if (outcome !== 'applied') return;
      lastApplied = performance.now();
      sinceStart.push(lagMs);
      const committed = eventId ? committedAt.get(eventId) : undefined;
      if (committed !== undefined) latencies.push(lastApplied - committed);
    },
  });

  // Open loop (bounded): every 5 ms, as many one-event transactions as the rate asks for by then.
  let emitted = 0;
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
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
        .$transaction((tx) => appendEvents(tx, [event]))
        .then(() => committedAt.set(event.id, performance.now()));
      inFlight.add(write);
      write.finally(() => inFlight.delete(write));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  const drainDeadline = performance.now() + 60_000;
  while (sinceStart.length < emitted && performance.now() < drainDeadline)
    await new Promise((resolve) => setTimeout(resolve, 50));

  await Promise.all([relay.stop(), consumers.stop()]);
  await Promise.all([catalog.$disconnect(), orders.$disconnect()]);
  await Promise.all([redis.remove(), emitting.drop(), consuming.drop()]);

  latencies.sort((a, b) => a - b);
  sinceStart.sort((a, b) => a - b);
  relayLags.sort((a, b) => a - b);
  const at = (q: number, list = latencies) => list[Math.min(list.length - 1, Math.floor(list.length * q))] ?? 0;
  return {
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
  const result = await runAt(rate);
  console.log(JSON.stringify(result));
  results.push(result);
}

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
  'Emitter, relay and consumer share one Node process. Latency: emitting commit → consumer commit (p50, p99,',
  'max); "from occurredAt" adds the emitting transaction (occurredAt is stamped before it begins).',
  '',
  '| offered events/s | seconds | emitted | applied | applied events/s | p50 ms | p99 ms | max ms | from occurredAt p50 / p99 ms | relay lag p50 / p99 ms |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.rate} | ${seconds} | ${r.emitted} | ${r.applied} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${r.sinceStartP50.toFixed(1)} / ${r.sinceStartP99.toFixed(1)} | ${r.relayP50.toFixed(1)} / ${r.relayP99.toFixed(1)} |`,
  ),
  '',
];
writeFileSync(path.join(import.meta.dirname, 'results', 'events.md'), lines.join('\n'));
process.exit(0);
