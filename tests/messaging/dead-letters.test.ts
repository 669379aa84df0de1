// Retries, dead letters and the functions the operations unit will call, with a consumer in this
// process on a private Redis and a fixture copy of orders' database.
import { randomUUID } from 'node:crypto';
import { productPriceChanged } from '@commerce/events';
import {
  createLogger,
  createMessagingAdmin,
  type DeadLetterData,
  deadLetterJobId,
  deadLetterQueueName,
  eventJobOptions,
  eventQueueName,
  type MessagingAdmin,
  PermanentError,
  prismaStore,
  redisConnection,
  startConsumers,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb } from '../../subgraphs/orders/src/db.ts';
import { createFixtureDatabase, type PrivateRedis, startPrivateRedis, waitFor } from './support.ts';

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: ReturnType<typeof connectDb>;
let admin: MessagingAdmin;
let consumers: ReturnType<typeof startConsumers>;
let ordersQueue: Queue;
const prefix = 'dl';

/** Per product id: how the fixture handler behaves, and when it was called. */
const behaviour = new Map<string, 'transient' | 'permanent'>();
const calls = new Map<string, number[]>();

beforeAll(async () => {
  [redis, database] = await Promise.all([startPrivateRedis(), createFixtureDatabase('orders')]);
  db = connectDb(database.url);
  await db.$executeRawUnsafe('CREATE TABLE fixture_effects (event_id uuid NOT NULL, product_id uuid NOT NULL)');
  const connection = redisConnection(redis.url);
  admin = createMessagingAdmin({ connection, queuePrefix: prefix });
  ordersQueue = new Queue(eventQueueName('orders'), { connection, prefix });
  consumers = startConsumers({
    unit: 'orders',
    store: prismaStore(db),
    connection,
    queuePrefix: prefix,
    logger: createLogger('dead-letter-test', 'silent'),
    attempts: 4,
    backoff: { baseMs: 300, maxMs: 5000 },
    handlers: {
      'catalog.product.price-changed': async (event, tx) => {
        const { productId } = event.data;
        calls.set(productId, [...(calls.get(productId) ?? []), Date.now()]);
        if (behaviour.get(productId) === 'transient') throw new Error('the price service timed out');
        if (behaviour.get(productId) === 'permanent') throw new PermanentError('that currency is not sold here');
        await tx.$executeRawUnsafe('INSERT INTO fixture_effects VALUES ($1::uuid, $2::uuid)', event.id, productId);
      },
    },
  });
});

afterAll(async () => {
  await consumers?.stop();
  await ordersQueue?.close();
  await admin?.close();
  await db?.$disconnect();
  await Promise.all([redis?.remove(), database?.drop()]);
});

const priceChange = (productId = randomUUID()) =>
  productPriceChanged.create({
    productId,
    sku: 'MUG-01',
    name: 'Mug',
    priceCents: 900,
    previousPriceCents: 1000,
    currency: 'EUR',
    onSale: true,
    version: 2,
  });

const publish = (data: unknown, jobId: string) =>
  ordersQueue.add('catalog.product.price-changed', data, eventJobOptions(jobId));

const effectsOf = async (eventId: string) =>
  (
    await db.$queryRawUnsafe<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM fixture_effects WHERE event_id = $1::uuid',
      eventId,
    )
  )[0].n;

async function deadLetterOf(eventId: string) {
  return waitFor(`a dead letter for ${eventId}`, async () => {
    const { items } = await admin.listDeadLetters({ first: 100 });
    return items.find((letter) => letter.eventId === eventId || letter.id.endsWith(eventId));
  });
}

describe('retries and dead letters', { timeout: 90_000 }, () => {
  it('a poison message (fails validation) is dead-lettered at once, after one attempt, without reaching the handler', async () => {
    const jobId = randomUUID();
    const poison = { ...priceChange(), data: { productId: 'not-a-uuid' } };
    await publish(poison, jobId);
    const letter = await deadLetterOf(jobId);
    expect(letter).toMatchObject({ queue: 'orders.events', attemptsMade: 1, envelope: poison });
    expect(letter.error).toContain('invalid event');
    const job = await ordersQueue.getJob(jobId);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(calls.has(poison.data.productId)).toBe(false);
  });

  it('a transient error is retried with growing delays, dead-lettered after the last attempt, and after the fix a retry applies it once', async () => {
    const event = priceChange();
    behaviour.set(event.data.productId, 'transient');
    await publish(event, event.id);
    const letter = await deadLetterOf(event.id);
    expect(letter).toMatchObject({ attemptsMade: 4, error: 'the price service timed out', queue: 'orders.events' });
    const times = calls.get(event.data.productId)!;
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    // Backoff 300 ms doubling, with jitter of at most half: [150–300], [300–600], [600–1200] ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThanOrEqual(290);
    expect(gaps[2]).toBeGreaterThanOrEqual(590);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    expect(await effectsOf(event.id)).toBe(0);

    behaviour.delete(event.data.productId); // the fix
    expect(await admin.retryDeadLetter(letter.id)).toMatchObject({ queue: 'orders.events' });
    await waitFor('the retried event to apply', async () => (await effectsOf(event.id)) === 1);
    expect(calls.get(event.data.productId)).toHaveLength(5);
    // Applied under its original event id, and the dead letter is gone.
    const inbox = await db.inboxEvent.findUnique({ where: { eventId: event.id } });
    expect(inbox?.type).toBe('catalog.product.price-changed');
    expect((await admin.listDeadLetters({ first: 100 })).items.some((l) => l.id === letter.id)).toBe(false);
    expect(await admin.retryDeadLetter(letter.id)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await effectsOf(event.id)).toBe(1);
  });

  it('a PermanentError from a handler is dead-lettered at once', async () => {
    const event = priceChange();
    behaviour.set(event.data.productId, 'permanent');
    await publish(event, event.id);
    const letter = await deadLetterOf(event.id);
    expect(letter).toMatchObject({ attemptsMade: 1, error: 'that currency is not sold here' });
    expect(calls.get(event.data.productId)).toHaveLength(1);
  });

  it('a job dead-lettered by a worker that died before failing it is finished without running the handler again', async () => {
    const event = priceChange();
    const deadLetters = new Queue<DeadLetterData>(deadLetterQueueName('orders'), {
      connection: redisConnection(redis.url),
      prefix,
    });
    const data = {
      envelope: event,
      error: 'boom',
      attemptsMade: 4,
      originalQueue: 'orders.events',
      originalJobId: event.id,
      failedAt: new Date().toISOString(),
    };
    await deadLetters.add('dead-letter', data, { jobId: deadLetterJobId(event.id) });
    // The job as BullMQ hands it back after its worker died holding it: stalled once. (Only such a
    // job can have been dead-lettered already, so only such a job is looked up.)
    await ordersQueue.pause();
    await publish(event, event.id);
    const redisClient = new Redis(redis.url);
    await redisClient.hincrby(`${prefix}:${eventQueueName('orders')}:${event.id}`, 'stc', 1);
    redisClient.disconnect();
    await ordersQueue.resume();
    await waitFor('the job to be failed', async () => (await ordersQueue.getJob(event.id))?.finishedOn);
    expect(calls.has(event.data.productId)).toBe(false);
    expect(await deadLetters.getWaitingCount()).toBeGreaterThanOrEqual(1);
    const listed = (await admin.listDeadLetters({ first: 100 })).items.filter((l) => l.eventId === event.id);
    expect(listed).toHaveLength(1);
    await deadLetters.close();
  });

  it('dead letters page newest first, can be discarded, and unknown ids are refused', async () => {
    const all = (await admin.listDeadLetters({ first: 100, queue: 'orders.events' })).items;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const firstPage = await admin.listDeadLetters({ first: 2 });
    expect(firstPage.hasNextPage).toBe(true);
    const secondPage = await admin.listDeadLetters({ first: 100, after: firstPage.endCursor });
    expect([...firstPage.items, ...secondPage.items].map((l) => l.id)).toEqual(all.map((l) => l.id));
    expect(all.map((l) => l.failedAt)).toEqual([...all.map((l) => l.failedAt)].sort().reverse());
    expect((await admin.listDeadLetters({ first: 100, queue: 'notifications.events' })).items).toEqual([]);

    expect(await admin.discardDeadLetter(all[0]!.id)).toBe(true);
    expect(await admin.discardDeadLetter(all[0]!.id)).toBe(false);
    expect(await admin.retryDeadLetter('orders/no-such-job')).toBeNull();
    expect(await admin.retryDeadLetter('nowhere/x')).toBeNull();
    expect((await admin.listDeadLetters({ first: 100 })).items).toHaveLength(all.length - 1);
  });

  it('queue health shows each unit’s queue with its dead letters and how long the oldest job has waited', async () => {
    const notifications = new Queue(eventQueueName('notifications'), {
      connection: redisConnection(redis.url),
      prefix,
    });
    await notifications.add(
      'accounts.user.registered',
      {},
      { ...eventJobOptions(randomUUID()), timestamp: Date.now() - 5000 },
    );
    const health = await admin.queueHealth();
    expect(health.map((queue) => queue.name)).toEqual([
      'accounts.events',
      'catalog.events',
      'inventory.events',
      'orders.events',
      'payments.events',
      'notifications.events',
    ]);
    const orders = health.find((queue) => queue.name === 'orders.events')!;
    expect(orders.deadLettered).toBe(
      (await admin.listDeadLetters({ first: 100, queue: 'orders.events' })).items.length,
    );
    expect(orders.failed).toBeGreaterThanOrEqual(3);
    const waiting = health.find((queue) => queue.name === 'notifications.events')!;
    expect(waiting).toMatchObject({ waiting: 1, active: 0 });
    expect(waiting.oldestWaitingSeconds).toBeGreaterThanOrEqual(4);
    await notifications.close();
  });
});
