/**
 * Every write of orders goes through here, each in one transaction with the outbox rows that
 * announce it (appendEvents): a new order with its items, its first timeline entry and its events;
 * each step of the saga under the order's version (optimistic concurrency); and orders' own copy
 * of catalog's products.
 */
import type { CommerceEvent, EventOf } from '@commerce/events';
import { appendEvents, type TransactionClientOf } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { OrderWithItems } from './domain/order.ts';
import type { PricedOrder, ProductCopy } from './domain/placement.ts';
import type { Decision, TimelineNote } from './domain/saga.ts';

export type Tx = TransactionClientOf<Db>;

/** The product state every product event carries. */
export type ProductState = EventOf<'catalog.product.created'>['data'];

/**
 * Keeps a product's state unless the copy already holds this version or a later one. Every
 * product event carries the whole state with catalog's version of it, so one rule serves all
 * three: a redelivery, a replay or an event overtaken by a later one changes nothing.
 */
export async function keepProductState(tx: Tx, state: ProductState): Promise<void> {
  const { productId, sku, name, priceCents, currency, onSale, version } = state;
  await tx.$executeRaw`
    INSERT INTO catalog_products (product_id, sku, name, price_cents, currency, on_sale, version, updated_at)
    VALUES (${productId}::uuid, ${sku}, ${name}, ${priceCents}, ${currency}, ${onSale}, ${version}, now())
    ON CONFLICT (product_id) DO UPDATE SET
      sku = EXCLUDED.sku, name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
      currency = EXCLUDED.currency, on_sale = EXCLUDED.on_sale, version = EXCLUDED.version,
      updated_at = EXCLUDED.updated_at
    WHERE catalog_products.version < EXCLUDED.version`;
}

/** Orders' copy of these products, by id (unknown ids are absent). */
export async function productCopies(db: Db | Tx, productIds: readonly string[]): Promise<Map<string, ProductCopy>> {
  const rows = await db.catalogProduct.findMany({ where: { productId: { in: [...productIds] } } });
  return new Map(rows.map((row) => [row.productId, row]));
}

const withItems = { include: { items: { orderBy: { position: 'asc' } } } } as const;

/** The order a customer placed with this idempotency key, if any. */
export function findOrderByKey(db: Db | Tx, customerId: string, idempotencyKey: string) {
  return db.order.findUnique({ ...withItems, where: { customerId_idempotencyKey: { customerId, idempotencyKey } } });
}

export function findOrder(db: Db | Tx, id: string): Promise<OrderWithItems | null> {
  return db.order.findUnique({ ...withItems, where: { id } });
}

export type NewOrder = {
  id: string;
  customerId: string;
  idempotencyKey: string;
  requestHash: string;
  priced: PricedOrder;
  placed: TimelineNote;
  /** The outbox rows of the placement (orders.order.placed and its reservation deadline). */
  events: readonly CommerceEvent[];
};

/**
 * Stores a new PENDING order with its items, its PLACED entry and its events, in one transaction.
 * False when the customer already has an order with this key (a concurrent identical request won
 * the insert): nothing is written; the caller reads that order back. ON CONFLICT waits for the
 * other transaction, so the order it then reads is committed.
 */
export async function storePlacedOrder(db: Db, order: NewOrder): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const inserted = await tx.$executeRaw`
      INSERT INTO orders (id, customer_id, status, total_cents, currency, idempotency_key, request_hash, created_at, updated_at)
      VALUES (${order.id}::uuid, ${order.customerId}::uuid, 'PENDING', ${order.priced.totalCents},
              ${order.priced.currency}, ${order.idempotencyKey}, ${order.requestHash}, now(), now())
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING`;
    if (inserted === 0) return false;
    await tx.orderItem.createMany({
      data: order.priced.items.map((line, position) => ({ orderId: order.id, position, ...line })),
    });
    await tx.orderTimelineEntry.create({ data: { orderId: order.id, ...order.placed } });
    await appendEvents(tx, order.events);
    return true;
  });
}

/** Another transaction changed the order since it was read: the write is refused, the caller retries. */
export class StaleOrder extends Error {
  override name = 'StaleOrder';
  constructor(orderId: string) {
    super(`order ${orderId} changed while this step was decided; retrying from its new state`);
  }
}

/**
 * Applies a decision of the saga to an order read at `version`: a move updates status (and the
 * refund flag) only if the version is unchanged, then adds its timeline entry and events; a note
 * only adds its entry. A lost race throws StaleOrder and so rolls back the whole transaction (for
 * an event: its inbox row too, so the event is retried against the order's new state).
 */
export async function applyDecision(
  tx: Tx,
  order: { id: string; version: number },
  decision: Decision,
  events: readonly CommerceEvent[] = [],
): Promise<void> {
  if (decision.kind === 'nothing') return;
  if (decision.kind === 'move') {
    const data = {
      status: decision.to,
      version: { increment: 1 },
      ...(decision.refundPending === undefined ? {} : { refundPending: decision.refundPending }),
      ...(decision.refundReason === undefined ? {} : { refundReason: decision.refundReason }),
    };
    const updated = await tx.order.updateMany({ where: { id: order.id, version: order.version }, data });
    if (updated.count === 0) throw new StaleOrder(order.id);
  }
  await tx.orderTimelineEntry.create({ data: { orderId: order.id, ...decision.entry } });
  await appendEvents(tx, events);
}
