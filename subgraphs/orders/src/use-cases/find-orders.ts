import { isUuid, loaderByKey, newestFirst, type PageQuery, type PageRequest } from '@commerce/service-kit';
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

/** Staff's list and each customer's list share one order, newest first, and one cursor. */
const orderList = newestFirst('orders');
type OrderPageQuery = PageQuery<{ createdAt: 'timestamp'; id: 'uuid' }>;

/** Staff: every order, newest first, optionally in one status. */
export async function listOrders(db: Db, request: PageRequest & { status?: OrderStatus | null }): Promise<OrderPage> {
  const page = orderList.parse(request);
  const filter: Prisma.OrderWhereInput = request.status ? { status: request.status } : {};
  const rows = await db.order.findMany({
    ...withItems,
    where: { AND: [filter, orderList.after(page.after)] },
    orderBy: orderList.orderBy,
    take: page.take,
  });
  return orderList.toPage(rows, page, () => db.order.count({ where: filter }));
}

export type CustomerPageKey = { customerId: string; take: number; after: OrderPageQuery['after'] };

/** One customer's orders, newest first; many customers' first pages load together. */
export async function listCustomerOrders(
  loaders: Pick<Context, 'customerOrderPages' | 'orderCountByCustomer'>,
  customerId: string,
  request: PageRequest,
): Promise<OrderPage> {
  const page = orderList.parse(request);
  const rows = await loaders.customerOrderPages.load({ customerId, take: page.take, after: page.after });
  return orderList.toPage(rows, page, () => loaders.orderCountByCustomer.load(customerId));
}

/**
 * Batch for customerOrderPages: one LATERAL query finds each customer's page of order ids (each
 * page its own limit and cursor; `<` on the row is "after" newest first, as orderList.after says for
 * Prisma), one more loads those orders with their items.
 */
export function customerOrderPagesLoader(db: Db) {
  return new DataLoader<CustomerPageKey, OrderWithItems[], string>(
    async (keys) => {
      const pages = keys.map((key, index) => {
        const [afterAt, afterId] = orderList.values(key.after);
        return {
          index,
          customer_id: isUuid(key.customerId) ? key.customerId : null,
          take: key.take,
          after_at: afterAt,
          after_id: afterId,
        };
      });
      const found = await db.$queryRaw<Array<{ index: number; id: string }>>`
        SELECT k.index, o.id::text AS id
        FROM jsonb_to_recordset(${JSON.stringify(pages)}::jsonb)
          AS k(index int, customer_id uuid, take int, after_at timestamptz, after_id uuid)
        CROSS JOIN LATERAL (
          SELECT id, created_at FROM orders
          WHERE customer_id = k.customer_id
            AND (k.after_at IS NULL OR (created_at, id) < (k.after_at, k.after_id))
          ORDER BY created_at DESC, id DESC
          LIMIT k.take
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
