import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDb as accountsDb } from '../../subgraphs/accounts/src/db.ts';
import { connectDb as catalogDb } from '../../subgraphs/catalog/src/db.ts';
import { connectDb as notificationsDb } from '../../subgraphs/notifications/src/db.ts';
import { connectDb as ordersDb } from '../../subgraphs/orders/src/db.ts';
import { graphql } from '../support/graphql.ts';
import { bearer } from '../support/router.ts';

// Every list walked page by page through the router, over rows made for this file: every row once,
// in order, `hasNextPage` false on the last page only, and no empty page after an exactly full one.
const env = inject('env');
const routerUrl = inject('routerUrl');
const dbs = {
  accounts: accountsDb(env.ACCOUNTS_DATABASE_URL!),
  catalog: catalogDb(env.CATALOG_DATABASE_URL!),
  orders: ordersDb(env.ORDERS_DATABASE_URL!),
  notifications: notificationsDb(env.NOTIFICATIONS_DATABASE_URL!),
};
afterAll(() => Promise.all(Object.values(dbs).map((db) => db.$disconnect())));

const ROWS = 24;
// 24 rows: 1, 2, 3, 12 and 24 end on an exactly full page; 5, 7 and 10 on a partial one; 100 is one page.
const SIZES = [1, 2, 3, 5, 7, 10, 12, 24, 100];

type Connection = {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
type FetchPage = (first: number, after: string | null) => Promise<Connection>;

/** Follows endCursor until hasNextPage is false (or far past where the list must have ended). */
async function walk(fetchPage: FetchPage, size: number, expected: number): Promise<Connection[]> {
  const pages: Connection[] = [];
  let after: string | null = null;
  while (pages.length <= expected + 1) {
    const page = await fetchPage(size, after);
    pages.push(page);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return pages;
}

function expectWalked(pages: Connection[], size: number, expected: string[]) {
  const label = `pages of ${size}`;
  expect(
    pages.flatMap((page) => page.edges.map((edge) => edge.node.id)),
    `${label}: every row once, in order`,
  ).toEqual(expected);
  expect(pages, `${label}: as many pages as the rows fill, no empty one after a full one`).toHaveLength(
    Math.max(1, Math.ceil(expected.length / size)),
  );
  pages.forEach((page, index) => {
    const last = index === pages.length - 1;
    expect(page.pageInfo.hasNextPage, `${label}: hasNextPage of page ${index + 1}`).toBe(!last);
    expect(page.edges, `${label}: rows on page ${index + 1}`).toHaveLength(
      last ? expected.length - index * size : size,
    );
    expect(page.pageInfo.endCursor, `${label}: endCursor of page ${index + 1}`).toBe(page.edges.at(-1)?.cursor ?? null);
  });
}

async function fetchConnection(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  pick: (data: Record<string, unknown>) => unknown,
): Promise<Connection> {
  const response = await graphql(routerUrl, query, variables, headers);
  expect(response.body.errors).toBeUndefined();
  return pick(response.body.data!) as Connection;
}

const CONNECTION = 'totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }';

/** Times in groups of four sharing one millisecond, so the id decides the order within a group. */
const sharedMilliseconds = (base: number) => (index: number) => new Date(base + Math.floor(index / 4));

/** Newest first by (createdAt, id), as Postgres orders them: uuids compare as their lower-case hex. */
function newestFirst(rows: Array<{ id: string; createdAt: Date }>): string[] {
  return [...rows]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((row) => row.id);
}

async function newCustomer(label: string) {
  const user = await dbs.accounts.user.create({
    data: {
      email: `walk-${label}-${crypto.randomUUID()}@example.com`,
      name: `Walk ${label}`,
      passwordHash: 'unusable',
    },
  });
  return { id: user.id, headers: await bearer(env, 'CUSTOMER', user.id) };
}

describe('products: walking every page by SKU', () => {
  const prefix = `WALK${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  let expected: string[];

  beforeAll(async () => {
    const products = Array.from({ length: ROWS + 3 }, (_, index) => ({
      id: crypto.randomUUID(),
      sku: `${prefix}-${String(index).padStart(2, '0')}`,
      name: `Walking product ${index}`,
      priceCents: 100 + index,
      currency: 'EUR',
      active: index < ROWS, // three archived ones are not listed
    }));
    // Inserted out of order: the list's order must come from the SKU, not from insertion.
    await dbs.catalog.product.createMany({ data: [...products].reverse() });
    expected = products.filter((product) => product.active).map((product) => product.id);
  });

  it.each(SIZES)('pages of %i', async (size) => {
    const fetchPage: FetchPage = (first, after) =>
      fetchConnection(
        `query($first: Int, $after: String, $search: String) { products(first: $first, after: $after, search: $search) { ${CONNECTION} } }`,
        { first, after, search: prefix },
        {},
        (data) => data.products,
      );
    const pages = await walk(fetchPage, size, expected.length);
    expectWalked(pages, size, expected);
    expect(pages[0]!.totalCount).toBe(ROWS);
  });
});

describe('orders: walking every page, newest first', () => {
  let customer: Awaited<ReturnType<typeof newCustomer>>;
  let staff: Record<string, string>;
  let mine: string[];
  let mineCancelled: string[];

  beforeAll(async () => {
    customer = await newCustomer('orders');
    staff = await bearer(env, 'STAFF');
    // Older than every other order (seeded or made by other test files), so they end the staff list.
    const at = sharedMilliseconds(Date.UTC(2001, 0, 1));
    const orders = Array.from({ length: ROWS }, (_, index) => ({
      id: crypto.randomUUID(),
      customerId: customer.id,
      status: index % 2 === 0 ? ('CANCELLED' as const) : ('CONFIRMED' as const),
      totalCents: 1000,
      currency: 'EUR',
      createdAt: at(index),
    }));
    await dbs.orders.order.createMany({ data: orders });
    mine = newestFirst(orders);
    mineCancelled = newestFirst(orders.filter((order) => order.status === 'CANCELLED'));
  });

  it.each(SIZES)("a customer's own orders, pages of %i", async (size) => {
    const fetchPage: FetchPage = (first, after) =>
      fetchConnection(
        `query($first: Int, $after: String) { me { orders(first: $first, after: $after) { ${CONNECTION} } } }`,
        { first, after },
        customer.headers,
        (data) => (data.me as { orders: Connection }).orders,
      );
    const pages = await walk(fetchPage, size, mine.length);
    expectWalked(pages, size, mine);
    expect(pages[0]!.totalCount).toBe(ROWS);
  });

  /** Every order in the database, in the list's order; filtered by status when one is given. */
  async function allOrders(status?: 'CANCELLED') {
    const rows = await dbs.orders.order.findMany({
      where: status ? { status } : {},
      select: { id: true, createdAt: true },
    });
    return newestFirst(rows);
  }

  // Only this file writes CANCELLED orders, so the filtered list holds still while it is walked.
  it.each(SIZES)('staff, orders(status: CANCELLED), pages of %i', async (size) => {
    const expected = await allOrders('CANCELLED');
    expect(expected.slice(-mineCancelled.length)).toEqual(mineCancelled);
    const fetchPage: FetchPage = (first, after) =>
      fetchConnection(
        `query($first: Int, $after: String) { orders(status: CANCELLED, first: $first, after: $after) { ${CONNECTION} } }`,
        { first, after },
        staff,
        (data) => data.orders,
      );
    const pages = await walk(fetchPage, size, expected.length);
    expectWalked(pages, size, expected);
    expect(pages[0]!.totalCount).toBe(expected.length);
  });

  it.each([...SIZES, 'a divisor of the count'] as const)('staff, every order, pages of %s', async (wanted) => {
    const before = await allOrders();
    const size = typeof wanted === 'number' ? wanted : largestDivisor(before.length);
    const fetchPage: FetchPage = (first, after) =>
      fetchConnection(
        `query($first: Int, $after: String) { orders(first: $first, after: $after) { ${CONNECTION} } }`,
        { first, after },
        staff,
        (data) => data.orders,
      );
    const pages = await walk(fetchPage, size, before.length + 100);
    // Other test files may add orders meanwhile, always newer than the rest: the walk sees the list
    // as it stood at its first page, which is everything from its first row on.
    const after = await allOrders();
    const first = pages[0]!.edges[0]!.node.id;
    expectWalked(pages, size, after.slice(after.indexOf(first)));
    expect(after.slice(-ROWS), 'the orders of this file end the list').toEqual(mine);
  });
});

/** The largest divisor of n up to 100 other than n itself when n is small enough to fit one page. */
function largestDivisor(n: number): number {
  for (let size = Math.min(100, n - 1); size > 1; size--) if (n % size === 0) return size;
  return Math.min(n, 100);
}

describe('notifications: walking every page, newest first', () => {
  let user: Awaited<ReturnType<typeof newCustomer>>;
  let all: string[];
  let unread: string[];

  beforeAll(async () => {
    user = await newCustomer('notifications');
    const at = sharedMilliseconds(Date.parse('2026-03-04T05:06:07.000Z'));
    // In-app and e-mail, read and unread: unread in-app ones are every third.
    const rows = Array.from({ length: ROWS }, (_, index) => {
      const channel = index % 3 === 0 || index % 3 === 1 ? ('IN_APP' as const) : ('EMAIL' as const);
      const read = index % 3 === 1 || index % 5 === 0;
      return {
        id: crypto.randomUUID(),
        userId: user.id,
        kind: 'ORDER_CONFIRMED',
        title: `Notification ${index}`,
        body: 'Walking the pages.',
        channel,
        // Some e-mails unread too: they are not "unread" in the app's sense and must not be listed as such.
        readAt: read ? at(index) : null,
        createdAt: at(index),
      };
    });
    await dbs.notifications.notification.createMany({ data: rows });
    all = newestFirst(rows);
    unread = newestFirst(rows.filter((row) => row.channel === 'IN_APP' && row.readAt === null));
    expect(unread).toHaveLength(6);
    expect(rows.some((row) => row.channel === 'EMAIL' && row.readAt === null)).toBe(true);
  });

  const fetchNotifications =
    (unreadOnly: boolean): FetchPage =>
    (first, after) =>
      fetchConnection(
        `query($first: Int, $after: String, $unreadOnly: Boolean) { me { notifications(first: $first, after: $after, unreadOnly: $unreadOnly) { ${CONNECTION} } } }`,
        { first, after, unreadOnly },
        user.headers,
        (data) => (data.me as { notifications: Connection }).notifications,
      );

  it.each(SIZES)('every notification, pages of %i', async (size) => {
    const pages = await walk(fetchNotifications(false), size, all.length);
    expectWalked(pages, size, all);
    expect(pages[0]!.totalCount).toBe(ROWS);
  });

  // Six unread in-app notifications: 1, 2, 3 and 6 end on an exactly full page.
  it.each([1, 2, 3, 4, 5, 6, 7])('unread only, pages of %i', async (size) => {
    const pages = await walk(fetchNotifications(true), size, unread.length);
    expectWalked(pages, size, unread);
  });

  it('unreadOnly: totalCount counts exactly the rows the pages list, and so does unreadNotificationCount', async () => {
    const response = await graphql<{
      me: { notifications: Connection; unreadNotificationCount: number };
    }>(
      routerUrl,
      `{ me { notifications(first: 100, unreadOnly: true) { ${CONNECTION} } unreadNotificationCount } }`,
      {},
      user.headers,
    );
    expect(response.body.errors).toBeUndefined();
    const { notifications, unreadNotificationCount } = response.body.data!.me;
    expect(notifications.edges.map((edge) => edge.node.id)).toEqual(unread);
    expect(notifications.totalCount).toBe(unread.length);
    expect(unreadNotificationCount).toBe(unread.length);
  });
});
