import { randomUUID } from 'node:crypto';
import { orderCancelled, orderPaymentRequested, orderRefundRequested } from '@commerce/events';
import { createSqlPool, type SqlPool } from '@commerce/service-kit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type Charge, type PaymentProvider, startPaymentProvider } from '../../../scripts/sandbox/payment-provider.ts';
import { startEventDelivery } from '../../../tests/support/event-delivery.ts';
import type { ProviderSettings } from './config.ts';
import { connectDb, type Db } from './db.ts';
import type { ChargeResult } from './domain/payment.ts';
import { chargeKey } from './domain/provider-rules.ts';
import { paymentsEventHandlers } from './event-handlers.ts';
import { createProviderClient } from './provider.ts';
import { openPayment } from './repository.ts';
import { chargeOrder } from './use-cases/charge-order.ts';

// payments' consumers in the test's process, over its test database, against a payment provider
// sandbox of this file's own (a real HTTP server on a free port, whose failure modes the tests
// switch). Each test starts its own client, so it starts with a closed circuit. The handlers run
// on a pg pool as in the unit (its SQL path); the tests look at the outcome through Prisma.
const env = inject('env');
let db: Db;
let sql: SqlPool;
let sandbox: PaymentProvider;
/** Every POST the sandbox received, with the status it answered. */
let requests: { path: string; key: string; status: number }[] = [];
let running: { stop(): Promise<void> } | undefined;
const staffId = randomUUID();

beforeAll(async () => {
  db = connectDb(env.PAYMENTS_DATABASE_URL!);
  sql = createSqlPool(env.PAYMENTS_DATABASE_URL!, { max: 8 });
  sandbox = await startPaymentProvider({ port: 0 });
  sandbox.server.on('request', (req, res) => {
    if (req.method !== 'POST' || req.url === '/control') return;
    res.once('finish', () =>
      requests.push({ path: req.url!, key: String(req.headers['idempotency-key']), status: res.statusCode }),
    );
  });
});
beforeEach(async () => {
  await control({ mode: 'ok', latencyMs: 0, errorRate: 0 }); // also lets go of requests held while down
  requests = [];
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(async () => {
  await sandbox?.close();
  await sql?.close();
  await db?.$disconnect();
});

async function startPayments(overrides: Partial<ProviderSettings> = {}) {
  const provider = createProviderClient({
    url: sandbox.url,
    timeoutMs: 1000,
    attempts: 4,
    backoff: { baseMs: 20, maxMs: 200 },
    breakerFailures: 3,
    breakerHalfOpenAfterMs: 1000,
    ...overrides,
  });
  const delivery = await startEventDelivery({
    unit: 'payments',
    store: sql,
    handlers: paymentsEventHandlers({ sql, provider }),
    redisUrl: env.REDIS_URL!,
  });
  running = delivery;
  return { provider, delivery };
}

async function control(body: Record<string, unknown>) {
  const response = await fetch(`${sandbox.url}/control`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

/** What the provider itself says it charged for an order (its GET /charges?reference=). */
async function chargesAtProvider(orderId: string): Promise<Charge[]> {
  return (await fetch(`${sandbox.url}/charges?reference=${orderId}`)).json() as Promise<Charge[]>;
}
async function refundsAtProvider(chargeId: string): Promise<{ chargeId: string; amountCents: number }[]> {
  const all = (await (await fetch(`${sandbox.url}/refunds`)).json()) as { chargeId: string; amountCents: number }[];
  return all.filter((refund) => refund.chargeId === chargeId);
}

const newOrder = () => ({ orderId: randomUUID(), customerId: randomUUID(), amountCents: 2599, currency: 'EUR' });
type Order = ReturnType<typeof newOrder>;
const paymentRequested = (order: Order) => orderPaymentRequested.create(order);
const cancelled = (order: Order) =>
  orderCancelled.create({
    orderId: order.orderId,
    customerId: order.customerId,
    items: [{ productId: randomUUID(), quantity: 1, unitPriceCents: order.amountCents }],
    cause: 'CUSTOMER',
    reason: 'Changed my mind.',
  });
const refundRequested = (order: Order) =>
  orderRefundRequested.create({ ...order, reason: 'Arrived broken.', requestedBy: staffId });

async function emitted(orderId: string) {
  const rows = await db.outboxEvent.findMany({ where: { aggregateId: orderId }, orderBy: { position: 'asc' } });
  return rows.map((row) => ({ type: row.type, data: (row.envelope as { data: Record<string, unknown> }).data }));
}
const payment = (orderId: string) => db.payment.findUniqueOrThrow({ where: { orderId }, include: { refunds: true } });

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('charging an order', () => {
  it('captures the total once and tells orders; the request heard again, or again as a new event, charges nothing more', async () => {
    const { delivery } = await startPayments();
    const order = newOrder();
    const event = paymentRequested(order);
    expect(await delivery.deliver(event)).toBe('completed');

    const [charge, ...more] = await chargesAtProvider(order.orderId);
    expect(more).toEqual([]);
    expect(charge).toMatchObject({ status: 'captured', amountCents: 2599, currency: 'EUR' });
    expect(await payment(order.orderId)).toMatchObject({
      status: 'CAPTURED',
      providerReference: charge!.id,
      attempts: 1,
      idempotencyKey: chargeKey(order.orderId),
    });

    await delivery.deliver(event); // redelivered
    await delivery.deliver(paymentRequested(order)); // asked again (another event id)
    expect(await chargesAtProvider(order.orderId)).toHaveLength(1);
    expect(requests.filter((r) => r.path === '/charges')).toHaveLength(1);
    const events = await emitted(order.orderId);
    expect(events).toEqual([
      {
        type: 'payments.payment.captured',
        data: expect.objectContaining({ orderId: order.orderId, amountCents: 2599, providerReference: charge!.id }),
      },
    ]);
  });

  it('a charge run again after a crash before its record, by two processes at once, takes the money once', async () => {
    const order = newOrder();
    const event = paymentRequested(order);
    // Two payments processes (two clients, two breakers) run the outside half of the same job.
    const clients = [0, 1].map(() =>
      createProviderClient({
        url: sandbox.url,
        timeoutMs: 2000,
        attempts: 3,
        backoff: { baseMs: 20, maxMs: 100 },
        breakerFailures: 3,
        breakerHalfOpenAfterMs: 1000,
      }),
    );
    const signal = new AbortController().signal;
    const results = await Promise.all(clients.map((provider) => chargeOrder({ sql, provider }).outside(event, signal)));
    expect(results.map((r) => (r as ChargeResult).kind)).toEqual(['captured', 'captured']);

    // …then the job that did not commit runs in full.
    const { delivery } = await startPayments();
    await delivery.deliver(event);
    const charges = await chargesAtProvider(order.orderId);
    expect(charges).toHaveLength(1);
    expect(new Set(requests.filter((r) => r.path === '/charges').map((r) => r.key))).toEqual(
      new Set([chargeKey(order.orderId)]),
    );
    expect(await payment(order.orderId)).toMatchObject({ status: 'CAPTURED', providerReference: charges[0]!.id });
    expect((await emitted(order.orderId)).map((e) => e.type)).toEqual(['payments.payment.captured']);
  });

  it('a declined card: FAILED, payment.failed says declined, and the provider is asked only once', async () => {
    const { delivery } = await startPayments();
    await control({ mode: 'decline' });
    const order = newOrder();
    expect(await delivery.deliver(paymentRequested(order))).toBe('completed');

    expect(requests.filter((r) => r.path === '/charges')).toEqual([
      { path: '/charges', key: chargeKey(order.orderId), status: 402 },
    ]);
    expect(await payment(order.orderId)).toMatchObject({ status: 'FAILED', attempts: 1, providerReference: null });
    expect(await emitted(order.orderId)).toEqual([
      {
        type: 'payments.payment.failed',
        data: expect.objectContaining({ declined: true, reason: expect.stringContaining('declined') }),
      },
    ]);
  });

  it('the provider failing twice (5xx), then answering: retried, captured once', async () => {
    const { delivery } = await startPayments();
    sandbox.control.mode = 'error';
    sandbox.server.on('request', function recover(req) {
      if (req.url !== '/charges') return;
      if (requests.filter((r) => r.path === '/charges').length >= 2) {
        sandbox.control.mode = 'ok'; // the third request is answered
        sandbox.server.off('request', recover);
      }
    });
    const order = newOrder();
    await delivery.deliver(paymentRequested(order));

    expect(requests.filter((r) => r.path === '/charges').map((r) => r.status)).toEqual([500, 500, 201]);
    expect(await chargesAtProvider(order.orderId)).toHaveLength(1);
    expect(await payment(order.orderId)).toMatchObject({ status: 'CAPTURED', attempts: 3 });
  });

  it('half of all requests failing (errorRate 0.5): every failure retried, every order captured exactly once', async () => {
    // Generous tries: with one request in two failing, a run of failures is common.
    const { delivery } = await startPayments({ attempts: 12, breakerFailures: 6, breakerHalfOpenAfterMs: 300 });
    await control({ mode: 'ok', errorRate: 0.5 });
    const orders = Array.from({ length: 8 }, newOrder);
    expect(await Promise.all(orders.map((order) => delivery.deliver(paymentRequested(order))))).toEqual(
      orders.map(() => 'completed'),
    );

    const charges = requests.filter((r) => r.path === '/charges');
    const failed = charges.filter((r) => r.status === 500).length;
    expect(charges.length).toBe(orders.length + failed); // each failure retried once, nothing more
    for (const order of orders) {
      expect(await chargesAtProvider(order.orderId)).toHaveLength(1);
      expect((await payment(order.orderId)).status).toBe('CAPTURED');
      expect((await emitted(order.orderId)).map((e) => e.type)).toEqual(['payments.payment.captured']);
    }
  });

  it('the provider answering in 2 s stays within the timeout: captured at the first request', async () => {
    const { delivery } = await startPayments({ timeoutMs: 5000 });
    await control({ latencyMs: 2000 });
    const order = newOrder();
    await delivery.deliver(paymentRequested(order));
    expect(requests.filter((r) => r.path === '/charges').map((r) => r.status)).toEqual([201]);
    expect(await payment(order.orderId)).toMatchObject({ status: 'CAPTURED', attempts: 1 });
  });
});

describe('the provider down', () => {
  it('the circuit opens, the charges wait (none fails), then all complete, each captured once, and the circuit closes', async () => {
    // One failure opens the circuit, and a call gives up after two failures with the circuit
    // closed: a charge that lives through ten seconds of failing trials has waited, not retried.
    const { delivery, provider } = await startPayments({ breakerFailures: 1, attempts: 2 });
    await control({ mode: 'down' });
    const orders = Array.from({ length: 6 }, newOrder);
    const delivered = Promise.all(orders.map((order) => delivery.deliver(paymentRequested(order))));

    await until('the circuit opened', async () => provider.circuitState() === 'open');
    expect(provider.metrics()).toContain('payments_provider_circuit_state{unit="payments",state="open"} 1');
    // Down for about ten seconds: long enough for several trials of the half-open circuit to fail.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const meanwhile = await db.payment.findMany({ where: { orderId: { in: orders.map((o) => o.orderId) } } });
    expect(meanwhile.every((p) => p.status === 'PENDING')).toBe(true);
    expect(provider.metrics()).toMatch(/payments_provider_calls_waiting\{unit="payments"\} [1-9]/);

    await control({ mode: 'ok' });
    expect(await delivered).toEqual(orders.map(() => 'completed'));
    for (const order of orders) {
      expect(await chargesAtProvider(order.orderId)).toHaveLength(1);
      expect((await payment(order.orderId)).status).toBe('CAPTURED');
      expect((await emitted(order.orderId)).map((e) => e.type)).toEqual(['payments.payment.captured']);
    }
    expect(provider.circuitState()).toBe('closed');
    expect(provider.metrics()).toMatch(/payments_provider_circuit_opened_total\{unit="payments"\} [1-9]/);
  }, 90_000);

  it('failed trials of the half-open circuit do not use up a charge’s tries: it waits on, then captures', async () => {
    // Two tries with the circuit closed, and the first failure opens it: every later failure is a trial's.
    const { provider } = await startPayments({ breakerFailures: 1, attempts: 2, breakerHalfOpenAfterMs: 300 });
    await control({ mode: 'down' });
    const order = newOrder();
    const charging = chargeOrder({ sql, provider }).outside(paymentRequested(order), new AbortController().signal);
    // A third request sent: the first trial failed, and the charge went on waiting.
    await until('a second trial', async () => (await findAttempts(order.orderId)) >= 3);
    await control({ mode: 'ok' });
    expect(await charging).toMatchObject({ kind: 'captured' });
    expect(await chargesAtProvider(order.orderId)).toHaveLength(1);
  });

  it('a charge waiting for the open circuit gives up at once when its consumer stops (SIGTERM is not held up)', async () => {
    const { provider } = await startPayments({ breakerFailures: 1, breakerHalfOpenAfterMs: 60_000 });
    await control({ mode: 'down' });
    const stopping = new AbortController();
    const waiting = chargeOrder({ sql, provider }).outside(paymentRequested(newOrder()), stopping.signal);
    // One timeout opened the circuit for a minute: the charge now waits for it.
    await until('the charge waits', async () => provider.metrics().includes('calls_waiting{unit="payments"} 1'));
    expect(provider.circuitState()).toBe('open');
    stopping.abort(new Error('the consumer is stopping'));
    await expect(waiting).rejects.toThrow('the consumer is stopping');
  });
});

describe('an order cancelled', () => {
  it('before the charge request: a VOIDED tombstone, and the late request charges nothing', async () => {
    const { delivery } = await startPayments();
    const order = newOrder();
    await delivery.deliver(cancelled(order));
    expect(await payment(order.orderId)).toMatchObject({ status: 'VOIDED', attempts: 0 });

    expect(await delivery.deliver(paymentRequested(order))).toBe('completed');
    expect(await chargesAtProvider(order.orderId)).toEqual([]);
    expect(requests).toEqual([]);
    expect(await payment(order.orderId)).toMatchObject({ status: 'VOIDED', attempts: 0 });
    expect(await emitted(order.orderId)).toEqual([]);
  });

  it('after the capture: given back at the provider, REFUNDED, and orders hears payment.refunded', async () => {
    const { delivery } = await startPayments();
    const order = newOrder();
    await delivery.deliver(paymentRequested(order));
    const event = cancelled(order);
    await delivery.deliver(event);
    await delivery.deliver(event); // redelivered: nothing more

    const [charge] = await chargesAtProvider(order.orderId);
    expect(await refundsAtProvider(charge!.id)).toEqual([expect.objectContaining({ amountCents: 2599 })]);
    const after = await payment(order.orderId);
    expect(after).toMatchObject({ status: 'REFUNDED' });
    expect(after.refunds).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', requestedBy: null, amountCents: 2599 }),
    ]);
    expect((await emitted(order.orderId)).map((e) => e.type)).toEqual([
      'payments.payment.captured',
      'payments.payment.refunded',
    ]);
  });

  it('while its charge is out: the capture is given back at once; never captured for orders', async () => {
    const { delivery } = await startPayments({ timeoutMs: 10_000 });
    await control({ latencyMs: 3000 });
    const order = newOrder();
    const charging = delivery.deliver(paymentRequested(order));
    await until('the charge request went out', async () => (await findAttempts(order.orderId)) > 0);
    await delivery.deliver(cancelled(order));
    await charging;

    const charges = await chargesAtProvider(order.orderId);
    expect(charges).toHaveLength(1);
    expect(await refundsAtProvider(charges[0]!.id)).toHaveLength(1);
    expect(await payment(order.orderId)).toMatchObject({ status: 'REFUNDED', providerReference: charges[0]!.id });
    expect((await emitted(order.orderId)).map((e) => e.type)).toContain('payments.payment.refunded');
  });

  it('a payment that failed is left as it is', async () => {
    const { delivery } = await startPayments();
    await control({ mode: 'decline' });
    const order = newOrder();
    await delivery.deliver(paymentRequested(order));
    await delivery.deliver(cancelled(order));
    expect(await payment(order.orderId)).toMatchObject({ status: 'FAILED', refunds: [] });
    expect(requests.filter((r) => r.path === '/refunds')).toEqual([]);
  });
});

async function findAttempts(orderId: string): Promise<number> {
  return (await db.payment.findUnique({ where: { orderId } }))?.attempts ?? 0;
}

describe('a staff refund', () => {
  it('gives the whole payment back once, recorded with the reason and who asked', async () => {
    const { delivery } = await startPayments();
    const order = newOrder();
    await delivery.deliver(paymentRequested(order));
    const event = refundRequested(order);
    await delivery.deliver(event);
    await delivery.deliver(event); // redelivered
    await delivery.deliver(refundRequested(order)); // asked twice

    const [charge] = await chargesAtProvider(order.orderId);
    expect(await refundsAtProvider(charge!.id)).toHaveLength(1);
    const after = await payment(order.orderId);
    expect(after.status).toBe('REFUNDED');
    expect(after.refunds).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', reason: 'Arrived broken.', requestedBy: staffId }),
    ]);
    expect(await emitted(order.orderId)).toEqual([
      expect.objectContaining({ type: 'payments.payment.captured' }),
      {
        type: 'payments.payment.refunded',
        data: expect.objectContaining({ refundId: after.refunds[0]!.id, amountCents: 2599 }),
      },
    ]);
  });

  it('refused by the provider: a FAILED refund, refund.failed for orders, the money still taken', async () => {
    const { delivery } = await startPayments();
    const order = newOrder();
    // A capture the provider does not know (e.g. made before the sandbox restarted): it refuses.
    await db.payment.create({
      data: {
        ...order,
        status: 'CAPTURED',
        providerReference: `ch_${randomUUID()}`,
        attempts: 1,
        idempotencyKey: chargeKey(order.orderId),
      },
    });
    await delivery.deliver(refundRequested(order));

    expect(requests.filter((r) => r.path === '/refunds').map((r) => r.status)).toEqual([404]);
    const after = await payment(order.orderId);
    expect(after.status).toBe('CAPTURED');
    expect(after.refunds).toEqual([expect.objectContaining({ status: 'FAILED', requestedBy: staffId })]);
    expect(await emitted(order.orderId)).toEqual([
      {
        type: 'payments.refund.failed',
        data: expect.objectContaining({ refundId: after.refunds[0]!.id, reason: expect.stringContaining('charge') }),
      },
    ]);
  });
});

describe('the SQL path', () => {
  it('reads a payment as Prisma does: the same fields and values, its timestamps in UTC', async () => {
    const order = newOrder();
    const opened = await openPayment(sql, order);
    expect(opened).toEqual(await db.payment.findUniqueOrThrow({ where: { orderId: order.orderId } }));
    expect(opened).toMatchObject({ status: 'PENDING', attempts: 0, amountCents: 2599, currency: 'EUR' });
  });
});

describe('the running system', () => {
  it("payments' /metrics shows the breaker's state", async () => {
    const text = await (await fetch(`http://127.0.0.1:${env.PAYMENTS_PORT}/metrics`)).text();
    expect(text).toMatch(/payments_provider_circuit_state\{unit="payments",state="closed"\} [01]/);
    expect(text).toContain('payments_provider_requests_total{unit="payments",outcome="declined"}');
    expect(text).toContain('unit_queue_jobs'); // the kit's own series are still there
  });
});
