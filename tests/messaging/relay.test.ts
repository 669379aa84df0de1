// The relay's housekeeping and its pub/sub hook, in this process, on a private Redis.
import { randomUUID } from 'node:crypto';
import { stockChanged } from '@commerce/events';
import { appendEvents, createLogger, type Relay, redisConnection, startRelay } from '@commerce/service-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';
import { createFixtureDatabase, type PrivateRedis, startPrivateRedis, waitFor } from './support.ts';

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: ReturnType<typeof connectInventory>;
let relay: Relay;
let publisher: Redis;
let subscriber: Redis;
const received: string[] = [];

beforeAll(async () => {
  [redis, database] = await Promise.all([startPrivateRedis(), createFixtureDatabase('inventory')]);
  db = connectInventory(database.url);
  publisher = new Redis(redis.url);
  subscriber = new Redis(redis.url);
  await subscriber.subscribe('events.inventory.stock.changed');
  subscriber.on('message', (_channel, message) => received.push(message));
  relay = await startRelay({
    unit: 'inventory',
    databaseUrl: database.url,
    connection: redisConnection(redis.url),
    queuePrefix: 'relay-test',
    logger: createLogger('relay-test', 'silent'),
    retentionHours: 0, // every published row is old enough to go
    pruneIntervalMs: 200,
    pubsub: { redis: publisher, channel: (type) => `events.${type}` },
  });
});

afterAll(async () => {
  await relay?.stop();
  await Promise.all([publisher?.quit(), subscriber?.quit(), db?.$disconnect()]);
  await Promise.all([redis?.remove(), database?.drop()]);
});

describe('outbox relay', { timeout: 90_000 }, () => {
  it('publishes an event no queue consumes on its pub/sub channel, then prunes the published row', async () => {
    const event = stockChanged.create({ productId: randomUUID(), available: 3, onHand: 5, reserved: 2 });
    await db.$transaction((tx) => appendEvents(tx, [event]));
    await waitFor('the event on pub/sub', async () => received.length > 0);
    expect(received.map((message) => JSON.parse(message))).toEqual([event]);
    await waitFor('the published row to be pruned', async () => (await db.outboxEvent.count()) === 0);
  });

  it('refuses to write an invalid event, rolling back the transaction it is in', async () => {
    const event = stockChanged.create({ productId: randomUUID(), available: 1, onHand: 1, reserved: 0 });
    const broken = { ...event, data: { ...event.data, available: -1 } };
    await expect(
      db.$transaction(async (tx) => {
        await appendEvents(tx, [event]);
        await appendEvents(tx, [broken as typeof event]);
      }),
    ).rejects.toThrow('Refusing to write an invalid event to the outbox: inventory.stock.changed: data.available');
    expect(await db.outboxEvent.count()).toBe(0);
  });
});
