import { randomUUID } from 'node:crypto';
import { type CommerceEvent, paymentCaptured, paymentRefunded, stockReserved } from '@commerce/events';
import { eventJobOptions, eventQueueName, inProcessApi, redisConnection, runUnit } from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../prisma/seed/fixtures.ts';
import { ordersUnit } from '../../subgraphs/orders/src/app.ts';
import { readConfig } from '../../subgraphs/orders/src/config.ts';
import { connectDb } from '../../subgraphs/orders/src/db.ts';
import { createFixtureDatabase, waitFor } from '../messaging/support.ts';
import { productCreatedEvent } from '../support/event-delivery.ts';
import { errorCodes, graphql } from '../support/graphql.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInAda, signInGrace, signInStaff } from '../support/sign-in.ts';

// placeOrder, cancelOrder and refundOrder through the router. Validation, idempotency and pricing
// run against the whole test system. The saga's later steps run against an orders of the test's
// own (its database, its queues under a prefix of its own, the real API, relay and consumers, behind
// a router of its own): inventory and payments there are the test, answering through orders'
// queue as they would, so no other unit's work races what the test checks.
const routerUrl = inject('routerUrl');
const env = inject('env');
type Headers = Record<string, string>;
let ada: { userId: string; headers: Headers };
let grace: { userId: string; headers: Headers };
let staff: { userId: string; headers: Headers };

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  id status totalCents currency items { quantity unitPriceCents product { id } } timeline { step detail } } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status timeline { step detail } } }`;
const REFUND = `mutation($id: ID!, $reason: String!) { refundOrder(id: $id, reason: $reason) { id status refundPending timeline { step detail } } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status refundPending timeline { step detail } } }`;
type PlacedOrder = {
  id: string;
  status: string;
  totalCents: number;
  items: Array<{ quantity: number; unitPriceCents: number; product: { id: string } }>;
  timeline: Array<{ step: string; detail: string }>;
};
type OrderView = {
  id: string;
  status: string;
  refundPending: boolean;
  timeline: Array<{ step: string; detail: string }>;
};

const seeded = PRODUCTS[0]!;
const line = (productId: string = seeded.id, quantity = 1) => ({ productId, quantity });
const place = (url: string, headers: Headers, items: unknown[], idempotencyKey: string = randomUUID()) =>
  graphql<{ placeOrder: PlacedOrder }>(url, PLACE, { input: { items, idempotencyKey } }, headers);

/** A new customer, so orders placed in the shared system leave the seeded customers' lists as other tests expect them. */
async function newCustomer() {
  const response = await graphql<{ register: { token: string; user: { id: string } } }>(
    routerUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }',
    { input: { email: `buyer-${randomUUID()}@example.com`, name: 'Buyer', password: 'buyer-password' } },
  );
  expect(response.body.errors).toBeUndefined();
  const { token, user } = response.body.data!.register;
  return { userId: user.id, headers: { authorization: `Bearer ${token}` } };
}
let buyer: { userId: string; headers: Headers };
let otherBuyer: { userId: string; headers: Headers };

// One at a time: password hashing is the slowest thing accounts does, and the machine is shared.
beforeAll(async () => {
  ada = await signInAda(routerUrl);
  grace = await signInGrace(routerUrl);
  staff = await signInStaff(routerUrl);
  buyer = await newCustomer();
  otherBuyer = await newCustomer();
});

describe('placeOrder through the router', () => {
  it.each([
    ['no lines', () => [], /at least one line/],
    ['51 lines', () => Array.from({ length: 51 }, () => line(randomUUID())), /at most 50 lines/],
    ['a quantity of 0', () => [line(seeded.id, 0)], /1 to 100 units/],
    ['a quantity of 101', () => [line(seeded.id, 101)], /1 to 100 units/],
    ['one product on two lines', () => [line(), line(seeded.id, 2)], /on two lines/],
  ])('%s: BAD_USER_INPUT with what to change', async (_case, items, message) => {
    const response = await place(routerUrl, ada.headers, items());
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toMatch(message);
  });

  it('an idempotency key under 8 characters is BAD_USER_INPUT', async () => {
    const response = await place(routerUrl, ada.headers, [line()], 'short');
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toMatch(/8 to 100 characters/);
  });

  it('a product the catalog does not know is NOT_FOUND, naming its id', async () => {
    const unknown = randomUUID();
    const response = await place(routerUrl, ada.headers, [line(), line(unknown)]);
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.body.errors?.[0]?.message).toBe(`No product has id ${unknown}.`);
  });

  it('staff may not place orders (FORBIDDEN); an anonymous caller must sign in', async () => {
    expect(errorCodes(await place(routerUrl, staff.headers, [line()]))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await place(routerUrl, {}, [line()]))).toEqual(['UNAUTHENTICATED']);
  });

  it('five identical requests at the same moment make one order; the same key with other items is CONFLICT', async () => {
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => place(routerUrl, buyer.headers, [line()], key)),
    );
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const ids = new Set(responses.map((response) => response.body.data!.placeOrder.id));
    expect(ids.size).toBe(1);
    const orders = connectDb(env.ORDERS_DATABASE_URL!);
    try {
      expect(await orders.order.count({ where: { customerId: buyer.userId, idempotencyKey: key } })).toBe(1);
      const [id] = [...ids];
      expect(await orders.outboxEvent.count({ where: { aggregateId: id, type: 'orders.order.placed' } })).toBe(1);
    } finally {
      await orders.$disconnect();
    }
    const other = await place(routerUrl, buyer.headers, [line(seeded.id, 2)], key);
    expect(errorCodes(other)).toEqual(['CONFLICT']);
    expect(other.body.errors?.[0]?.message).toMatch(/already used for an order with other items/);
    // Keys are per customer: another customer's order with the same key is their own.
    const others = await place(routerUrl, otherBuyer.headers, [line()], key);
    expect(others.body.errors).toBeUndefined();
    expect(others.body.data?.placeOrder.id).not.toBe([...ids][0]);
  });

  it('prices each line at the catalog’s price in orders’ copy, also right after staff change it; an archived product is no longer sold', async () => {
    const sku = `ORDER-${randomUUID().slice(0, 8).toUpperCase()}`;
    const created = await graphql<{ createProduct: { id: string } }>(
      routerUrl,
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku, name: `Priced ${sku}`, priceCents: 1000, currency: 'EUR' } },
      staff.headers,
    );
    const id = created.body.data!.createProduct.id;
    const orders = connectDb(env.ORDERS_DATABASE_URL!);
    const copyOf = () => orders.catalogProduct.findUnique({ where: { productId: id } });
    try {
      await waitFor('the product in orders’ copy', async () => (await copyOf()) !== null, 20_000);
      const reprice = await graphql(
        routerUrl,
        'mutation($id: ID!) { changeProductPrice(id: $id, priceCents: 1234) { priceCents } }',
        { id },
        staff.headers,
      );
      expect(reprice.body.errors).toBeUndefined();
      await waitFor('the new price in orders’ copy', async () => (await copyOf())?.priceCents === 1234, 20_000);

      const response = await place(routerUrl, buyer.headers, [line(id, 3)]);
      expect(response.body.errors).toBeUndefined();
      const order = response.body.data!.placeOrder;
      expect(order.status).toBe('PENDING');
      expect(order.timeline.map((entry) => entry.step)).toEqual(['PLACED']);
      expect(order.items).toEqual([{ quantity: 3, unitPriceCents: 1234, product: { id } }]);
      expect(order.totalCents).toBe(3 * 1234);

      await graphql(routerUrl, 'mutation($id: ID!) { archiveProduct(id: $id) { active } }', { id }, staff.headers);
      await waitFor('the archive in orders’ copy', async () => (await copyOf())?.onSale === false, 20_000);
      const archived = await place(routerUrl, buyer.headers, [line(id)]);
      expect(errorCodes(archived)).toEqual(['BAD_USER_INPUT']);
      expect(archived.body.errors?.[0]?.message).toBe(`Priced ${sku} (${id}) is no longer sold.`);
    } finally {
      await orders.$disconnect();
    }
  });
});

/** An orders unit of the test's own: fixture database, queues under its own prefix, a router in front. */
async function startOwnOrders(settings: Record<string, string>) {
  const fixture = await createFixtureDatabase('orders');
  const prefix = `${process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_'}own-orders-${randomUUID().slice(0, 8)}`;
  const config = readConfig({
    ...env,
    ORDERS_DATABASE_URL: fixture.url,
    ORDERS_PORT: '0',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ...settings,
  });
  const db = connectDb(fixture.url);
  const unit = await runUnit(ordersUnit(config, db), { ...inProcessApi, role: 'all' });
  const router = await startTestRouter(env, { ORDERS_URL: unit.url });
  const queue = new Queue(eventQueueName('orders'), { connection: redisConnection(env.REDIS_URL!), prefix });
  return {
    router: router as RunningRouter,
    queue,
    /** Adds an event to orders' queue as the relay would, and waits until orders has applied it. */
    async deliver(event: CommerceEvent) {
      await queue.add(event.type, event, eventJobOptions(event.id));
      await waitFor(`${event.type} applied`, async () => (await queue.getJobState(event.id)) === 'completed', 30_000);
    },
    async close() {
      await router.close();
      await unit.close();
      await db.$disconnect();
      const connection = redisConnection(env.REDIS_URL!);
      for (const unitName of ['orders', 'inventory', 'payments', 'notifications'] as const) {
        const other = new Queue(eventQueueName(unitName), { connection, prefix });
        await other.obliterate({ force: true }).finally(() => other.close());
      }
      await queue.close();
      await fixture.drop();
    },
  };
}
type OwnOrders = Awaited<ReturnType<typeof startOwnOrders>>;

async function orderView(own: OwnOrders, id: string, headers: Headers): Promise<OrderView> {
  const response = await graphql<{ order: OrderView }>(own.router.url, ORDER, { id }, headers);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.order;
}

describe('after the order is placed: cancel, pay, refund (an orders of the test’s own)', () => {
  let own: OwnOrders;
  const product = productCreatedEvent();
  beforeAll(async () => {
    own = await startOwnOrders({});
    await own.deliver(product);
  });
  afterAll(async () => {
    await own?.close();
  });
  const placeHere = async () => {
    const response = await place(own.router.url, ada.headers, [line(product.data.productId, 2)]);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.placeOrder;
  };

  it('the customer cancels a pending order: CANCELLED, and again returns it; not someone else, not staff', async () => {
    const order = await placeHere();
    expect(errorCodes(await graphql(own.router.url, CANCEL, { id: order.id }, grace.headers))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graphql(own.router.url, CANCEL, { id: order.id }, staff.headers))).toEqual(['FORBIDDEN']);
    const first = await graphql<{ cancelOrder: OrderView }>(own.router.url, CANCEL, { id: order.id }, ada.headers);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.cancelOrder.status).toBe('CANCELLED');
    expect(first.body.data!.cancelOrder.timeline).toEqual([
      { step: 'PLACED', detail: 'Order placed; reserving stock.' },
      { step: 'CANCELLED', detail: 'Cancelled by the customer.' },
    ]);
    const again = await graphql<{ cancelOrder: OrderView }>(own.router.url, CANCEL, { id: order.id }, ada.headers);
    expect(again.body.data!.cancelOrder).toEqual(first.body.data!.cancelOrder);
    expect(errorCodes(await graphql(own.router.url, CANCEL, { id: randomUUID() }, ada.headers))).toEqual(['NOT_FOUND']);
  });

  it('reserved, then paid: CONFIRMED; the customer can no longer cancel; only staff refund, once at a time, until REFUNDED', async () => {
    const order = await placeHere();
    await own.deliver(
      stockReserved.create({ orderId: order.id, items: [{ productId: product.data.productId, quantity: 2 }] }),
    );
    expect((await orderView(own, order.id, ada.headers)).status).toBe('AWAITING_PAYMENT');
    await own.deliver(
      paymentCaptured.create({
        orderId: order.id,
        paymentId: randomUUID(),
        amountCents: order.totalCents,
        currency: 'EUR',
        providerReference: 'ch_e2e',
      }),
    );
    const confirmed = await orderView(own, order.id, ada.headers);
    expect(confirmed.status).toBe('CONFIRMED');
    expect(confirmed.timeline.map((entry) => entry.step)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_CAPTURED']);

    const cancel = await graphql(own.router.url, CANCEL, { id: order.id }, ada.headers);
    expect(errorCodes(cancel)).toEqual(['CONFLICT']);
    expect(cancel.body.errors?.[0]?.message).toBe('This order is paid already: ask staff for a refund.');

    const reason = 'Parcel lost by the carrier';
    expect(errorCodes(await graphql(own.router.url, REFUND, { id: order.id, reason }, ada.headers))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await graphql(own.router.url, REFUND, { id: order.id, reason }))).toEqual(['UNAUTHENTICATED']);
    const refund = await graphql<{ refundOrder: OrderView }>(
      own.router.url,
      REFUND,
      { id: order.id, reason },
      staff.headers,
    );
    expect(refund.body.errors).toBeUndefined();
    expect(refund.body.data!.refundOrder).toMatchObject({ status: 'CONFIRMED', refundPending: true });
    expect(refund.body.data!.refundOrder.timeline.at(-1)).toEqual({
      step: 'REFUND_REQUESTED',
      detail: `Refund requested by staff member ${staff.userId}: ${reason}`,
    });
    const twice = await graphql(own.router.url, REFUND, { id: order.id, reason }, staff.headers);
    expect(errorCodes(twice)).toEqual(['CONFLICT']);
    expect(twice.body.errors?.[0]?.message).toMatch(/pending already/);

    await own.deliver(
      paymentRefunded.create({
        orderId: order.id,
        paymentId: randomUUID(),
        refundId: randomUUID(),
        amountCents: order.totalCents,
      }),
    );
    const refunded = await orderView(own, order.id, staff.headers);
    expect(refunded).toMatchObject({ status: 'REFUNDED', refundPending: false });
    expect(refunded.timeline.at(-1)?.step).toBe('REFUNDED');
  });

  it('staff refunding an order that was never paid: CONFLICT saying why', async () => {
    const order = await placeHere();
    const response = await graphql(own.router.url, REFUND, { id: order.id, reason: 'why not' }, staff.headers);
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /Only a paid \(CONFIRMED\) order can be refunded; this one is PENDING/,
    );
  });
});

describe('a durable timeout (an orders of the test’s own, reservation timeout 3 s)', () => {
  let own: OwnOrders;
  const product = productCreatedEvent();
  beforeAll(async () => {
    own = await startOwnOrders({ ORDER_RESERVATION_TIMEOUT_MS: '3000' });
    await own.deliver(product);
  });
  afterAll(async () => {
    await own?.close();
  });

  it('an order whose reservation never comes: the deadline waits in BullMQ as a delayed job, then the order is CANCELLED (RESERVATION_TIMED_OUT)', async () => {
    const response = await place(own.router.url, ada.headers, [line(product.data.productId)]);
    expect(response.body.errors).toBeUndefined();
    const { id } = response.body.data!.placeOrder;
    const timerOf = async () =>
      (await own.queue.getJobs(['delayed', 'waiting', 'active', 'completed'])).find(
        (job) => job.name === 'orders.order.step-deadline' && job.data?.data?.orderId === id,
      );
    // The relay handed the timer to BullMQ with the delay until it is due: it lives in Redis, not in a process.
    const timer = await waitFor('the deadline in orders’ queue', timerOf, 30_000);
    expect(timer.opts.delay).toBeGreaterThan(0);
    expect(timer.data.data).toMatchObject({ step: 'RESERVATION' });

    const cancelled = await waitFor(
      'the order timed out',
      async () => {
        const order = await orderView(own, id, ada.headers);
        return order.status === 'CANCELLED' && order;
      },
      60_000,
    );
    expect(cancelled.timeline.map((entry) => entry.step)).toEqual(['PLACED', 'RESERVATION_TIMED_OUT']);
    expect(cancelled.timeline[1]?.detail).toBe('No answer about the stock within 3 s; cancelled.');
  }, 90_000);
});
