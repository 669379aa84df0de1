import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderReference } from '../../subgraphs/notifications/src/domain/order-outcome.ts';
import { waitFor } from '../messaging/support.ts';
import { graphql } from '../support/graphql.ts';
import { liveClient } from '../support/live.ts';
import { type SagaWorld, startSagaWorld } from './world.ts';

// The order saga on real processes: a system of its own (its own Postgres databases, a private
// Redis, the payment provider and mail sink sandboxes, every unit and the router), so this file
// may switch the provider's failure modes, kill units and restart Redis without disturbing any
// other test. First the journeys a customer and staff see through the router, then the faults
// (issue 9, "Fault tests"): each fault case ends with the same check: every order final, stock =
// start − confirmed quantities with nothing left reserved, one capture at the provider per
// confirmed order and none for any other order.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: SagaWorld;
beforeAll(async () => {
  // The payment step may take 30 s before it is timed out: longer than the provider's 10 s outage below.
  world = await startSagaWorld('saga', { ORDER_PAYMENT_TIMEOUT_MS: '30000' });
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

const ORDER = `query($id: ID!) { order(id: $id) {
  status totalCents currency refundPending
  items { quantity unitPriceCents product { name } }
  payment { status amountCents refunds { status amountCents } }
  timeline { step detail }
} }`;
type OrderView = {
  status: string;
  totalCents: number;
  refundPending: boolean;
  items: Array<{ quantity: number; unitPriceCents: number; product: { name: string } }>;
  payment: { status: string; amountCents: number; refunds: Array<{ status: string }> } | null;
  timeline: Array<{ step: string; detail: string }>;
};

describe("an order's journey through the router", { timeout: 180_000 }, () => {
  const view = async (id: string, as = world.headers.ada) => {
    const response = await graphql<{ order: OrderView }>(world.routerUrl, ORDER, { id }, as);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.order;
  };
  const until = (id: string, status: string) =>
    waitFor(
      `order ${id} ${status}`,
      async () => {
        const order = await view(id);
        return (
          order.status === status && (order.payment?.status !== 'PENDING' || status === 'AWAITING_PAYMENT') && order
        );
      },
      60_000,
    );
  const stockOf = async (productId: string) => {
    const response = await graphql<{ product: { stock: { onHand: number; available: number; reserved: number } } }>(
      world.routerUrl,
      'query($id: ID!) { product(id: $id) { stock { onHand available reserved } } }',
      { id: productId },
    );
    return response.body.data!.product.stock;
  };
  const mailTo = async (email: string, orderId: string) => {
    const messages = (await (await fetch(`${world.env.MAIL_SINK_URL}/messages`)).json()) as Array<{
      to: string;
      subject: string;
      messageId: string;
    }>;
    return messages.filter((m) => m.to.includes(email) && m.subject.includes(orderReference(orderId)));
  };

  it('placed by the seeded customer: CONFIRMED at the catalog’s current price, paid once, stock down, told in the app and by e-mail, every step on the timeline', async () => {
    await world.provider({ mode: 'ok', latencyMs: 20, errorRate: 0 });
    const productId = await world.product(10, 1500);
    const repriced = await graphql(
      world.routerUrl,
      'mutation($id: ID!) { changeProductPrice(id: $id, priceCents: 1234) { priceCents } }',
      { id: productId },
      world.headers.staff,
    );
    expect(repriced.body.errors).toBeUndefined();
    // The new price reaches orders' copy through catalog's event: an order placed after it pays it.
    await waitFor('the new price in orders’ copy', async () => {
      const { rows } = await world
        .sql('orders')
        .query('SELECT price_cents FROM catalog_products WHERE product_id = $1', [productId]);
      return rows[0]?.price_cents === 1234;
    });
    const placed = await world.placeOrder([{ productId, quantity: 2 }]);
    expect(placed.body.errors).toBeUndefined();
    expect(placed.body.data!.placeOrder.status).toBe('PENDING');
    const id = placed.body.data!.placeOrder.id;

    const order = await until(id, 'CONFIRMED');
    expect(order).toMatchObject({ totalCents: 2468, items: [{ quantity: 2, unitPriceCents: 1234 }] });
    expect(order.payment).toMatchObject({ status: 'CAPTURED', amountCents: 2468 });
    expect(order.timeline.map((entry) => entry.step)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_CAPTURED']);
    await waitFor('stock committed', async () => {
      const stock = await stockOf(productId);
      return stock.onHand === 8 && stock.reserved === 0 && stock;
    });
    // notifications tells the outcome on its own time (after the e-mail went out): wait for it.
    const told = { kind: 'ORDER_CONFIRMED', title: `Order ${orderReference(id)} is confirmed` };
    await waitFor('the ORDER_CONFIRMED notification', async () => {
      const notifications = await graphql<{
        me: { notifications: { edges: Array<{ node: { kind: string; title: string } }> } };
      }>(
        world.routerUrl,
        '{ me { notifications(first: 20) { edges { node { kind title } } } } }',
        {},
        world.headers.ada,
      );
      const nodes = notifications.body.data!.me.notifications.edges.map((edge) => edge.node);
      return nodes.some((node) => node.kind === told.kind && node.title === told.title);
    });
    const mails = await waitFor('the e-mail in the sink', async () => {
      const found = await mailTo('ada@example.com', id);
      return found.length > 0 && found;
    });
    expect(mails.map((mail) => mail.subject)).toEqual([`Order ${orderReference(id)} is confirmed`]);
    expect((await world.charges()).filter((charge) => charge.reference === id)).toHaveLength(1);
  });

  it('with the provider declining: CANCELLED, the payment FAILED, the reservation released, nothing captured', async () => {
    await world.provider({ mode: 'decline', latencyMs: 0, errorRate: 0 });
    try {
      const productId = await world.product(5);
      const placed = await world.placeOrder([{ productId, quantity: 3 }]);
      const id = placed.body.data!.placeOrder.id;
      const order = await until(id, 'CANCELLED');
      expect(order.payment?.status).toBe('FAILED');
      expect(order.timeline.map((entry) => entry.step)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_FAILED']);
      await waitFor('stock released', async () => {
        const stock = await stockOf(productId);
        return stock.available === 5 && stock.reserved === 0 && stock.onHand === 5;
      });
      expect((await world.charges()).filter((c) => c.reference === id && c.status === 'captured')).toEqual([]);
      await waitFor('the cancellation e-mail', async () => (await mailTo('ada@example.com', id)).length === 1);
    } finally {
      await world.provider({ mode: 'ok' });
    }
  });

  it('the customer cancels while the payment waits on a provider that is down: CANCELLED, stock back, and nothing is ever charged', async () => {
    await world.provider({ mode: 'down', latencyMs: 0, errorRate: 0 });
    const productId = await world.product(5);
    const id = (await world.placeOrder([{ productId, quantity: 1 }])).body.data!.placeOrder.id;
    await until(id, 'AWAITING_PAYMENT');
    const cancelled = await graphql<{ cancelOrder: { status: string } }>(
      world.routerUrl,
      'mutation($id: ID!) { cancelOrder(id: $id) { status } }',
      { id },
      world.headers.ada,
    );
    expect(cancelled.body.data?.cancelOrder.status).toBe('CANCELLED');
    await waitFor('the payment voided', async () => (await view(id)).payment?.status === 'VOIDED');
    await world.provider({ mode: 'ok' });
    await waitFor('stock released', async () => (await stockOf(productId)).reserved === 0);
    await sleep(2000); // a charge that was waiting on the provider would have gone through by now
    expect((await world.charges()).filter((c) => c.reference === id)).toEqual([]);
    expect((await view(id)).status).toBe('CANCELLED');
  });

  it('staff refund a CONFIRMED order: REFUNDED, the money given back at the provider, the goods back in stock', async () => {
    await world.provider({ mode: 'ok', latencyMs: 0, errorRate: 0 });
    const productId = await world.product(4);
    const id = (await world.placeOrder([{ productId, quantity: 2 }])).body.data!.placeOrder.id;
    await until(id, 'CONFIRMED');
    await waitFor('stock committed', async () => (await stockOf(productId)).onHand === 2);
    const refund = await graphql<{ refundOrder: { status: string; refundPending: boolean } }>(
      world.routerUrl,
      'mutation($id: ID!) { refundOrder(id: $id, reason: "arrived broken") { status refundPending } }',
      { id },
      world.headers.staff,
    );
    expect(refund.body.data?.refundOrder).toEqual({ status: 'CONFIRMED', refundPending: true });
    const order = await until(id, 'REFUNDED');
    expect(order.payment).toMatchObject({ status: 'REFUNDED', refunds: [{ status: 'SUCCEEDED' }] });
    await waitFor('stock returned', async () => (await stockOf(productId)).onHand === 4);
    const charge = (await world.charges()).find((c) => c.reference === id)!;
    expect((await world.refunds()).filter((r) => r.chargeId === charge.id)).toHaveLength(1);
  });

  it('a payment with no answer within its time is timed out by a durable timer and compensated', async () => {
    await world.provider({ mode: 'down', latencyMs: 0, errorRate: 0 });
    try {
      const productId = await world.product(3);
      const id = (await world.placeOrder([{ productId, quantity: 1 }])).body.data!.placeOrder.id;
      const order = await waitFor(
        'the payment step timed out',
        async () => {
          const seen = await view(id);
          return seen.status === 'CANCELLED' && seen;
        },
        120_000,
      );
      expect(order.timeline.map((entry) => entry.step)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_TIMED_OUT']);
      await waitFor('stock released', async () => (await stockOf(productId)).reserved === 0);
      await world.provider({ mode: 'ok' });
      await waitFor('the payment voided', async () => (await view(id)).payment?.status === 'VOIDED');
      expect((await world.charges()).filter((c) => c.reference === id)).toEqual([]);
    } finally {
      await world.provider({ mode: 'ok' });
    }
  });
});

describe('the order saga under faults', { timeout: 600_000 }, () => {
  /** Places `count` orders of one unit each, one every `everyMs`, calling `during(i)` before the i-th. */
  async function stream(productId: string, count: number, everyMs: number, during?: (i: number) => Promise<void>) {
    const placed: Array<{ id: string; quantity: number }> = [];
    for (let i = 0; i < count; i++) {
      await during?.(i);
      const response = await world.placeOrder([{ productId, quantity: 1 }]);
      expect(response.body.errors).toBeUndefined();
      placed.push({ id: response.body.data!.placeOrder.id, quantity: 1 });
      await sleep(everyMs);
    }
    return placed;
  }

  for (const unit of ['inventory', 'payments', 'orders', 'notifications'] as const) {
    it(`${unit}'s process killed with SIGKILL while orders are in flight, then restarted: every order confirmed once`, async () => {
      await world.provider({ mode: 'ok', latencyMs: 300, errorRate: 0 }); // charges are in flight when it dies
      const productId = await world.product(40);
      // Killed right after an order went in, with the earlier ones somewhere in their saga; down
      // for a second (orders' own API with it, when orders is the one killed), then started again.
      const orders = await stream(productId, 12, 80, async (i) => {
        if (i !== 6) return;
        await world.kill(unit);
        await sleep(1000);
        await world.start(unit);
      });
      const { statuses } = await world.expectConsistent(orders, productId, 40, expect);
      expect([...statuses.values()].every((status) => status === 'CONFIRMED')).toBe(true);
    });
  }

  it('Redis restarted while orders flow: none lost, none charged twice, and a subscriber hears each order once in order', async () => {
    await world.provider({ mode: 'ok', latencyMs: 50, errorRate: 0 });
    const productId = await world.product(40);
    // A client of the router's subscriptions, connected to the router throughout: the router's own
    // connections to Redis are the ones that drop, and its reading of the live stream resumes.
    const live = liveClient(world.routerUrl, world.headers.ada);
    const updates = live.subscribe('subscription { myOrderUpdates { cursor order { id status } } }');
    await waitFor('the subscription in place', async () => {
      const text = await (await fetch(world.routerUrl.replace(/\/graphql$/, '/metrics'))).text();
      return /^router_live_subscriptions [1-9]/m.test(text);
    });
    try {
      const orders = await stream(productId, 16, 60, async (i) => {
        if (i === 6) await world.redis.restart(1000);
      });
      const { statuses } = await world.expectConsistent(orders, productId, 40, expect);
      expect([...statuses.values()].every((status) => status === 'CONFIRMED')).toBe(true);

      const ids = new Set(orders.map((order) => order.id));
      const heard = () =>
        updates.results
          .map((result) => (result.data!.myOrderUpdates as { order: { id: string; status: string } }).order)
          .filter((order) => ids.has(order.id));
      await waitFor(
        'every CONFIRMED heard',
        async () => heard().filter((order) => order.status === 'CONFIRMED').length === ids.size,
        60_000,
      );
      await sleep(1000); // a duplicate would have come by now
      for (const id of ids) {
        expect(
          heard()
            .filter((order) => order.id === id)
            .map((order) => order.status),
        ).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
      }
      expect(updates.refused).toBeUndefined();
    } finally {
      await live.dispose();
    }
  });

  it('the provider down for 10 s: the circuit opens, charges wait, then every order completes once', async () => {
    await world.provider({ mode: 'down', latencyMs: 0, errorRate: 0 });
    const productId = await world.product(20);
    const orders = await stream(productId, 8, 50);
    const metrics = `http://127.0.0.1:${world.env.PAYMENTS_PORT}/metrics`;
    await waitFor(
      'the circuit to open',
      async () => /circuit_state\{[^}]*state="open"[^}]*\} 1/.test(await (await fetch(metrics)).text()),
      60_000,
    );
    await sleep(10_000);
    expect([...(await world.statuses(orders.map((o) => o.id))).values()].filter((s) => s === 'CANCELLED')).toEqual([]);
    await world.provider({ mode: 'ok' });
    const { statuses } = await world.expectConsistent(orders, productId, 20, expect);
    expect([...statuses.values()].every((status) => status === 'CONFIRMED')).toBe(true);
    await waitFor(
      'the circuit to close',
      async () => /circuit_state\{[^}]*state="closed"[^}]*\} 1/.test(await (await fetch(metrics)).text()),
      60_000,
    );
  });

  it('the provider answering in 2 s: reservations of other orders keep flowing while charges wait (bulkhead)', async () => {
    await world.provider({ mode: 'ok', latencyMs: 2000, errorRate: 0 });
    const productId = await world.product(60);
    const orders = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await world.placeOrder([{ productId, quantity: 1 }]);
        return { id: response.body.data!.placeOrder.id, quantity: 1 };
      }),
    );
    // Every order got past its reservation while some charges were still waiting on the provider.
    await waitFor(
      'every order reserved while payments are still pending',
      async () => {
        const statuses = [...(await world.statuses(orders.map((o) => o.id))).values()];
        return statuses.every((s) => s !== 'PENDING') && statuses.some((s) => s === 'AWAITING_PAYMENT');
      },
      60_000,
    );
    const { statuses } = await world.expectConsistent(orders, productId, 60, expect);
    expect([...statuses.values()].every((status) => status === 'CONFIRMED')).toBe(true);
  });

  it('50 orders at once for a product with 10 in stock: exactly 10 confirmed, 40 rejected', async () => {
    await world.provider({ mode: 'ok', latencyMs: 20, errorRate: 0 });
    const productId = await world.product(10);
    const orders = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const response = await world.placeOrder([{ productId, quantity: 1 }], {
          as: i % 2 ? world.headers.ada : world.headers.grace,
        });
        expect(response.body.errors).toBeUndefined();
        return { id: response.body.data!.placeOrder.id, quantity: 1 };
      }),
    );
    const { statuses } = await world.expectConsistent(orders, productId, 10, expect);
    const counts: Record<string, number> = {};
    for (const status of statuses.values()) counts[status] = (counts[status] ?? 0) + 1;
    expect(counts).toEqual({ CONFIRMED: 10, REJECTED: 40 });
  });

  it('the same order placed 5 times at once with one idempotency key: one order, one charge', async () => {
    await world.provider({ mode: 'ok', latencyMs: 20, errorRate: 0 });
    const productId = await world.product(10);
    const idempotencyKey = `same-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => world.placeOrder([{ productId, quantity: 2 }], { idempotencyKey })),
    );
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const ids = new Set(responses.map((response) => response.body.data!.placeOrder.id));
    expect(ids.size).toBe(1);
    const { statuses } = await world.expectConsistent([{ id: [...ids][0]!, quantity: 2 }], productId, 10, expect);
    expect([...statuses.values()]).toEqual(['CONFIRMED']);
  });
});
