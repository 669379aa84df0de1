// The relay's housekeeping and its live stream, in this process, on a private Redis.
import { randomUUID } from 'node:crypto';
import { liveStreamKey, stockChanged } from '@commerce/events';
import {
  appendEvents,
  claimStatement,
  createLivePublisher,
  createLogger,
  eventQueueName,
  LIVE_ENTRY_FIELD,
  liveKeyPrefix,
  prismaSql,
  RELAY_SESSION_SETTINGS,
  type Relay,
  redisConnection,
  startRelay,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';
import { createFixtureDatabase, type PrivateRedis, startPrivateRedis, waitFor } from './support.ts';

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: ReturnType<typeof connectInventory>;
let relay: Relay;
let liveRedis: Redis;
const stream = liveStreamKey(liveKeyPrefix('relay-test'), 'inventory');

async function liveEntries() {
  const entries = await liveRedis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf(LIVE_ENTRY_FIELD) + 1] ?? 'null'));
}

beforeAll(async () => {
  [redis, database] = await Promise.all([startPrivateRedis(), createFixtureDatabase('inventory')]);
  db = connectInventory(database.url);
  liveRedis = new Redis(redis.url);
  relay = await startRelay({
    unit: 'inventory',
    databaseUrl: database.url,
    connection: redisConnection(redis.url),
    queuePrefix: 'relay-test',
    logger: createLogger('relay-test', 'silent'),
    retentionHours: 0, // every published row is old enough to go
    pruneIntervalMs: 200,
    live: createLivePublisher({ redis: liveRedis, unit: 'inventory', queuePrefix: 'relay-test', windowSeconds: 60 }),
  });
});

afterAll(async () => {
  await relay?.stop();
  await Promise.all([liveRedis?.quit(), db?.$disconnect()]);
  await Promise.all([redis?.remove(), database?.drop()]);
});

describe('outbox relay', { timeout: 90_000 }, () => {
  it('appends the live update of an event no queue consumes to the unit stream, then prunes the published row', async () => {
    const event = stockChanged.create({ productId: randomUUID(), available: 3, onHand: 5, reserved: 2 });
    await db.$transaction((tx) => appendEvents(prismaSql(tx), [event]));
    await waitFor('the update on the live stream', async () => (await liveEntries()).length > 0);
    expect(await liveEntries()).toEqual([
      {
        eventId: event.id,
        type: 'inventory.stock.changed',
        entity: 'Stock',
        key: event.data.productId,
        snapshot: { available: 3, onHand: 5, reserved: 2 },
        occurredAt: event.occurredAt,
      },
    ]);
    await waitFor('the published row to be pruned', async () => (await db.outboxEvent.count()) === 0);
  });

  it('an event published again (a relay that crashed before marking it) is on the live stream once', async () => {
    const before = (await liveEntries()).length;
    const publisher = createLivePublisher({
      redis: liveRedis,
      unit: 'inventory',
      queuePrefix: 'relay-test',
      windowSeconds: 60,
    });
    const event = stockChanged.create({ productId: randomUUID(), available: 1, onHand: 1, reserved: 0 });
    const other = stockChanged.create({ productId: randomUUID(), available: 2, onHand: 2, reserved: 0 });
    await publisher.publish([event]);
    await publisher.publish([event, other]);
    expect((await liveEntries()).slice(before).map((update) => update.eventId)).toEqual([event.id, other.id]);
  });

  it('a stock change that leaves availability as it was (a sale) reaches the live stream, not catalog’s queue', async () => {
    const catalog = new Queue(eventQueueName('catalog'), {
      connection: redisConnection(redis.url),
      prefix: 'relay-test',
    });
    try {
      const productId = randomUUID();
      const sale = stockChanged.create({ productId, available: 2, onHand: 3, reserved: 1, availableBefore: 2 });
      const reservation = stockChanged.create({ productId, available: 1, onHand: 3, reserved: 2, availableBefore: 2 });
      const replayed = stockChanged.create({ productId, available: 1, onHand: 3, reserved: 2 });
      await db.$transaction((tx) => appendEvents(prismaSql(tx), [sale, reservation, replayed]));
      await waitFor(
        'the three updates on the live stream',
        async () => (await liveEntries()).filter((update) => update.key === productId).length === 3,
      );
      expect(await catalog.getJob(sale.id)).toBeUndefined();
      expect((await catalog.getJob(reservation.id))?.name).toBe('inventory.stock.changed');
      expect((await catalog.getJob(replayed.id))?.name).toBe('inventory.stock.changed');
      // The live snapshot carries the levels, not what the relay routed on.
      expect((await liveEntries()).find((update) => update.eventId === sale.id)?.snapshot).toEqual({
        available: 2,
        onHand: 3,
        reserved: 1,
      });
      await waitFor('the published rows to be pruned', async () => (await db.outboxEvent.count()) === 0);
    } finally {
      await catalog.close();
    }
  });

  it('refuses to write an invalid event, rolling back the transaction it is in', async () => {
    const event = stockChanged.create({ productId: randomUUID(), available: 1, onHand: 1, reserved: 0 });
    const broken = { ...event, data: { ...event.data, available: -1 } };
    await expect(
      db.$transaction(async (tx) => {
        await appendEvents(prismaSql(tx), [event]);
        await appendEvents(prismaSql(tx), [broken as typeof event]);
      }),
    ).rejects.toThrow('Refusing to write an invalid event to the outbox: inventory.stock.changed: data.available');
    expect(await db.outboxEvent.count()).toBe(0);
  });

  // The claim runs many times a second in every unit, and published rows stay seven days: its cost
  // must follow the batch, not the table. Ordered by position alone it walked the table, published
  // rows included (or, sorting, read every unpublished row and stale index entry on each claim):
  // the largest Postgres cost of an order in the saga benchmark, growing as the run went on.
  it('claims the next batch through the published_at index, in its order, whatever the statistics say', async () => {
    const units = ['accounts', 'catalog', 'inventory', 'orders', 'payments', 'notifications'] as const;
    await Promise.all(
      units.map(async (unit) => {
        const fixture = await createFixtureDatabase(unit);
        const session = new pg.Client({ connectionString: fixture.url, options: RELAY_SESSION_SETTINGS });
        try {
          await session.connect();
          const rows = (count: number) =>
            session.query(
              `INSERT INTO outbox_events (id, aggregate_id, type, envelope)
               SELECT gen_random_uuid(), 'claim-test', 'test.claimed', jsonb_build_object('n', n) FROM generate_series(1, $1::int) n`,
              [count],
            );
          const planOfClaim = async () => {
            const { rows: explained } = await session.query(`EXPLAIN (FORMAT JSON) ${claimStatement(200)}`);
            const limit = explained[0]['QUERY PLAN'][0].Plan;
            const scan = limit.Plans[0];
            return `${limit['Node Type']} > ${scan['Node Type']} ${scan['Index Name'] ?? ''} ${scan['Index Cond'] ?? ''}`;
          };
          const wanted = 'Limit > Index Scan outbox_events_published_at_position_idx (published_at IS NULL)';
          // Statistics taken when most rows are published and a backlog waits (a unit under load)…
          await rows(3000);
          await session.query('UPDATE outbox_events SET published_at = now() WHERE position <= 2850');
          await session.query('ANALYZE outbox_events');
          await rows(10);
          await session.query('UPDATE outbox_events SET published_at = now() WHERE position <= 3000');
          expect(await planOfClaim(), unit).toBe(wanted);
          const claimed = await session.query<{ n: number }>(
            `SELECT (envelope->>'n')::int AS n FROM (${claimStatement(200)}) batch`,
          );
          expect(
            claimed.rows.map((row) => row.n),
            unit,
          ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
          // …and when nearly none is (a relay that was down).
          await session.query('UPDATE outbox_events SET published_at = NULL');
          await session.query('ANALYZE outbox_events');
          await session.query('UPDATE outbox_events SET published_at = now()');
          expect(await planOfClaim(), unit).toBe(wanted);
        } finally {
          await session.end();
          await fixture.drop();
        }
      }),
    );
  });
});
