import {
  isUuid,
  loaderByKey,
  parseTimePage,
  type TimePage,
  type TimePageRequest,
  timeCursorKey,
  toConnection,
} from '@commerce/service-kit';
import DataLoader from 'dataloader';
import type { Context } from '../context.ts';
import type { Db } from '../db.ts';
import type { OrderPage, OrderWithItems } from '../domain/order.ts';
import type { OrderStatus, OrderTimelineEntry, Prisma } from '../generated/prisma/client.ts';

// Items come in the same SQL statement as their orders (a join), not in a second query.
const withItems = {
  include: { items: { orderBy: { position: 'asc' } } },
  relationLoadStrategy: 'join',
} as const;
const newestFirst: Prisma.OrderOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];

function olderThan(after: { createdAt: Date; id: string } | null): Prisma.OrderWhereInput {
  if (!after) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
  };
}

/** Staff: every order, newest first, optionally in one status. */
export async function listOrders(
  db: Db,
  request: TimePageRequest & { status?: OrderStatus | null },
): Promise<OrderPage> {
  const { size, after } = parseTimePage(request);
  const filter: Prisma.OrderWhereInput = request.status ? { status: request.status } : {};
  const rows = await db.order.findMany({
    ...withItems,
    where: { ...filter, ...olderThan(after) },
    orderBy: newestFirst,
    take: size + 1,
  });
  return toConnection(rows, size, timeCursorKey, () => db.order.count({ where: filter }));
}

export type CustomerPageKey = TimePage & { customerId: string };

/** One customer's orders, newest first; many customers' first pages load together. */
export async function listCustomerOrders(
  loaders: Pick<Context, 'customerOrderPages' | 'orderCountByCustomer'>,
  customerId: string,
  request: TimePageRequest,
): Promise<OrderPage> {
  const { size, after } = parseTimePage(request);
  const rows = await loaders.customerOrderPages.load({ customerId, size: size + 1, after });
  return toConnection(rows, size, timeCursorKey, () => loaders.orderCountByCustomer.load(customerId));
}

/**
 * Batch for customerOrderPages: one LATERAL query finds each customer's page of order ids (each
 * page its own limit and cursor), one more loads those orders with their items.
 */
export function customerOrderPagesLoader(db: Db) {
  return new DataLoader<CustomerPageKey, OrderWithItems[], string>(
    async (keys) => {
      const pages = keys.map((key, index) => ({
        index,
        customer_id: isUuid(key.customerId) ? key.customerId : null,
        size: key.size,
        after_at: key.after?.createdAt.toISOString() ?? null,
        after_id: key.after?.id ?? null,
      }));
      const found = await db.$queryRaw<Array<{ index: number; id: string }>>`
        SELECT k.index, o.id::text AS id
        FROM jsonb_to_recordset(${JSON.stringify(pages)}::jsonb)
          AS k(index int, customer_id uuid, size int, after_at timestamptz, after_id uuid)
        CROSS JOIN LATERAL (
          SELECT id, created_at FROM orders
          WHERE customer_id = k.customer_id
            AND (k.after_at IS NULL OR (created_at, id) < (k.after_at, k.after_id))
          ORDER BY created_at DESC, id DESC
          LIMIT k.size
        ) o
        ORDER BY k.index, o.created_at DESC, o.id DESC`;
      const orders = await fetchOrders(db, [...new Set(found.map((row) => row.id))]);
      const byId = new Map(orders.map((order) => [order.id, order]));
      return keys.map((_key, index) => found.filter((row) => row.index === index).map((row) => byId.get(row.id)!));
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
}

function fetchOrders(db: Db, ids: string[]): Promise<OrderWithItems[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.order.findMany({ ...withItems, where: { id: { in: ids } } });
}

export function orderCountLoader(db: Db) {
  return new DataLoader<string, number>(async (customerIds) => {
    const valid = customerIds.filter(isUuid);
    const counts =
      valid.length === 0
        ? []
        : await db.order.groupBy({ by: ['customerId'], where: { customerId: { in: valid } }, _count: { _all: true } });
    const byCustomer = new Map(counts.map((row) => [row.customerId, row._count._all]));
    return customerIds.map((id) => byCustomer.get(id) ?? 0);
  });
}

export function ordersByIdLoader(db: Db) {
  return loaderByKey(
    (ids) => fetchOrders(db, ids),
    (order) => order.id,
  );
}

export function timelineLoader(db: Db) {
  return new DataLoader<string, OrderTimelineEntry[]>(async (orderIds) => {
    const rows = await db.orderTimelineEntry.findMany({
      where: { orderId: { in: [...new Set(orderIds.filter(isUuid))] } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return orderIds.map((id) => rows.filter((row) => row.orderId === id));
  });
}
