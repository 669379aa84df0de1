import { beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../support/graphql.ts';
import { signInAda, signInGrace, signInStaff } from '../support/sign-in.ts';

// Orders, payments and notifications through the router, over the seeded shop.
const routerUrl = inject('routerUrl');
type Headers = Record<string, string>;
let ada: { userId: string; headers: Headers };
let grace: { userId: string; headers: Headers };
let staff: { userId: string; headers: Headers };

beforeAll(async () => {
  [ada, grace, staff] = await Promise.all([signInAda(routerUrl), signInGrace(routerUrl), signInStaff(routerUrl)]);
});

type OrderNode = {
  id: string;
  status: string;
  totalCents: number;
  customer: { email: string };
  items: Array<{
    quantity: number;
    unitPriceCents: number;
    lineTotalCents: number;
    product: { name: string; stock: { available: number } };
  }>;
  payment: { status: string } | null;
};
const MY_ORDERS = `{ me { orders(first: 5) { totalCount edges { node {
  id status totalCents customer { email }
  items { quantity unitPriceCents lineTotalCents product { name stock { available } } }
  payment { status }
} } pageInfo { hasNextPage endCursor } } } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status customer { name } timeline { step detail at } } }`;

async function myOrders(headers: Headers) {
  const response = await graphql<{
    me: { orders: { totalCount: number; edges: Array<{ node: OrderNode }>; pageInfo: { hasNextPage: boolean } } };
  }>(routerUrl, MY_ORDERS, {}, headers);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.me.orders;
}

describe('orders, payments and notifications through the router', () => {
  it("a customer's orders carry data from five subgraphs in one request", async () => {
    const orders = await myOrders(ada.headers);
    expect(orders.edges).toHaveLength(5);
    expect(orders.totalCount).toBeGreaterThanOrEqual(6);
    expect(orders.pageInfo.hasNextPage).toBe(true);
    for (const { node } of orders.edges) {
      expect(node.customer.email).toBe('ada@example.com');
      expect(node.items.length).toBeGreaterThan(0);
      expect(node.totalCents).toBe(node.items.reduce((sum, item) => sum + item.lineTotalCents, 0));
      for (const item of node.items) {
        expect(item.product.name).toEqual(expect.any(String));
        expect(item.product.stock.available).toEqual(expect.any(Number));
        expect(item.lineTotalCents).toBe(item.quantity * item.unitPriceCents);
      }
    }
    const confirmed = orders.edges.find(({ node }) => node.status === 'CONFIRMED');
    expect(confirmed?.node.payment).toEqual({ status: 'CAPTURED' });
  });

  it('orders are newest first and pages follow without repeats', async () => {
    const first = await graphql<{
      me: { orders: { edges: Array<{ node: { id: string; createdAt: string } }>; pageInfo: { endCursor: string } } };
    }>(
      routerUrl,
      '{ me { orders(first: 3) { edges { node { id createdAt } } pageInfo { endCursor } } } }',
      {},
      ada.headers,
    );
    const page1 = first.body.data!.me.orders;
    const second = await graphql<{ me: { orders: { edges: Array<{ node: { id: string; createdAt: string } }> } } }>(
      routerUrl,
      'query($after: String) { me { orders(first: 3, after: $after) { edges { node { id createdAt } } } } }',
      { after: page1.pageInfo.endCursor },
      ada.headers,
    );
    const all = [...page1.edges, ...second.body.data!.me.orders.edges].map((edge) => edge.node);
    expect(new Set(all.map((order) => order.id)).size).toBe(all.length);
    const times = all.map((order) => Date.parse(order.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("someone else's order is NOT_FOUND, exactly like an order that does not exist", async () => {
    const [adasOrder] = (await myOrders(ada.headers)).edges;
    const asGrace = await graphql(routerUrl, ORDER, { id: adasOrder!.node.id }, grace.headers);
    expect(errorCodes(asGrace)).toEqual(['NOT_FOUND']);
    const missing = await graphql(routerUrl, ORDER, { id: crypto.randomUUID() }, grace.headers);
    expect(asGrace.body.data).toEqual(missing.body.data);
    expect(asGrace.body.errors?.[0]?.message).toBe(
      missing.body.errors?.[0]?.message.replace(/[0-9a-f-]{36}/, adasOrder!.node.id),
    );
  });

  it('the owner sees an order with its timeline, oldest step first', async () => {
    const [order] = (await myOrders(ada.headers)).edges;
    const response = await graphql<{
      order: { customer: { name: string }; timeline: Array<{ step: string; at: string }> };
    }>(routerUrl, ORDER, { id: order!.node.id }, ada.headers);
    expect(response.body.errors).toBeUndefined();
    const { timeline, customer } = response.body.data!.order;
    expect(customer.name).toBe('Ada Lovelace');
    expect(timeline[0]?.step).toBe('PLACED');
    const times = timeline.map((entry) => Date.parse(entry.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('an anonymous caller sees no orders: UNAUTHENTICATED', async () => {
    const [order] = (await myOrders(ada.headers)).edges;
    expect(errorCodes(await graphql(routerUrl, ORDER, { id: order!.node.id }))).toEqual(['UNAUTHENTICATED']);
  });

  it("staff see every customer's orders; customers may not list all orders", async () => {
    const all = `query($status: OrderStatus) { orders(first: 100, status: $status) { totalCount edges { node { status customer { email } } } } }`;
    const asStaff = await graphql<{
      orders: { totalCount: number; edges: Array<{ node: { status: string; customer: { email: string } } }> };
    }>(routerUrl, all, {}, staff.headers);
    expect(asStaff.body.errors).toBeUndefined();
    const emails = new Set(asStaff.body.data!.orders.edges.map(({ node }) => node.customer.email));
    expect([...emails]).toEqual(expect.arrayContaining(['ada@example.com', 'grace@example.com']));

    const cancelled = await graphql<{ orders: { edges: Array<{ node: { status: string } }> } }>(
      routerUrl,
      all,
      { status: 'CANCELLED' },
      staff.headers,
    );
    const statuses = cancelled.body.data!.orders.edges.map(({ node }) => node.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['CANCELLED']));

    expect(errorCodes(await graphql(routerUrl, all, {}, ada.headers))).toEqual(['FORBIDDEN']);
  });

  it("staff see an order's payment; its customer does too, another customer cannot reach it", async () => {
    const [order] = (await myOrders(ada.headers)).edges.filter(({ node }) => node.payment);
    const query = `query($id: ID!) { order(id: $id) { payment { status amountCents currency attempts } } }`;
    const asStaff = await graphql<{ order: { payment: { amountCents: number } } }>(
      routerUrl,
      query,
      { id: order!.node.id },
      staff.headers,
    );
    expect(asStaff.body.data?.order.payment.amountCents).toBe(order!.node.totalCents);
    expect(errorCodes(await graphql(routerUrl, query, { id: order!.node.id }, grace.headers))).toEqual(['NOT_FOUND']);
  });

  it('notifications: a page, the unread count, and marking one read', async () => {
    const query = `{ me { unreadNotificationCount notifications(first: 5) { totalCount edges { node { id title channel readAt } } } } }`;
    type Me = {
      me: {
        unreadNotificationCount: number;
        notifications: {
          totalCount: number;
          edges: Array<{ node: { id: string; title: string; channel: string; readAt: string | null } }>;
        };
      };
    };
    const before = await graphql<Me>(routerUrl, query, {}, grace.headers);
    expect(before.body.errors).toBeUndefined();
    const { notifications, unreadNotificationCount } = before.body.data!.me;
    expect(notifications.edges.length).toBeGreaterThan(0);
    expect(notifications.edges[0]!.node.title).toEqual(expect.any(String));
    const unread = notifications.edges.find(({ node }) => node.channel === 'IN_APP' && node.readAt === null);
    expect(unread).toBeDefined();

    const mark = `mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }`;
    const marked = await graphql<{ markNotificationRead: { readAt: string } }>(
      routerUrl,
      mark,
      { id: unread!.node.id },
      grace.headers,
    );
    expect(marked.body.data?.markNotificationRead.readAt).toEqual(expect.any(String));
    const again = await graphql<{ markNotificationRead: { readAt: string } }>(
      routerUrl,
      mark,
      { id: unread!.node.id },
      grace.headers,
    );
    expect(again.body.data?.markNotificationRead.readAt).toBe(marked.body.data?.markNotificationRead.readAt);

    const after = await graphql<Me>(routerUrl, query, {}, grace.headers);
    expect(after.body.data!.me.unreadNotificationCount).toBe(unreadNotificationCount - 1);
  });

  it("another user's notification cannot be marked read: NOT_FOUND", async () => {
    const mine = await graphql<{ me: { notifications: { edges: Array<{ node: { id: string } }> } } }>(
      routerUrl,
      '{ me { notifications(first: 1) { edges { node { id } } } } }',
      {},
      ada.headers,
    );
    const id = mine.body.data!.me.notifications.edges[0]!.node.id;
    const mark = `mutation($id: ID!) { markNotificationRead(id: $id) { id } }`;
    expect(errorCodes(await graphql(routerUrl, mark, { id }, grace.headers))).toEqual(['NOT_FOUND']);
  });

  it('unreadOnly lists only notifications not yet read', async () => {
    const response = await graphql<{ me: { notifications: { edges: Array<{ node: { readAt: string | null } }> } } }>(
      routerUrl,
      '{ me { notifications(first: 50, unreadOnly: true) { edges { node { readAt } } } } }',
      {},
      ada.headers,
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.me.notifications.edges.every(({ node }) => node.readAt === null)).toBe(true);
  });
});
