// The outbox → BullMQ → inbox path under crashes, on real processes: fixture relays and consumers
// that die on purpose (SIGKILL at a chosen instruction), a private Redis and a throwaway Postgres
// cluster restarted mid-stream. Every test counts effects per event: exactly once, none missing.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { productPriceChanged } from '@commerce/events';
import { appendEvents, eventQueueName, prismaSql, redisConnection } from '@commerce/service-kit';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDb as connectCatalog } from '../../subgraphs/catalog/src/db.ts';
import {
  createFixtureDatabase,
  type Fixture,
  type PrivateRedis,
  startFixture,
  startPrivatePostgres,
  startPrivateRedis,
  waitFor,
} from './support.ts';

let redis: PrivateRedis;
let emitting: Awaited<ReturnType<typeof createFixtureDatabase>>;
let consuming: Awaited<ReturnType<typeof createFixtureDatabase>>;
let consumerDb: pg.Pool;
let catalog: ReturnType<typeof connectCatalog>;
let prefix: string;
let markers: string;
let fixtures: Fixture[] = [];

beforeAll(async () => {
  [redis, emitting, consuming] = await Promise.all([
    startPrivateRedis(),
    createFixtureDatabase('catalog'),
    createFixtureDatabase('orders'),
  ]);
  consumerDb = new pg.Pool({ connectionString: consuming.url, max: 2 });
  consumerDb.on('error', () => {}); // an idle connection closed by the final DROP DATABASE
  await consumerDb.query(
    'CREATE TABLE fixture_effects (event_id uuid NOT NULL, product_id uuid NOT NULL, price_cents int NOT NULL)',
  );
  catalog = connectCatalog(emitting.url);
  markers = mkdtempSync(path.join(tmpdir(), 'msg-markers-'));
});

afterAll(async () => {
  await catalog?.$disconnect();
  await consumerDb?.end();
  await Promise.all([redis?.remove(), emitting?.drop(), consuming?.drop()]);
  rmSync(markers, { recursive: true, force: true });
});

beforeEach(async () => {
  prefix = `t${randomUUID().slice(0, 8)}`;
  await consumerDb.query('TRUNCATE fixture_effects, inbox_events');
  await catalog.$executeRawUnsafe('TRUNCATE outbox_events');
});

afterEach(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.stop()));
  fixtures = [];
});

function start(name: 'relay' | 'consumer', env: Record<string, string> = {}, databaseUrl?: string) {
  const fixture = startFixture(name, {
    FIXTURE_DATABASE_URL: databaseUrl ?? (name === 'relay' ? emitting.url : consuming.url),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    ...env,
  });
  fixtures.push(fixture);
  return fixture;
}

const priceChange = () =>
  productPriceChanged.create({
    productId: randomUUID(),
    sku: 'MUG-01',
    priceCents: 1000 + Math.floor(Math.random() * 1000),
    previousPriceCents: 900,
    currency: 'EUR',
    name: 'Mug',
    onSale: true,
    version: 2,
  });

/** Commits `transactions` transactions of `perTransaction` events each; returns their ids. */
async function emit(
  db: ReturnType<typeof connectCatalog>,
  transactions: number,
  perTransaction = 1,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < transactions; i++) {
    const events = Array.from({ length: perTransaction }, priceChange);
    await db.$transaction((tx) => appendEvents(prismaSql(tx), events));
    ids.push(...events.map((event) => event.id));
  }
  return ids;
}

async function effectCounts(): Promise<Map<string, number>> {
  const { rows } = await consumerDb.query<{ event_id: string; n: number }>(
    'SELECT event_id, count(*)::int AS n FROM fixture_effects GROUP BY event_id',
  );
  return new Map(rows.map((row) => [row.event_id, row.n]));
}

/** Waits until every id has its effect and the queue is idle, then checks each happened once. */
async function expectEachAppliedOnce(ids: readonly string[]) {
  const queue = new Queue(eventQueueName('orders'), { connection: redisConnection(redis.url), prefix });
  try {
    await waitFor(`effects of ${ids.length} events`, async () => {
      const counts = await effectCounts();
      const idle = await queue.getJobCounts('waiting', 'active', 'delayed');
      return ids.every((id) => counts.has(id)) && !idle.waiting && !idle.active && !idle.delayed;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a late duplicate to show
    const counts = await effectCounts();
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    return await queue.getJobCounts('completed', 'failed');
  } finally {
    await queue.close();
  }
}

async function unpublished(): Promise<number> {
  const [row] = await catalog.$queryRawUnsafe<[{ n: number }]>(
    'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
  );
  return row.n;
}

// Each case starts processes and waits for recovery (stalled-job checks, reconnects): generous
// bounds, since the machine may be busy; the assertions are on counts, never on timings.
describe('messaging under crashes', { timeout: 300_000 }, () => {
  it('a relay killed between adding to BullMQ and marking the rows: after restart each event applies once, one job each', async () => {
    const marker = path.join(markers, `relay-${prefix}`);
    start('consumer');
    const doomed = start('relay', { FIXTURE_KILL_BEFORE_MARK: marker });
    await doomed.ready();
    const ids = await emit(catalog, 10, 2);
    await doomed.exited();
    expect(doomed.child.signalCode).toBe('SIGKILL');
    const killedBatch = readFileSync(marker, 'utf8').split('\n');
    expect(killedBatch.length).toBeGreaterThan(0);
    expect(await unpublished()).toBe(ids.length); // the killed batch was never marked

    const relay = start('relay');
    await waitFor('the outbox to be published', async () => (await unpublished()) === 0);
    // The restarted relay published the killed batch again; BullMQ kept one job per event id.
    expect(killedBatch.every((id) => relay.lines.includes(`published ${id}`))).toBe(true);
    const jobs = await expectEachAppliedOnce(ids);
    expect(jobs).toEqual({ completed: ids.length, failed: 0 });
  });

  it.each(['in-handler', 'after-commit'])(
    'a consumer killed mid-job (%s): the job is recovered as stalled and its effect happens once',
    async (crash) => {
      const marker = path.join(markers, `consumer-${crash}-${prefix}`);
      const doomed = start('consumer', { FIXTURE_CRASH: crash, FIXTURE_CRASH_MARKER: marker });
      start('relay');
      await doomed.ready();
      const ids = await emit(catalog, 8);
      await doomed.exited();
      expect(doomed.child.signalCode).toBe('SIGKILL');
      expect(existsSync(marker)).toBe(true);

      start('consumer');
      const jobs = await expectEachAppliedOnce(ids);
      expect(jobs.failed).toBe(0);
    },
  );

  it('SIGTERM to a consumer mid-job: it finishes the job before exiting, so the effect is there once and nothing stalls', async () => {
    const consumer = start('consumer', { FIXTURE_DELAY_MS: '1500' });
    await Promise.all([consumer.ready(), start('relay').ready()]);
    const queue = new Queue(eventQueueName('orders'), { connection: redisConnection(redis.url), prefix });
    try {
      const ids = await emit(catalog, 1);
      await waitFor('the job to be taken', async () => (await queue.getActiveCount()) === 1);
      consumer.child.kill('SIGTERM');
      await consumer.exited();
      expect(consumer.child.exitCode).toBe(0);
      expect(await queue.getJobCounts('completed', 'active', 'waiting')).toEqual({
        completed: 1,
        active: 0,
        waiting: 0,
      });
      expect([...(await effectCounts())]).toEqual([[ids[0], 1]]);
    } finally {
      await queue.close();
    }
  });

  it('Redis restarted while events flow, with a backlog queued in it: none lost, none applied twice', async () => {
    await Promise.all([start('consumer', { FIXTURE_DELAY_MS: '200' }).ready(), start('relay').ready()]);
    const flowing = (async () => {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(...(await emit(catalog, 1, 2)));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return ids;
    })();
    const queue = new Queue(eventQueueName('orders'), { connection: redisConnection(redis.url), prefix });
    // Restart only once jobs wait in Redis: they must survive it.
    await waitFor('a backlog in Redis', async () => (await queue.getWaitingCount()) >= 5);
    await queue.close();
    await redis.restart(700);
    const ids = await flowing;
    await expectEachAppliedOnce(ids);
  });

  it('Postgres of the emitting unit restarted mid-stream: the relay resumes by itself', async () => {
    const cluster = await startPrivatePostgres();
    let privateCatalog: ReturnType<typeof connectCatalog> | undefined;
    try {
      const database = await createFixtureDatabase('catalog', cluster.url);
      privateCatalog = connectCatalog(database.url);
      start('consumer');
      // A poll too slow to matter here: resuming has to come from LISTEN reconnecting.
      const relay = start('relay', { FIXTURE_POLL_MS: '600000' }, database.url);
      await relay.ready();
      const before = await emit(privateCatalog, 5);
      await waitFor('the first events to be applied', async () => (await effectCounts()).size === before.length);

      await cluster.restart(1000);
      // The emitter's own pool reconnects too; keep writing until a commit goes through.
      const after = await waitFor('a commit after the restart', () => emit(privateCatalog!, 5).catch(() => undefined));
      await expectEachAppliedOnce([...before, ...after]);
      expect(relay.child.exitCode).toBeNull(); // the same relay process, not a restarted one
    } finally {
      await Promise.all(fixtures.map((fixture) => fixture.stop()));
      fixtures = [];
      await privateCatalog?.$disconnect();
      await cluster.remove();
    }
  });

  it('two relays of one unit at once: each row is published exactly once', async () => {
    start('consumer');
    const relays = [start('relay', { FIXTURE_BATCH_SIZE: '5' }), start('relay', { FIXTURE_BATCH_SIZE: '5' })];
    await Promise.all(relays.map((relay) => relay.ready()));
    const ids = (await Promise.all(Array.from({ length: 4 }, () => emit(catalog, 15, 2)))).flat();
    await expectEachAppliedOnce(ids);
    const published = relays.flatMap((relay) => relay.lines.filter((line) => line.startsWith('published ')));
    expect(published.length).toBe(ids.length);
    expect(new Set(published).size).toBe(ids.length);
  });
});
