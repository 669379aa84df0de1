import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../messaging/support.ts';
import { errorCodes, graphql } from '../support/graphql.ts';
import {
  type LiveClient,
  liveClient,
  newStockedProduct,
  restock,
  routerFigure,
  untilRefused,
  untilResults,
  untilSubscribed,
} from '../support/live.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInStaff } from '../support/sign-in.ts';

// Live order status through the router over graphql-ws, with the whole test system behind it: the
// saga runs for real (inventory, payments and its provider sandbox), the events reach the router
// through orders' live stream. The subscribers are on a router of this file's own (same
// subgraphs, same Redis), so the test can tell from its /metrics when a subscription is in place.
const env = inject('env');
type Headers = Record<string, string>;
let router: RunningRouter;
let staff: { headers: Headers };
let productId: string;
const clients: LiveClient[] = [];

const open = (params: Record<string, unknown>) => {
  const client = liveClient(router.url, params);
  clients.push(client);
  return client;
};

async function newCustomer() {
  const response = await graphql<{ register: { token: string; user: { id: string } } }>(
    router.url,
    'mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }',
    { input: { email: `live-${randomUUID()}@example.com`, name: 'Live Buyer', password: 'buyer-password' } },
  );
  expect(response.body.errors).toBeUndefined();
  const { token, user } = response.body.data!.register;
  return { userId: user.id, token, headers: { authorization: `Bearer ${token}` } };
}

/** Places an order of one unit of the test's product, once orders' copy of the catalog has it. */
async function placeOrder(headers: Headers): Promise<string> {
  return waitFor('placeOrder accepted', async () => {
    const response = await graphql<{ placeOrder: { id: string } }>(
      router.url,
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() } },
      headers,
    );
    if (errorCodes(response).includes('NOT_FOUND')) return undefined; // orders has not copied the product yet
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.placeOrder.id;
  });
}

const EVERY_SUBGRAPH = `subscription {
  myOrderUpdates {
    cursor
    order { id status customer { email } items { quantity product { name } } payment { status amountCents } }
  }
}`;

type OrderUpdate = {
  cursor: string;
  order: {
    id: string;
    status: string;
    customer: { email: string };
    items: Array<{ quantity: number; product: { name: string } }>;
    payment: { status: string; amountCents: number } | null;
  };
};
const updatesOf = (results: Array<{ data?: Record<string, unknown> | null }>, field = 'myOrderUpdates') =>
  results.map((result) => result.data?.[field] as OrderUpdate);

beforeAll(async () => {
  router = await startTestRouter(env, { RATE_LIMIT_OPS_PAGES: '100000' });
  staff = await signInStaff(router.url);
  productId = await newStockedProduct(router.url, env, staff.headers);
  await restock(router.url, staff.headers, productId, 100);
});

// Each test starts with no subscription on the router, so it can count its own.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await waitFor(
    'subscriptions released',
    async () => (await routerFigure(router.url, 'router_live_subscriptions')) === 0,
  );
});

afterAll(async () => {
  await router?.close();
});

describe('order updates over graphql-ws', { timeout: 90_000 }, () => {
  it('a customer following their orders gets PENDING, AWAITING_PAYMENT, then CONFIRMED, in order, with fields of orders, accounts, catalog and payments; another customer gets nothing of it', async () => {
    const [buyer, other] = [await newCustomer(), await newCustomer()];
    const mine = open({ authorization: `Bearer ${buyer.token}` }).subscribe(EVERY_SUBGRAPH);
    const theirs = open({ authorization: `Bearer ${other.token}` }).subscribe(EVERY_SUBGRAPH);
    await untilSubscribed(router.url, 2);

    const orderId = await placeOrder(buyer.headers);
    const updates = updatesOf(await untilResults(mine, 3, 'three updates of the order'));
    expect(updates.map((update) => update.order.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    const confirmed = updates[2]!;
    expect(confirmed.order).toMatchObject({
      id: orderId,
      customer: { email: expect.stringMatching(/^live-.*@example\.com$/) },
      items: [{ quantity: 1, product: { name: 'Live stock probe' } }],
      payment: { status: 'CAPTURED', amountCents: 1000 },
    });
    expect(new Set(updates.map((update) => update.cursor)).size).toBe(3);
    expect(mine.results.every((result) => result.errors === undefined)).toBe(true);
    expect(theirs.results).toEqual([]);
    expect(theirs.refused).toBeUndefined();
  });

  it('a client that drops after AWAITING_PAYMENT and resubscribes with its cursor gets CONFIRMED exactly once', async () => {
    const buyer = await newCustomer();
    const params = { authorization: `Bearer ${buyer.token}` };
    const first = open(params);
    const before = first.subscribe(EVERY_SUBGRAPH);
    await untilSubscribed(router.url, 1);
    await placeOrder(buyer.headers);
    const seen = await waitFor('AWAITING_PAYMENT', async () =>
      updatesOf(before.results).find((update) => update.order.status === 'AWAITING_PAYMENT'),
    );
    await first.dispose(); // gone: CONFIRMED may come while away

    const again = open(params).subscribe(
      'subscription($after: String) { myOrderUpdates(after: $after) { cursor order { status payment { status } } } }',
      { after: seen.cursor },
    );
    const [confirmed] = updatesOf(await untilResults(again, 1, 'the update missed'));
    expect(confirmed!.order).toEqual({ status: 'CONFIRMED', payment: { status: 'CAPTURED' } });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // anything else would have come by now
    expect(updatesOf(again.results).map((update) => update.order.status)).toEqual(['CONFIRMED']);
  });

  it('a cursor from before an order replays its whole history in order; a garbage cursor is BAD_USER_INPUT and an old one CURSOR_EXPIRED, naming the window', async () => {
    const buyer = await newCustomer();
    const params = { authorization: `Bearer ${buyer.token}` };
    const watcher = open(params).subscribe('subscription { myOrderUpdates { cursor order { status } } }');
    await untilSubscribed(router.url, 1);
    const orderId = await placeOrder(buyer.headers);
    const live = updatesOf(await untilResults(watcher, 3, 'the order confirmed'));

    const client = open(params);
    const replayed = client.subscribe(
      'subscription($id: ID!, $after: String) { orderUpdated(id: $id, after: $after) { cursor order { status } } }',
      { id: orderId, after: live[0]!.cursor },
    );
    const missed = updatesOf(await untilResults(replayed, 2), 'orderUpdated');
    expect(missed.map((update) => update.order.status)).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);
    expect(missed.map((update) => update.cursor)).toEqual(live.slice(1).map((update) => update.cursor));

    const garbage = client.subscribe('subscription { myOrderUpdates(after: "yesterday") { cursor } }');
    expect(await untilRefused(garbage)).toEqual(['BAD_USER_INPUT']);
    const old = client.subscribe(`subscription { myOrderUpdates(after: "${Date.now() - 2 * 3600_000}-0") { cursor } }`);
    expect(await untilRefused(old)).toEqual(['CURSOR_EXPIRED']);
    expect(old.refused![0]!.message).toMatch(/older than the 3600 s/);
    expect(old.refused![0]!.extensions).toMatchObject({ windowSeconds: 3600 });
  });

  it("aliases, fragments, variables and directives shape each update; following another customer's order is NOT_FOUND, as over HTTP", async () => {
    const [buyer, other] = [await newCustomer(), await newCustomer()];
    const client = open({ authorization: `Bearer ${buyer.token}` });
    const shaped = client.subscribe(
      `subscription Watch($withItems: Boolean!, $skipTotal: Boolean!) {
        update: myOrderUpdates { ...Shape }
      }
      fragment Shape on OrderUpdate {
        kind: __typename
        where: cursor
        o: order { state: status ... on Order { total: totalCents @skip(if: $skipTotal) lines: items @include(if: $withItems) { n: quantity } } }
      }`,
      { withItems: true, skipTotal: true },
    );
    await untilSubscribed(router.url, 1);
    const otherOrder = await placeOrder(other.headers);
    await placeOrder(buyer.headers);
    const [first] = await untilResults(shaped, 1);
    expect(first!.data).toEqual({
      update: { kind: 'OrderUpdate', where: expect.any(String), o: { state: 'PENDING', lines: [{ n: 1 }] } },
    });

    const foreign = client.subscribe('subscription($id: ID!) { orderUpdated(id: $id) { cursor } }', { id: otherOrder });
    expect(await untilRefused(foreign)).toEqual(['NOT_FOUND']);
  });

  it('a new notification reaches its user over notificationAdded', async () => {
    const buyer = await newCustomer();
    const notes = open({ authorization: `Bearer ${buyer.token}` }).subscribe(
      'subscription { notificationAdded { cursor notification { kind title channel } } }',
    );
    await untilSubscribed(router.url, 1);
    await placeOrder(buyer.headers);
    // The customer's WELCOME may come first: registering wrote it just now.
    const kindOf = (result: { data?: Record<string, unknown> | null }) =>
      (result.data!.notificationAdded as { notification: { kind: string } }).notification.kind;
    const note = await waitFor('the order-confirmed notification', async () =>
      notes.results.find((result) => kindOf(result) === 'ORDER_CONFIRMED'),
    );
    expect(note.data).toEqual({
      notificationAdded: {
        cursor: expect.any(String),
        notification: { kind: 'ORDER_CONFIRMED', title: expect.any(String), channel: 'IN_APP' },
      },
    });
    expect(notes.results.filter((result) => kindOf(result) === 'ORDER_CONFIRMED')).toHaveLength(1);
  });
});
