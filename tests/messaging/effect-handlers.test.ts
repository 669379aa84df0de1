import { PermanentError, prismaStore, withEffect } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDb, type Db } from '../../subgraphs/orders/src/db.ts';
import { productCreatedEvent, startEventDelivery } from '../support/event-delivery.ts';
import { createFixtureDatabase } from './support.ts';

// A handler with an effect outside the database (a provider, a mail server): `outside` runs with
// no transaction and only for an event the inbox has not recorded; `inside` records its result in
// the inbox's transaction. Real consumer, real BullMQ on the test Redis, a fixture database.
const env = inject('env');

let database: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: Db;
beforeAll(async () => {
  database = await createFixtureDatabase('orders');
  db = connectDb(database.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const inboxHas = async (eventId: string) => (await db.inboxEvent.findUnique({ where: { eventId } })) !== null;

describe('effect handlers', () => {
  it('a redelivered event does not call the outside world again; the result of the first call is recorded once', async () => {
    const outsideCalls: string[] = [];
    const recorded: number[] = [];
    const delivery = await startEventDelivery({
      unit: 'orders',
      store: prismaStore(db),
      redisUrl: env.REDIS_URL!,
      handlers: {
        'catalog.product.created': withEffect({
          outside: async (event) => {
            outsideCalls.push(event.id);
            return outsideCalls.length * 10;
          },
          inside: async (_event, _tx, result: number) => {
            recorded.push(result);
          },
        }),
      },
    });
    try {
      const event = productCreatedEvent();
      expect(await delivery.deliver(event)).toBe('completed');
      expect(await delivery.deliver(event)).toBe('completed'); // a new job id: only the inbox knows
      expect(outsideCalls).toEqual([event.id]);
      expect(recorded).toEqual([10]);
      expect(await inboxHas(event.id)).toBe(true);
    } finally {
      await delivery.stop();
    }
  });

  it('a transient failure outside is retried and records nothing until it succeeds; a permanent one dead-letters without recording', async () => {
    let tries = 0;
    const recorded: string[] = [];
    const delivery = await startEventDelivery({
      unit: 'orders',
      store: prismaStore(db),
      redisUrl: env.REDIS_URL!,
      attempts: 3,
      handlers: {
        'catalog.product.created': withEffect({
          outside: async (event) => {
            if (event.data.name === 'never') throw new PermanentError('refused for good');
            tries += 1;
            if (tries === 1) throw new Error('the provider timed out');
            return 'done';
          },
          inside: async (event, _tx, result: string) => {
            recorded.push(`${event.id}:${result}`);
          },
        }),
      },
    });
    try {
      const flaky = productCreatedEvent();
      expect(await delivery.deliver(flaky)).toBe('completed');
      expect(tries).toBe(2);
      expect(recorded).toEqual([`${flaky.id}:done`]);

      const doomed = { ...productCreatedEvent(), data: { ...productCreatedEvent().data } };
      doomed.data.name = 'never';
      expect(await delivery.deliver(doomed)).toBe('failed');
      expect(recorded).toHaveLength(1);
      expect(await inboxHas(doomed.id)).toBe(false);
    } finally {
      await delivery.stop();
    }
  });
});
