/**
 * Every write of orders goes through here, each in one transaction with the outbox rows that
 * announce it (writeWithEvents): a new order with its items, its first timeline entry and its events;
 * each step of the saga under the order's version (optimistic concurrency); and orders' own copy
 * of catalog's products.
 */

import { randomUUID } from 'node:crypto';
import type { CommerceEvent, EventOf } from '@commerce/events';
import { outboxInsert, type Sql, uuidLiteral, writeWithEvents } from '@commerce/service-kit';
import type { OrderWithItems } from './domain/order.ts';
import type { PricedOrder, ProductCopy } from './domain/placement.ts';
import type { Decision, TimelineNote } from './domain/saga.ts';

/**
 * The transaction a write runs in: the consumer's for a saga event, the unit's pool's for a
 * mutation. Writes and the reads they decide from are SQL on `pg` (reads for queries use Prisma).
 */
export type Tx = Sql;

/** The product state every product event carries. */
export type ProductState = EventOf<'catalog.product.created'>['data'];

/**
 * Keeps a product's state unless the copy already holds this version or a later one. Every
 * product event carries the whole state with catalog's version of it, so one rule serves all
 * three: a redelivery, a replay or an event overtaken by a later one changes nothing.
 */
export async function keepProductState(tx: Tx, state: ProductState): Promise<void> {
  const { productId, sku, name, priceCents, currency, onSale, version } = state;
  await tx.execute(
    `INSERT INTO catalog_products (product_id, sku, name, price_cents, currency, on_sale, version, updated_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (product_id) DO UPDATE SET
       sku = EXCLUDED.sku, name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
       currency = EXCLUDED.currency, on_sale = EXCLUDED.on_sale, version = EXCLUDED.version,
       updated_at = EXCLUDED.updated_at
     WHERE catalog_products.version < EXCLUDED.version`,
    [productId, sku, name, priceCents, currency, onSale, version],
  );
}

/** Orders' copy of these products, by id (unknown ids are absent). */
export async function productCopies(db: Sql, productIds: readonly string[]): Promise<Map<string, ProductCopy>> {
  const rows = await db.query<ProductCopy>(
    `SELECT product_id AS "productId", name, price_cents AS "priceCents", currency, on_sale AS "onSale"
     FROM catalog_products WHERE product_id = ANY($1::uuid[])`,
    [productIds],
  );
  return new Map(rows.map((row) => [row.productId, row]));
}

/** An order with its items in position order, as Prisma's `include: { items }` gives it. */
const ORDER_WITH_ITEMS = `
  SELECT o.id, o.customer_id AS "customerId", o.status::text AS status, o.total_cents AS "totalCents",
         o.currency, o.version, o.created_at AS "createdAt", o.updated_at AS "updatedAt",
         o.idempotency_key AS "idempotencyKey", o.request_hash AS "requestHash",
         o.refund_pending AS "refundPending", o.refund_reason AS "refundReason",
         COALESCE((SELECT json_agg(json_build_object(
                    'id', i.id, 'orderId', i.order_id, 'productId', i.product_id, 'quantity', i.quantity,
                    'unitPriceCents', i.unit_price_cents, 'position', i.position) ORDER BY i.position)
                   FROM order_items i WHERE i.order_id = o.id), '[]') AS items
  FROM orders o`;

async function oneOrder(db: Sql, where: string, values: readonly unknown[]): Promise<OrderWithItems | null> {
  const [order] = await db.query<OrderWithItems>(`${ORDER_WITH_ITEMS} WHERE ${where}`, values);
  return order ?? null;
}

/** The order a customer placed with this idempotency key, if any. */
export function findOrderByKey(db: Sql, customerId: string, idempotencyKey: string) {
  return oneOrder(db, 'o.customer_id = $1::uuid AND o.idempotency_key = $2', [customerId, idempotencyKey]);
}

export function findOrder(db: Sql, id: string): Promise<OrderWithItems | null> {
  return oneOrder(db, 'o.id = $1::uuid', [id]);
}

/** findOrder as a statement without parameters: a saga step sends it with its transaction's BEGIN. */
export const orderReading = (id: string) => `${ORDER_WITH_ITEMS} WHERE o.id = ${uuidLiteral(id)}`;

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
 * Stores a new PENDING order with its items, its PLACED entry and its events, as one statement
 * (atomic on its own: no transaction, one round trip), and returns it as stored. Null when the
 * customer already has an order with this key (a concurrent identical request won the insert):
 * nothing is written then; the caller reads that order back. ON CONFLICT waits for the other
 * transaction, so the order it then reads is committed.
 */
export async function storePlacedOrder(sql: Sql, order: NewOrder): Promise<OrderWithItems | null> {
  const lines = order.priced.items.map((line, position) => ({ id: randomUUID(), position, ...line }));
  const values: unknown[] = [
    order.id,
    order.customerId,
    order.priced.totalCents,
    order.priced.currency,
    order.idempotencyKey,
    order.requestHash,
    lines.map((line) => line.id),
    lines.map((line) => line.productId),
    lines.map((line) => line.quantity),
    lines.map((line) => line.unitPriceCents),
    order.placed.step,
    order.placed.detail,
  ];
  const events = outboxInsert(order.events, { offset: values.length, onlyIf: 'EXISTS (SELECT 1 FROM placed)' });
  const [stored] = await sql.query<{ createdAt: Date; updatedAt: Date }>(
    `WITH placed AS (
       INSERT INTO orders (id, customer_id, status, total_cents, currency, idempotency_key, request_hash, created_at, updated_at)
       VALUES ($1::uuid, $2::uuid, 'PENDING', $3, $4, $5, $6, now(), now())
       ON CONFLICT (customer_id, idempotency_key) DO NOTHING
       RETURNING id, created_at, updated_at),
     items AS (
       INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_cents, position)
       SELECT line.id, placed.id, line.product_id, line.quantity, line.unit_price_cents, line.position - 1
       FROM placed, unnest($7::uuid[], $8::uuid[], $9::int[], $10::int[])
         WITH ORDINALITY AS line(id, product_id, quantity, unit_price_cents, position)),
     timeline AS (
       INSERT INTO order_timeline (id, order_id, step, detail, at)
       SELECT gen_random_uuid(), placed.id, $11, $12, placed.created_at FROM placed),
     events AS (${events.text})
     SELECT created_at AS "createdAt", updated_at AS "updatedAt" FROM placed`,
    [...values, ...events.values],
  );
  if (!stored) return null;
  return {
    id: order.id,
    customerId: order.customerId,
    status: 'PENDING',
    totalCents: order.priced.totalCents,
    currency: order.priced.currency,
    version: 0,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    idempotencyKey: order.idempotencyKey,
    requestHash: order.requestHash,
    refundPending: false,
    refundReason: null,
    items: lines.map((line) => ({
      id: line.id,
      orderId: order.id,
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      position: line.position,
    })),
  };
}

/** An entry of the order's timeline, as a statement to run with the change it records. */
const timelineEntry = (orderId: string, entry: TimelineNote) => ({
  text: `INSERT INTO order_timeline (id, order_id, step, detail, at) VALUES (gen_random_uuid(), $1::uuid, $2, $3, now())
         RETURNING 1`,
  values: [orderId, entry.step, entry.detail],
});

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
  const entry = timelineEntry(order.id, decision.entry);
  if (decision.kind === 'note') {
    await writeWithEvents(tx, [entry], events);
    return;
  }
  const values: unknown[] = [order.id, order.version, decision.to];
  const set = ['status = $3::"OrderStatus"', 'version = version + 1', 'updated_at = now()'];
  if (decision.refundPending !== undefined) {
    values.push(decision.refundPending);
    set.push(`refund_pending = $${values.length}`);
  }
  if (decision.refundReason !== undefined) {
    values.push(decision.refundReason);
    set.push(`refund_reason = $${values.length}`);
  }
  const move = { text: `UPDATE orders SET ${set.join(', ')} WHERE id = $1::uuid AND version = $2 RETURNING 1`, values };
  // One statement: the move, its entry and its events; a lost race rolls the last two back with it.
  const [moved] = await writeWithEvents(tx, [move, entry], events);
  if (moved === 0) throw new StaleOrder(order.id);
}
